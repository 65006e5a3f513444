/**
 * SPEC.md against its sources of truth: the requirement index, the error
 * table, the role tables of the reference model, and the model's behaviour
 * under faults. Why these tests: SPEC.md is prose that cites data; the day
 * the data changes and the prose does not, an implementer reads a rule the
 * suite no longer checks. Every test here fails on such a drift and says
 * where to look.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { CHAPTERS, REQUIREMENTS } from './requirements.ts';
import { ERROR_CODES } from './errors.ts';
import { DEFAULT_CONFIG } from './config.ts';
import { SPEC_PATH, regionsOf, renderRegions } from './render.ts';
import { type Flow, established, labelsOf, outcomeAfterWait, outcomeUnderDelay } from './fault-outcomes.ts';
import { PROGRAMS, type RoleCtx, stepLabels } from '../reference/index.ts';
import type { Role } from './messages.ts';

const spec = readFileSync(SPEC_PATH, 'utf8');
const protocol = readFileSync(new URL('./PROTOCOL.md', import.meta.url), 'utf8');
const ids = new Set(REQUIREMENTS.map((r) => r.id));

/** Requirement-like tokens: a prefix the index uses, then upper-case segments. */
const prefixes = [...new Set(REQUIREMENTS.map((r) => r.id.split('-')[0]!))];
const ID_TOKEN = new RegExp(`(?<![A-Za-z0-9_-])(?:${prefixes.join('|')})(?:-[A-Z0-9]+)+(?![A-Za-z0-9_-])`, 'g');

/** Section numbers of SPEC.md's headings: "## 5. Dispatch" is 5, "### 5.2 Descriptor values" is 5.2. */
const headings = [...spec.matchAll(/^#{2,4} (\d+(?:\.\d+)?)\.? /gm)].map((m) => m[1]!);

/** The text of one numbered section, up to the next heading of the same or a higher level. */
function section(number: string): string {
  const level = number.includes('.') ? 3 : 2;
  const start = spec.search(new RegExp(`^${'#'.repeat(level)} ${number.replace('.', '\\.')}\\.? `, 'm'));
  if (start < 0) throw new Error(`SPEC.md has no section ${number}`);
  const rest = spec.slice(spec.indexOf('\n', start) + 1);
  const next = rest.search(new RegExp(`^#{2,${level}} `, 'm'));
  return next < 0 ? rest : rest.slice(0, next);
}

/** The rows of the markdown tables of a text, as trimmed cells, header and rule rows dropped. */
function tableRows(text: string): string[][] {
  const rows: string[][] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.startsWith('|')) continue;
    const cells = line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
    if (cells.every((c) => /^-+$/.test(c))) continue;
    if (/^\|\s*-{3,}/.test(lines[i + 1] ?? '')) continue; // a header row
    rows.push(cells);
  }
  return rows;
}

describe('the requirement index', () => {
  test('holds at least 60 requirements', () => {
    expect(REQUIREMENTS.length).toBeGreaterThanOrEqual(60);
  });

  test('IDs are unique and name things in upper case', () => {
    expect(ids.size).toBe(REQUIREMENTS.length);
    for (const r of REQUIREMENTS) expect(r.id).toMatch(/^[A-Z][A-Z0-9-]+$/);
  });

  test.each(REQUIREMENTS.map((r) => [r.id, r] as const))('%s cites at least one source and states its level', (_id, r) => {
    expect(r.sources.length).toBeGreaterThanOrEqual(1);
    expect(r.text).toContain(r.level);
  });

  test('every decision it cites exists: a numbered heading of SPEC.md, or a section of PROTOCOL.md', () => {
    const missing: string[] = [];
    for (const r of REQUIREMENTS) {
      for (const source of r.sources) {
        if (source.doc !== 'decision') continue;
        if (source.ref.startsWith('PROTOCOL.md')) {
          for (const [, name] of source.ref.matchAll(/§([a-z-]+)/g)) {
            if (!new RegExp(`^## §${name} `, 'm').test(protocol)) missing.push(`${r.id}: PROTOCOL.md §${name}`);
          }
          continue;
        }
        const numbers = [...source.ref.matchAll(/§(\d+(?:\.\d+)?)/g)].map((m) => m[1]!);
        if (numbers.length === 0) missing.push(`${r.id}: "${source.ref}" names no section`);
        for (const n of numbers) if (!headings.includes(n)) missing.push(`${r.id}: SPEC.md §${n}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('SPEC.md', () => {
  test('its generated regions are up to date (node --import tsx spec/render.ts --write)', () => {
    expect(renderRegions(spec) === spec).toBe(true);
  });

  test('every chapter of the index has exactly one requirement block, holding exactly its requirements', () => {
    const blocks = regionsOf(spec).filter((r) => r.kind === 'requirements');
    expect(blocks.map((b) => b.argument).sort()).toEqual(CHAPTERS.map((c) => c.id).sort());
    for (const block of blocks) {
      const listed = [...block.body.matchAll(/^- \*\*([A-Z][A-Z0-9-]+)\*\* \((MUST|SHOULD)\)/gm)].map((m) => m[1]);
      expect(listed, `block ${block.argument}`).toEqual(REQUIREMENTS.filter((r) => r.chapter === block.argument).map((r) => r.id));
    }
  });

  test('holds exactly the IDs of the index in its blocks, and cites no ID outside the index', () => {
    const inBlocks = new Set(
      regionsOf(spec)
        .filter((r) => r.kind === 'requirements')
        .flatMap((b) => [...b.body.matchAll(/^- \*\*([A-Z][A-Z0-9-]+)\*\*/gm)].map((m) => m[1]!)),
    );
    expect([...inBlocks].sort()).toEqual([...ids].sort());
    const strangers = [...new Set([...spec.matchAll(ID_TOKEN)].map((m) => m[0]))].filter((token) => !ids.has(token));
    expect(strangers).toEqual([]);
  });

  test('numbers its sections once each', () => {
    expect(headings.length).toBe(new Set(headings).size);
  });

  test('its error table lists exactly the codes of spec/errors.ts', () => {
    const [table] = regionsOf(spec).filter((r) => r.kind === 'errors');
    expect(table).toBeDefined();
    const codes = tableRows(table!.body).map((cells) => cells[0]);
    expect(codes).toEqual(ERROR_CODES.map((e) => e.code));
  });

  test('its per-call error table (§11.1) uses only codes of spec/errors.ts', () => {
    const known = new Set<string>(ERROR_CODES.map((e) => e.code));
    const used = tableRows(section('11.1')).flatMap((cells) => [...(cells[1] ?? '').matchAll(/\bE[A-Z]+\b/g)].map((m) => m[0]));
    expect(used.filter((code) => !known.has(code))).toEqual([]);
    expect(new Set(used)).toEqual(known);
  });
});

describe('the step tables of chapters 8 and 9 copy reference/roles.ts', () => {
  const tables: [string, Role][] = [
    ['8.1', 'fs-server'],
    ['8.2', 'fs-client'],
    ['9.1', 'db-server'],
    ['9.2', 'db-client'],
  ];
  const ctx: RoleCtx = { config: DEFAULT_CONFIG, params: { peer: 'cli', stg: 1 }, now: 0 };
  const anyVars = new Proxy({}, { get: () => 1 }) as Record<string, number>;

  test.each(tables)('§%s is the table of %s: labels, calls and requirements in order', (number, role) => {
    const rows = tableRows(section(number));
    const program = PROGRAMS[role];
    const expected = program.steps.map((step) => ({
      label: step.label,
      op: step.kind === 'recv' ? 'recv' : step.op(anyVars, ctx).op,
      reqs: [...step.reqs].sort(),
    }));
    const actual = rows.map((cells) => ({
      label: cells[0],
      op: /^`?(\w+)\(/.exec(cells[1] ?? '')?.[1],
      reqs: [...(cells[cells.length - 1] ?? '').matchAll(ID_TOKEN)].map((m) => m[0]).sort(),
    }));
    expect(actual).toEqual(expected);
  });
});

describe('the traceability tables of chapter 15', () => {
  const stepRows = tableRows(section('15.1'));
  const stepLabelsListed = new Set(stepRows.map((cells) => cells[0]));

  test('§15.1 maps every step label the role tables use', () => {
    const used = Object.values(PROGRAMS).flatMap((program) => stepLabels(program));
    expect(used.filter((label) => !stepLabelsListed.has(label))).toEqual([]);
  });

  test('§15.1 maps every number of the figures, mentioned or implied, and every column label', () => {
    const evens = (lo: number, hi: number): string[] => Array.from({ length: (hi - lo) / 2 + 1 }, (_, i) => String(lo + 2 * i));
    const numbers = [
      ...evens(82, 100),
      ...evens(112, 126),
      ...evens(132, 148),
      ...evens(152, 172),
      ...evens(182, 214),
      '196A',
      ...evens(222, 246),
      '220A',
      '220B',
      '220C',
      ...['80', '110', '130', '150', '180', '220'],
    ];
    expect(numbers.filter((label) => !stepLabelsListed.has(label))).toEqual([]);
  });

  test('§15.1 gives every step a meaning and requirements or a reason', () => {
    for (const cells of stepRows) {
      expect(cells, `row ${cells[0]}`).toHaveLength(4);
      expect(cells[2], `row ${cells[0]}`).not.toBe('');
      const cited = [...(cells[3] ?? '').matchAll(ID_TOKEN)].length > 0;
      expect(cited || /^— \(.+\)$/.test(cells[3] ?? ''), `row ${cells[0]}: ${cells[3]}`).toBe(true);
    }
  });

  test.each([
    ['15.2', 20],
    ['15.3', 26],
  ] as const)('§%s maps every claim 1..%i, each to requirements or a reason', (number, count) => {
    const rows = tableRows(section(number));
    expect(rows.map((cells) => cells[0])).toEqual(Array.from({ length: count }, (_, i) => String(i + 1)));
    for (const cells of rows) {
      const last = cells[cells.length - 1] ?? '';
      const cited = [...last.matchAll(ID_TOKEN)].length > 0;
      expect(cited || /none|cancelled/.test(last), `claim ${cells[0]}: ${last}`).toBe(true);
    }
  });
});

describe('the tolerated faults of §10.7 (HS-FAULT-TOLERATED) hold in the model, and are tight', () => {
  const { stepTimeout, connectTimeout } = DEFAULT_CONFIG.ticks;
  const flows: Flow[] = ['fs', 'db'];
  const netDelay = Math.min(Math.floor((stepTimeout - 1) / 2), connectTimeout);
  const dssDelay = Math.min(stepTimeout, connectTimeout);
  const wait = Math.min(stepTimeout - 2, connectTimeout - 1);
  const everyHold = flows.flatMap((flow) => (['S', 'C'] as const).flatMap((side) => labelsOf(flow, side).map((label) => [flow, side, label] as const)));

  test('channel delays up to the bound are tolerated; one more tick is not, somewhere', () => {
    for (const flow of flows) {
      for (let d = 1; d <= netDelay; d++) expect(established(outcomeUnderDelay(flow, 'net', d)), `${flow} net ${d}`).toBe(true);
      for (let d = 1; d <= dssDelay; d++) expect(established(outcomeUnderDelay(flow, 'dss', d)), `${flow} dss ${d}`).toBe(true);
    }
    expect(flows.some((flow) => !established(outcomeUnderDelay(flow, 'net', netDelay + 1)))).toBe(true);
    expect(flows.some((flow) => !established(outcomeUnderDelay(flow, 'dss', dssDelay + 1)))).toBe(true);
  });

  test.each(['partition', 'hold'] as const)('a %s of the bounded length is tolerated at every step; one tick more is not, somewhere', (kind) => {
    const bound = kind === 'partition' ? wait : stepTimeout - 2;
    const failing = everyHold.filter(([flow, side, label]) => !established(outcomeAfterWait(flow, side, label, kind, bound)));
    expect(failing).toEqual([]);
    expect(everyHold.some(([flow, side, label]) => !established(outcomeAfterWait(flow, side, label, kind, bound + 1)))).toBe(true);
  });
});
