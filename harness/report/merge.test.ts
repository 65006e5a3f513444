/**
 * Why this test? CI splits a check over machines and gates on the merge; a merge that counted
 * differently from one whole check, or that mixed seeds or versions silently, would gate on a
 * verdict nobody ran.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { main } from '../cli/cli.ts';
import { jsonReport, MatrixReportSchema, ReportSchema, type Report } from './json.ts';
import { loadReport, merge, MergeError, runMerge } from './merge.ts';
import { summaryWith } from './testing/summary.ts';

const dir = mkdtempSync(join(tmpdir(), 'dualsock-merge-'));
const quiet = { out: () => {}, err: (t: string) => void process.stderr.write(t) };

function reportFile(name: string, edit: (r: Report) => Report = (r) => r, statuses: Parameters<typeof summaryWith>[0] = {}): string {
  const report = edit(jsonReport(summaryWith(statuses), { impl: 'impl.ts', name: 'impl', version: '0.1.0' }));
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(report));
  return file;
}

describe('merge refuses what is not one check', () => {
  test.each([
    { what: 'different seeds', edit: (r: Report) => ({ ...r, seed: 43 }), phrase: /different seeds \(.*a\.json: 42, .*: 43\)/ },
    { what: 'different dualsock versions', edit: (r: Report) => ({ ...r, dualsock: '0.2.0' }), phrase: /different dualsock versions/ },
    { what: 'an older report format', edit: (r: Report) => ({ ...r, version: 1 as never }), phrase: /version 1 report; this dualsock merges version 2/ },
  ])('$what', ({ edit, phrase }) => {
    const a = reportFile('a.json');
    const b = reportFile(`b-${Math.random()}.json`, edit);
    expect(() => merge([a, b].map(loadReport))).toThrow(phrase);
  });

  test('the same shard twice', () => {
    const a = reportFile('s1.json', (r) => ({ ...r, shard: { index: 1, count: 2 } }));
    const b = reportFile('s1-again.json', (r) => ({ ...r, shard: { index: 1, count: 2 } }));
    expect(() => merge([a, b].map(loadReport))).toThrow(/both shard 1\/2; merging both would count its runs twice/);
  });

  test('a file that is not a report', () => {
    const file = join(dir, 'junk.json');
    writeFileSync(file, '{"hello": 1}');
    expect(() => loadReport(file)).toThrow(MergeError);
    expect(() => loadReport(file)).toThrow(/is not a dualsock check report/);
  });
});

describe('merge', () => {
  // Why this test? Shards each fire some of the model's rules: the merged check fired what any shard did.
  test("shards' rule counts add up, per requirement and overall, and the never-fired list is taken again", () => {
    const withRules = (counts: Record<string, number>, index: number) => (r: Report): Report => {
      const per = (id: string) => counts[id] ?? 0;
      const requirements = r.requirements.map((q) => ({ ...q, rules: q.rules.map((rule) => ({ ...rule, fired: per(rule.id) })) }));
      return { ...r, shard: { index, count: 2 }, requirements, rules: { ...r.rules, counts, fired: Object.keys(counts).length, neverFired: r.rules.neverFired.filter((id) => !(id in counts)) } };
    };
    const a = reportFile('rules-1.json', withRules({ 'socket.dss.cbt-full→ENOBUFS': 2 }, 1));
    const b = reportFile('rules-2.json', withRules({ 'socket.dss.cbt-full→ENOBUFS': 3, 'accept.dss.cbt-full→ENOBUFS': 1 }, 2));
    const merged = merge([a, b].map(loadReport)).reports[0]!;
    expect(merged.rules.counts).toEqual({ 'socket.dss.cbt-full→ENOBUFS': 5, 'accept.dss.cbt-full→ENOBUFS': 1 });
    expect(merged.rules.fired).toBe(2);
    expect(merged.rules.neverFired).not.toContain('accept.dss.cbt-full→ENOBUFS');
    expect(merged.rules.neverFired).toContain('fault.cbt-reserve.fills-table');
    expect(merged.requirements.find((q) => q.id === 'CBT-EXHAUSTED-ENOBUFS')!.rules.map((rule) => rule.fired)).toEqual([5, 1, 0]);
  });

  test('a missing shard makes the merged check INCOMPLETE, exit 2', () => {
    const a = reportFile('m1.json', (r) => ({ ...r, shard: { index: 1, count: 2 } }));
    const merged = merge([loadReport(a)]);
    expect(merged.info.missingShards).toEqual(['2/2']);
    expect(merged.reports[0]!.outcome).toBe('INCOMPLETE');
    expect(merged.exitCode).toBe(2);
  });

  test('reports of two implementations give a requirement × implementation matrix', () => {
    const a = reportFile('impl-a.json');
    const b = reportFile('impl-b.json', (r) => ({ ...r, implementation: { command: 'other', name: 'other' }, outcome: 'NON-CONFORMANCE', exitCode: 1 }), {
      'CBT-UNIQUE-OWNER': { status: 'fail', detail: 'owned twice' },
    });
    let out = '';
    const code = runMerge(
      { files: [a, b], reports: [{ kind: 'junit', path: join(dir, 'matrix.xml') }, { kind: 'json', path: join(dir, 'matrix.json') }, { kind: 'html', path: join(dir, 'matrix.html') }] },
      (t) => void (out += t),
    );
    const json = MatrixReportSchema.parse(JSON.parse(readFileSync(join(dir, 'matrix.json'), 'utf8')));
    expect(json.implementations.map((r) => [r.implementation.name, r.outcome])).toEqual([['impl', 'CONFORMS'], ['other', 'NON-CONFORMANCE']]);
    expect(code).toBe(1);
    expect(out).toMatch(/\[1\] impl — impl\.ts, seed 42: CONFORMS/);
    expect(out).toMatch(/\[2\] other — other, seed 42: NON-CONFORMANCE/);
    expect(out).toMatch(/^ {2}CBT-UNIQUE-OWNER +✓ +✗ {2}MUST$/m);
    expect(readFileSync(join(dir, 'matrix.xml'), 'utf8')).toMatch(/<testsuite name="dualsock.other.storage" tests="\d+" failures="1"/);
    // The page draws the same matrix: a row for the requirement, one cell per implementation.
    const page = readFileSync(join(dir, 'matrix.html'), 'utf8');
    expect(page).toMatch(/Requirements × implementations/);
    expect(page).toMatch(/CBT-UNIQUE-OWNER <span class="muted small">MUST<\/span><\/th><td class="mini s-pass"[^>]*>✓ [0-9]+×<\/td><td class="mini s-fail" title="owned twice">✗ [0-9]+×<\/td>/);
  });
});

describe('three shards merged give the unsharded check', () => {
  test('same verdict, same status and exercised count per requirement', async () => {
    const impl = 'fixtures/examples/minimal-inprocess/index.ts';
    const check = (name: string, extra: string[]) =>
      main(['check', '--impl', impl, '--seed', '7', '--runs', '2', '--out', join(dir, `cx-${name}`), '--report', `json=${join(dir, `${name}.json`)}`, ...extra], quiet);
    const whole = await check('whole', []);
    const shards = [];
    for (const i of [1, 2, 3]) shards.push(await check(`shard${i}`, ['--shard', `${i}/3`]));
    const merged = join(dir, 'merged.json');
    const code = await main(['merge', ...[1, 2, 3].map((i) => join(dir, `shard${i}.json`)), '--report', `json=${merged},junit=${join(dir, 'merged.xml')},html=${join(dir, 'merged.html')}`], quiet);
    const one = ReportSchema.parse(JSON.parse(readFileSync(join(dir, 'whole.json'), 'utf8')));
    const all = ReportSchema.parse(JSON.parse(readFileSync(merged, 'utf8')));
    expect(code).toBe(whole);
    expect(all.outcome).toBe(one.outcome);
    expect(all.summary).toEqual(one.summary);
    expect(all.runs).toBe(one.runs);
    expect(all.calls).toBe(one.calls);
    expect(all.incomplete).toEqual(one.incomplete.map((line) => line.replace('the selected properties check', 'the properties run check')));
    for (const r of one.requirements) {
      const m = all.requirements.find((x) => x.id === r.id)!;
      expect({ id: r.id, status: m.status }).toEqual({ id: r.id, status: r.status });
      // Every shard says hello once: the one requirement counted per session, not per run.
      expect({ id: r.id, exercised: m.exercised }).toEqual({ id: r.id, exercised: r.id === 'WIRE-HELLO-CORE' ? r.exercised * 3 : r.exercised });
    }
    expect(readFileSync(join(dir, 'merged.html'), 'utf8')).toContain('<html');
  }, 600_000);
});
