/**
 * `dualsock merge <report.json…>`: the JSON reports of several checks combined into one verdict,
 * one console summary, and the JUnit, JSON and HTML reports of the whole.
 *
 * Reports of one implementation (the shards of a CI run, or several --only runs) merge into one
 * check: a requirement's status is the most serious any report gives it (fail, then stale, then
 * expected, warn, pass, skipped, not reached), its exercised count is the sum, and the verdict is
 * decided by the same rules as `check`'s (a failure is NON-CONFORMANCE; a cut property, a
 * missing shard, or a requirement that the properties run check but no report reached is
 * INCOMPLETE). They must share a seed and a dualsock version: counts from different seeds are
 * not one check, and different versions may not even check the same requirements.
 *
 * Reports of several implementations are merged per implementation and printed as a matrix —
 * requirement × implementation, as the Autobahn suite shows its results — on the console and
 * (ReportContext.merged.matrix) in the HTML page. The exit code is the most serious of theirs.
 */
import { readFileSync } from 'node:fs';
import { REQUIREMENTS, requirement } from '../../spec/requirements.ts';
import { ProtocolError, type ProtocolErrorKind } from '../drive/protocol-error.ts';
import { printable } from '../drive/untrusted.ts';
import type { ReportTarget } from '../judge/options.ts';
import { type CheckSummary, type Outcome, type PropertyFailure, type PropertyTally, ruleCoverage } from '../judge/summary.ts';
import type { Verdict } from '../judge/verdicts.ts';
import { writeAtomically } from '../judge/counterexample.ts';
import { consoleSummary, MARK, type AnyStatus } from './console.ts';
import type { Matrix, MergeInfo, ReportContext } from './context.ts';
import { htmlReport } from './html.ts';
import { jsonReport, REPORT_VERSION, ReportSchema, type MatrixReport, type Report } from './json.ts';
import { junitDocument, targetsOf } from './junit.ts';
import { PLAIN, type Style } from './style.ts';

export class MergeError extends Error {}

/** Most serious first: a requirement's merged status is the first of these any report gives it. */
const SEVERITY: readonly AnyStatus[] = ['fail', 'stale', 'expected', 'warn', 'pass', 'skipped', 'not-reached'];

export interface LoadedReport {
  readonly file: string;
  readonly report: Report;
}

export function loadReport(file: string): LoadedReport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new MergeError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); expected a JSON report written by dualsock check --report json=FILE`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new MergeError(`${file} is not JSON (${(error as Error).message}); expected a JSON report written by dualsock check --report json=FILE`);
  }
  const head = json as { report?: unknown; version?: unknown };
  if (head?.report !== 'dualsock-check') throw new MergeError(`${file} is not a dualsock check report (its "report" field is ${JSON.stringify(head?.report) ?? 'missing'}); expected "dualsock-check"`);
  if (head.version !== REPORT_VERSION) {
    throw new MergeError(`${file} is a version ${JSON.stringify(head.version)} report; this dualsock merges version ${REPORT_VERSION}. Re-run the checks with one dualsock version, or merge with the version that wrote them.`);
  }
  const parsed = ReportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MergeError(`${file} is not a valid dualsock report: at ${issue.path.join('.') || '(top)'}: ${issue.message}. Expected the JSON that dualsock check writes (harness/report/report.schema.json).`);
  }
  return { file, report: parsed.data };
}

/** The reports of one implementation, merged into one report as if one check had run them all. */
export function mergeReports(loaded: readonly LoadedReport[]): { report: Report; missingShards: string[] } {
  const first = loaded[0]!.report;
  const seeds = new Set(loaded.map((l) => l.report.seed));
  if (seeds.size > 1) {
    throw new MergeError(
      `these reports of ${printable(first.implementation.command)} come from different seeds (${loaded.map((l) => `${l.file}: ${l.report.seed}`).join(', ')}); runs with different seeds are different checks. Merge the shards of one CI run, which share a seed.`,
    );
  }
  const strict = new Set(loaded.map((l) => l.report.strict));
  if (strict.size > 1) throw new MergeError(`some of these reports were checked with --strict and some without (${loaded.map((l) => `${l.file}: ${l.report.strict ? 'strict' : 'not strict'}`).join(', ')}); merge reports of one kind of check.`);
  const shards = loaded.filter((l) => l.report.shard !== null);
  const counts = new Set(shards.map((l) => l.report.shard!.count));
  if (counts.size > 1) throw new MergeError(`these reports split the properties in different ways (${shards.map((l) => `${l.file}: shard ${l.report.shard!.index}/${l.report.shard!.count}`).join(', ')}); merge the shards of one split.`);
  const seen = new Map<number, string>();
  for (const l of shards) {
    const other = seen.get(l.report.shard!.index);
    if (other) throw new MergeError(`${other} and ${l.file} are both shard ${l.report.shard!.index}/${l.report.shard!.count}; merging both would count its runs twice. Give each shard once.`);
    seen.set(l.report.shard!.index, l.file);
  }
  const missingShards: string[] = [];
  if (shards.length > 0 && shards.length === loaded.length) {
    const n = [...counts][0]!;
    for (let i = 1; i <= n; i++) if (!seen.has(i)) missingShards.push(`${i}/${n}`);
  }

  const reports = loaded.map((l) => l.report);
  const requirements = first.requirements.map((r) => {
    const all = reports.map((report) => report.requirements.find((x) => x.id === r.id)).filter((x) => x !== undefined);
    const worst = SEVERITY.find((status) => all.some((x) => x.status === status)) ?? 'not-reached';
    const from = all.find((x) => x.status === worst)!;
    const rules = from.rules.map((rule) => ({ ...rule, fired: all.reduce((n, x) => n + (x.rules.find((y) => y.id === rule.id)?.fired ?? 0), 0) }));
    return { ...from, exercised: all.reduce((n, x) => n + x.exercised, 0), rules };
  });
  const properties = reports.flatMap((report) => report.properties);
  const failures = reports.flatMap((report) => report.failures);
  const sum = (pick: (report: Report) => number): number => reports.reduce((n, report) => n + pick(report), 0);
  const addUp = (pick: (report: Report) => Record<string, number>): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const report of reports) for (const [k, v] of Object.entries(pick(report))) out[k] = (out[k] ?? 0) + v;
    return out;
  };

  // Incomplete, as check decides it, over the whole: a property cut short, a shard missing, or
  // a requirement that some property that ran targets and that no report reached.
  const incomplete: string[] = [];
  for (const p of properties) if (p.ended === 'cut') incomplete.push(`${p.id}: ${p.why ?? 'cut short'}`);
  for (const shard of missingShards) incomplete.push(`shard ${shard} is missing: its properties did not run`);
  const meant = new Set(properties.filter((p) => p.ended !== 'skipped').flatMap((p) => targetsOf(p.id)));
  const unreached = requirements.filter((r) => r.status === 'not-reached' && meant.has(r.id)).map((r) => r.id);
  if (unreached.length > 0) incomplete.push(`${unreached.length} requirement(s) that the properties run check were never reached: ${unreached.join(', ')} (more runs reach more: --runs)`);
  const outside = requirements.filter((r) => r.status === 'not-reached' && !meant.has(r.id)).length;

  const protocolError = reports.find((report) => report.protocolError !== null)?.protocolError ?? null;
  const harnessErrors = reports.filter((report) => report.harnessError !== null).map((report) => report.harnessError!);
  const failing = requirements.some((r) => r.status === 'fail' || (first.strict && r.status === 'stale'));
  const [outcome, exitCode]: [Outcome, number] = protocolError
    ? ['PROTOCOL-BREAK', 3]
    : harnessErrors.length > 0
      ? ['HARNESS-ERROR', 2]
      : failing
        ? ['NON-CONFORMANCE', 1]
        : incomplete.length > 0
          ? ['INCOMPLETE', 2]
          : ['CONFORMS', 0];
  const count = (status: AnyStatus): number => requirements.filter((r) => r.status === status).length;
  const report: Report = {
    ...first,
    shard: null,
    outcome,
    exitCode,
    verdict: exitCode === 0 ? 'conforms' : exitCode === 1 ? 'non-conformance' : exitCode === 3 ? 'protocol-error' : 'harness-error',
    incomplete,
    harnessError: harnessErrors.length > 0 ? harnessErrors.join('\n') : null,
    outOfSelection: outside > 0 ? { count: outside, why: 'no property in the merged reports checks them' } : null,
    plannedRuns: sum((r) => r.plannedRuns),
    // Shards run side by side: the merged check took as long as its slowest shard.
    elapsedMs: Math.max(...reports.map((r) => r.elapsedMs)),
    runs: sum((r) => r.runs),
    calls: sum((r) => r.calls),
    epochs: sum((r) => r.epochs),
    messages: sum((r) => r.messages),
    handshakes: sum((r) => r.handshakes),
    summary: { pass: count('pass'), fail: count('fail'), expected: count('expected'), stale: count('stale'), warn: count('warn'), skipped: count('skipped'), notReached: count('not-reached') },
    requirements,
    properties,
    failures,
    skippedCapabilities: addUp((r) => r.skippedCapabilities),
    goals: addUp((r) => r.goals),
    rules: mergedRules(addUp((r) => r.rules.counts), first.rules),
    protocolError,
  };
  return { report, missingShards };
}

/** Rule coverage of merged reports: the counts added up, the never-fired list taken again from them. */
function mergedRules(counts: Record<string, number>, first: Report['rules']): Report['rules'] {
  const coverage = ruleCoverage(new Map(Object.entries(counts)));
  return { ...first, fired: coverage.fired, counts, neverFired: coverage.neverFired.map((r) => r.id) };
}

/** A report read back as the summary the renderers take. */
export function summaryOf(report: Report): CheckSummary {
  const verdicts: Verdict[] = report.requirements.map((r) => ({ requirement: requirement(r.id), status: r.status, exercised: r.exercised, detail: r.detail, counterexample: r.counterexample }));
  const failures: PropertyFailure[] = report.failures.map((f) => ({ property: f.property, seed: f.seed, path: f.path, file: f.file, counterexample: f.counterexample, expected: f.known }));
  const properties: PropertyTally[] = report.properties.map((p) => ({ id: p.id, planned: p.planned, ran: p.ran, ended: p.ended, why: p.why, ...(p.elapsedMs === null ? {} : { elapsedMs: p.elapsedMs }) }));
  const e = report.protocolError;
  return {
    outcome: report.outcome,
    exitCode: report.exitCode,
    seed: report.seed,
    impl: report.implementation.command,
    name: report.implementation.name,
    verdicts,
    failures,
    properties,
    incomplete: report.incomplete,
    harnessError: report.harnessError,
    outOfSelection: report.outOfSelection,
    runs: report.runs,
    plannedRuns: report.plannedRuns,
    calls: report.calls,
    epochs: report.epochs,
    messages: report.messages,
    handshakes: report.handshakes,
    goals: new Map(Object.entries(report.goals)),
    rules: new Map(Object.entries(report.rules.counts)),
    protocolError: e
      ? new ProtocolError({ kind: e.kind as ProtocolErrorKind, expected: e.expected, ...(e.arrived === null ? {} : { arrived: e.arrived }), ...(e.detail === null ? {} : { detail: e.detail }), ...(e.stderrTail === null ? {} : { stderrTail: e.stderrTail }) })
      : null,
    skipped: new Map(Object.entries(report.skippedCapabilities)),
    elapsedMs: report.elapsedMs,
  };
}

export interface Merged {
  /** One merged report per implementation, in the order they first appear. */
  readonly reports: readonly Report[];
  readonly info: MergeInfo;
  readonly exitCode: number;
}

export function merge(loaded: readonly LoadedReport[]): Merged {
  if (loaded.length === 0) throw new MergeError('merge needs at least one JSON report; for example: dualsock merge reports/dualsock-1.json reports/dualsock-2.json');
  const versions = new Set(loaded.map((l) => l.report.dualsock));
  if (versions.size > 1) {
    throw new MergeError(`these reports were written by different dualsock versions (${loaded.map((l) => `${l.file}: ${l.report.dualsock}`).join(', ')}); they may not check the same requirements. Run every check with one version.`);
  }
  const groups = new Map<string, LoadedReport[]>();
  for (const l of loaded) {
    const key = JSON.stringify([l.report.implementation.command, l.report.implementation.name]);
    groups.set(key, [...(groups.get(key) ?? []), l]);
  }
  const merged = [...groups.values()].map((group) => mergeReports(group));
  const reports = merged.map((m) => m.report);
  const matrix: Matrix | null =
    reports.length > 1
      ? {
          implementations: reports.map((r) => ({ command: r.implementation.command, name: r.implementation.name, seed: r.seed, exitCode: r.exitCode, verdict: r.outcome })),
          rows: REQUIREMENTS.map((req) => ({
            id: req.id,
            level: req.level,
            chapter: req.chapter,
            title: req.title,
            cells: reports.map((r) => {
              const x = r.requirements.find((y) => y.id === req.id);
              return { status: x?.status ?? 'not-reached', exercised: x?.exercised ?? 0, detail: x?.detail ?? null, counterexample: x?.counterexample ?? null };
            }),
          })),
        }
      : null;
  const codes = reports.map((r) => r.exitCode);
  // The most serious first: a harness error or an incomplete check, a broken protocol, a non-conformance.
  const exitCode = [2, 3, 1].find((code) => codes.includes(code)) ?? 0;
  return { reports, info: { sources: loaded.map((l) => l.file), missingShards: merged.flatMap((m) => m.missingShards), matrix }, exitCode };
}

/** The matrix as text: one row per requirement, one column per implementation. */
export function matrixText(matrix: Matrix, style: Style = PLAIN): string {
  const u = style.untrusted;
  const lines = ['', 'Requirement × implementation:'];
  matrix.implementations.forEach((impl, i) => lines.push(`  [${i + 1}] ${u(impl.name)} — ${u(impl.command)}, seed ${impl.seed}: ${impl.verdict} (exit ${impl.exitCode})`));
  const idWidth = Math.max(...matrix.rows.map((r) => r.id.length));
  lines.push(`  ${''.padEnd(idWidth)}  ${matrix.implementations.map((_, i) => String(i + 1).padStart(3)).join('')}`);
  let chapter = '';
  for (const row of matrix.rows) {
    if (row.chapter !== chapter) {
      chapter = row.chapter;
      lines.push(`  ${style.dim(chapter)}`);
    }
    const cells = row.cells.map((c) => MARK[c.status].padStart(3)).join('');
    const differ = new Set(row.cells.map((c) => c.status)).size > 1;
    lines.push(`  ${(differ ? style.bold(row.id) : row.id) + ' '.repeat(idWidth - row.id.length)}  ${cells}  ${row.level}`);
  }
  lines.push(`  ${Object.entries(MARK).map(([status, mark]) => `${mark} ${status}`).join(', ')}; rows in bold differ between implementations`);
  return lines.join('\n') + '\n';
}

export interface MergeRun {
  readonly files: readonly string[];
  readonly reports: readonly ReportTarget[];
  readonly style?: Style;
  readonly columns?: number;
}

/** Runs `dualsock merge`: prints the merged summary (or the matrix), writes the reports, returns the exit code. */
export function runMerge(run: MergeRun, out: (text: string) => void): number {
  const merged = merge(run.files.map(loadReport));
  const style = run.style ?? PLAIN;
  const options = { style, ...(run.columns ? { columns: run.columns } : {}) };
  const parts = merged.reports.map((report) => {
    const context: ReportContext = { impl: report.implementation.command, name: report.implementation.name, version: report.dualsock, strict: report.strict, merged: merged.info };
    return { report, summary: summaryOf(report), context };
  });
  out(`dualsock merge: ${run.files.length} report(s)${merged.info.missingShards.length ? `, shard(s) ${merged.info.missingShards.join(', ')} missing` : ''}, ${parts.length} implementation(s)\n`);
  for (const part of parts) {
    if (parts.length > 1) out(`\n── ${style.untrusted(part.report.implementation.name)} (${style.untrusted(part.report.implementation.command)}) ──\n`);
    out(consoleSummary(part.summary, part.context, options));
  }
  if (merged.info.matrix) out(matrixText(merged.info.matrix, style));
  for (const target of run.reports) {
    const content =
      target.kind === 'json'
        ? JSON.stringify(parts.length === 1 ? parts[0]!.report : ({ report: 'dualsock-merge', version: REPORT_VERSION, implementations: parts.map((p) => p.report) } satisfies MatrixReport), null, 2) + '\n'
        : target.kind === 'junit'
          ? junitDocument(parts.map((p) => ({ summary: p.summary, context: p.context, prefix: parts.length === 1 ? 'dualsock' : `dualsock.${p.report.implementation.name.replace(/[^\w-]+/g, '_')}` })))
          : htmlReport(combined(parts.map((p) => p.summary)), { ...parts[0]!.context, ...(parts.length > 1 ? { impl: `${parts.length} implementations`, name: 'merge' } : {}) });
    writeAtomically(target.path, content);
  }
  if (parts.length > 1) out(`dualsock merge: ${merged.exitCode === 0 ? style.good('every implementation CONFORMS') : style.bad(`exit ${merged.exitCode}`)} (the most serious of the implementations' verdicts)\n`);
  return merged.exitCode;
}

/** For the HTML of several implementations: the worst status per requirement, every failure. */
function combined(summaries: readonly CheckSummary[]): CheckSummary {
  if (summaries.length === 1) return summaries[0]!;
  const first = summaries[0]!;
  const verdicts = first.verdicts.map((v, i) => {
    const all = summaries.map((s) => s.verdicts[i]!);
    const worst = SEVERITY.find((status) => all.some((x) => x.status === status))!;
    return { ...all.find((x) => x.status === worst)!, exercised: all.reduce((n, x) => n + x.exercised, 0) };
  });
  const codes = summaries.map((s) => s.exitCode);
  const exitCode = [2, 3, 1].find((code) => codes.includes(code)) ?? 0;
  return { ...first, verdicts, exitCode, outcome: summaries.find((s) => s.exitCode === exitCode)!.outcome, failures: summaries.flatMap((s) => s.failures), incomplete: summaries.flatMap((s) => s.incomplete) };
}

export { jsonReport };
