/**
 * The console summary: what a person reads at the end of `dualsock check` (and `merge`).
 *
 * Findings first, each printed once (findings.ts) with its counterexample one step a line,
 * then the verdict per chapter with the share of the model's rules it fired, the requirements
 * that are not a pass (not-reached and skipped ones folded into one line per reason), coverage
 * (deep situations, and the rules that never fired), and the verdict line. Every piece of text
 * that came from the implementation or from a file goes through `style.untrusted`; colour is
 * only ever applied to dualsock's own words.
 */
import { checkedBy } from '../../properties/index.ts';
import { CHAPTERS, requirement } from '../../spec/requirements.ts';
import { RULES } from '../../reference/rules.ts';
import { type CheckSummary, chapterOfRule, ruleCoverage } from '../judge/summary.ts';
import type { Status, Verdict } from '../judge/verdicts.ts';
import { GOALS, faultPoints } from '../judge/goals.ts';
import { plural, worldLine } from './failure.ts';
import { findings, traceLines, type Finding } from './findings.ts';
import { displayCommand, displayPath } from './paths.ts';
import { PLAIN, type Style } from './style.ts';
import { wrap } from './text.ts';
import type { ReportContext } from './context.ts';

/** Every status a verdict can have; `stale` is an expected failure that no longer fails. */
export type AnyStatus = Status | 'stale';

export const MARK: Record<AnyStatus, string> = { pass: '✓', fail: '✗', expected: '~', stale: '+', warn: '!', skipped: '-', 'not-reached': '?' };

export interface ConsoleOptions {
  readonly style?: Style;
  /** Columns to fit (default 100). */
  readonly columns?: number;
  /** Paths are shown relative to this directory (default: the working directory). */
  readonly cwd?: string;
}

export function counts(list: readonly Verdict[]): Record<AnyStatus, number> {
  const out: Record<AnyStatus, number> = { pass: 0, fail: 0, expected: 0, stale: 0, warn: 0, skipped: 0, 'not-reached': 0 };
  for (const v of list) out[v.status as AnyStatus] += 1;
  return out;
}

/** The verdict line's words: the check's outcome, or, for a summary without one, its exit code's meaning. */
export function verdictWord(summary: { readonly exitCode: number; readonly outcome?: string }): string {
  if (summary.outcome) return summary.outcome;
  const code = summary.exitCode;
  return code === 0 ? 'CONFORMS' : code === 1 ? 'NON-CONFORMANCE' : code === 3 ? 'PROTOCOL-BREAK' : 'HARNESS-ERROR';
}

function paintMark(style: Style, status: AnyStatus, text: string): string {
  switch (status) {
    case 'stale':
    case 'pass':
      return style.good(text);
    case 'fail':
      return style.bad(text);
    case 'expected':
    case 'warn':
      return style.warn(text);
    case 'skipped':
    case 'not-reached':
      return style.dim(text);
  }
}

/** One finding: the failure with the fewest steps, and which other properties shrank onto it. */
export function findingText(finding: Finding, options: ConsoleOptions = {}): string {
  const style = options.style ?? PLAIN;
  const cwd = options.cwd ?? process.cwd();
  const width = options.columns ?? 100;
  const c = finding.shown.counterexample;
  const u = style.untrusted;
  const req = requirement(c.violated[0]!);
  const others = [...new Set(c.violated.slice(1))].filter((r) => r !== req.id);
  const also = finding.properties.slice(1);
  const lines = [
    '',
    `${style.bad('✗')} ${style.bold(req.id)} (${req.level}) — ${req.title}`,
    ...wrap(req.text, width - 4, '    ').map((line, i) => (i === 0 ? `    ${line}` : line)),
    `  expected: ${u(c.expected)}`,
    `  actual:   ${u(c.actual)}`,
    ...(others.length ? [`  related:  ${others.join(', ')}`] : []),
    `  found by ${finding.shown.property}${also.length ? `; also seen by: ${also.join(', ')}` : ''}`,
    ...wrap(`counterexample (${plural(c.steps.length, 'step')}), world: ${u(worldLine(c.world))}`, width - 2, '    ').map((line) => `  ${line}`),
    ...traceLines(c.trace).flatMap(({ step, lines: text }) => text.map((line, i) => `  ${i === 0 ? style.dim(step.padEnd(4)) : '    '} ${u(line)}`)),
    `  replay:    ${u(displayCommand(c.replay, cwd))}`,
    `  reproduce: ${u(displayCommand(c.reproduce, cwd))}`,
  ];
  if (finding.failures.length > 1) {
    const files = finding.failures.filter((f) => f !== finding.shown).map((f) => u(displayPath(f.file, cwd)));
    lines.push(...wrap(`the other properties' counterexamples: ${files.join(', ')}`, width - 2, '    ').map((line) => `  ${line}`));
  }
  return lines.join('\n') + '\n';
}

/** The line an unreached requirement is folded into: left out by the selection, or missed by the properties that ran. */
/** Never-fired rules listed in full up to this many; past it, the reports that list them all are named. */
const NEVER_FIRED_SHOWN = 40;

/**
 * The model's rules the check never took, on one wrapped line (the blind spots: a requirement
 * whose error branch never fired looks exercised all the same). Nothing when nothing ran.
 */
function neverFiredLines(summary: CheckSummary): string[] {
  if (summary.runs === 0 || summary.rules === undefined) return [];
  const coverage = ruleCoverage(summary.rules);
  const head = `Model rules fired: ${coverage.fired} of ${coverage.reachable} reachable (${coverage.unreachable.length} unreachable by design, not counted)`;
  if (coverage.neverFired.length === 0) return [`${head}; every reachable rule fired`];
  const ids = coverage.neverFired.map((r) => r.id);
  const shown = ids.slice(0, NEVER_FIRED_SHOWN).join(', ');
  const more = ids.length > NEVER_FIRED_SHOWN ? ` … and ${ids.length - NEVER_FIRED_SHOWN} more (all of them: rules.neverFired in --report json=…, or --report html=…)` : '';
  return [`${head}; never fired (${ids.length}): ${shown}${more}`];
}

function notReachedReason(v: Verdict, summary: CheckSummary): string {
  const by = checkedBy(v.requirement.id);
  if (by.length === 0) return 'not reached: no property targets it';
  if (!summary.properties.some((p) => by.includes(p.id))) return 'not selected for this check (--only, or another shard)';
  return 'not reached by this run';
}

export function consoleSummary(summary: CheckSummary, context: ReportContext, options: ConsoleOptions = {}): string {
  const style = options.style ?? PLAIN;
  const width = options.columns ?? 100;
  const cwd = options.cwd ?? process.cwd();
  const u = style.untrusted;
  const c = counts(summary.verdicts);
  const lines: string[] = [];
  for (const finding of findings(summary.failures.filter((f) => !f.expected))) lines.push(findingText(finding, options).trimEnd());
  const known = summary.failures.filter((f) => f.expected);
  if (known.length > 0) {
    lines.push('', `${style.warn('~')} expected failures (listed in the expected-failures file), not gated on:`);
    for (const finding of findings(known)) {
      const c = finding.shown.counterexample;
      lines.push(`  ${c.violated[0]} by ${finding.properties.join(', ')}: ${u(displayCommand(c.replay, cwd))}`);
    }
  }
  lines.push('');
  lines.push(
    `Requirements (${summary.verdicts.length}): ${style.good(`${c.pass} pass`)}, ${c.fail ? style.bad(`${c.fail} fail`) : '0 fail'}, ${c.expected} expected to fail, ${c.warn} SHOULD not met, ${c.skipped} skipped, ${c['not-reached']} not reached`,
  );
  lines.push(
    `  ${summary.runs} runs, ${summary.calls} calls, ${summary.epochs} settles${summary.frontierMax ? ` (largest frontier ${summary.frontierMax} states)` : ''} in ${(summary.elapsedMs / 1000).toFixed(1)}s against ${u(displayPath(context.impl, cwd))} ("${u(context.name)}"), seed ${summary.seed}`,
  );
  for (const chapter of CHAPTERS) {
    const inChapter = summary.verdicts.filter((v) => v.requirement.chapter === chapter.id);
    if (inChapter.length === 0) continue;
    // Consecutive marks of one status are painted as one run: fewer escape sequences in a log.
    let row = '';
    for (let i = 0; i < inChapter.length; ) {
      const status = inChapter[i]!.status as AnyStatus;
      let j = i;
      while (j < inChapter.length && inChapter[j]!.status === status) j++;
      row += paintMark(style, status, MARK[status].repeat(j - i));
      i = j;
    }
    const exercised = inChapter.reduce((n, v) => n + v.exercised, 0);
    const rules = ruleCoverage(summary.rules, RULES.filter((r) => chapterOfRule(r) === chapter.id));
    const fraction = rules.reachable > 0 && summary.rules !== undefined ? `, rules ${rules.fired}/${rules.reachable}` : '';
    lines.push(`  ${chapter.id.padEnd(10)} ${row}${' '.repeat(Math.max(1, 24 - inChapter.length))} exercised ${exercised}×${fraction}`);
  }
  // Failures, expected failures and SHOULDs not met one a line; the unreached and the skipped folded by reason.
  const folded = new Map<string, { status: AnyStatus; ids: string[] }>();
  for (const v of summary.verdicts) {
    if (v.status === 'pass') continue;
    const r = v.requirement;
    if (v.status === 'not-reached' || v.status === 'skipped') {
      const reason = v.status === 'not-reached' ? notReachedReason(v, summary) : `skipped: ${v.detail ?? 'no reason given'}`;
      const group = folded.get(reason) ?? { status: v.status, ids: [] };
      group.ids.push(r.id);
      folded.set(reason, group);
      continue;
    }
    const where = v.counterexample ? ` [${u(displayPath(v.counterexample, cwd))}]` : '';
    lines.push(`  ${paintMark(style, v.status, MARK[v.status as AnyStatus])} ${r.id} (${r.level}) ${r.title} — ${u(v.detail ?? '')}${where}`);
  }
  for (const [reason, group] of folded) {
    const text = `${MARK[group.status]} ${u(reason)} (${group.ids.length}): ${group.ids.join(', ')}`;
    const wrapped = wrap(text, width - 2, '    ');
    lines.push(...wrapped.map((line, i) => `  ${i === 0 ? paintMark(style, group.status, MARK[group.status]) + line.slice(MARK[group.status].length) : line}`));
  }
  const goals = GOALS.map((g) => `${g} ${summary.goals.get(g) ?? 0}×`).join(', ');
  const points = faultPoints();
  const reached = points.filter((p) => summary.goals.has(p)).length;
  lines.push(...wrap(`Deep situations reached (runs): ${goals}; a fault at ${reached} of ${points.length} handshake steps`, width - 2, '    ').map((line) => `  ${line}`));
  lines.push(...neverFiredLines(summary).flatMap((text) => wrap(text, width - 2, '    ').map((line) => `  ${line}`)));
  if (summary.skipped.size > 0) {
    lines.push(
      `  Skipped capabilities: ${[...summary.skipped].map(([k, n]) => `${u(k)} (${n}×)`).join(', ')}${c.skipped > summary.verdicts.length / 4 ? ' — a large part of the suite did not run' : ''}`,
    );
  }
  if (summary.outOfSelection) lines.push(`  ${summary.outOfSelection.count} requirement(s) not checked on purpose: ${u(summary.outOfSelection.why)}`);
  for (const reason of summary.incomplete) lines.push(...wrap(`${style.warn('incomplete:')} ${u(reason)}`, width - 2, '    ').map((line) => `  ${line}`));
  if (summary.protocolError) lines.push(`  The implementation broke the wire protocol (${summary.protocolError.kind}); see above.`);
  if (summary.harnessError) lines.push(`  ${style.bad('harness error:')} ${u(summary.harnessError.split('\n')[0]!)}`);
  const paint = summary.exitCode === 0 ? style.good : style.bad;
  lines.push(`dualsock: ${paint(verdictWord(summary))} (exit ${summary.exitCode})`);
  return lines.join('\n') + '\n';
}
