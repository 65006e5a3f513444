/**
 * Reports of a check: the console summary a person reads, and the files CI
 * keeps — JSON (one documented schema, ReportSchema below), JUnit XML (one
 * testcase per requirement) and a static HTML page.
 */
import { z } from 'zod';
import { CHAPTERS } from '../../spec/requirements.ts';
import type { CheckSummary } from '../cli/check.ts';
import type { ReportTarget } from '../judge/options.ts';
import type { Status, Verdict } from '../judge/verdicts.ts';
import { writeAtomically } from '../judge/counterexample.ts';
import { GOALS, faultPoints } from '../judge/runner.ts';

const MARK: Record<Status, string> = { pass: '✓', fail: '✗', expected: '~', warn: '!', skipped: '-', 'not-reached': '?' };

export interface ReportContext {
  readonly impl: string;
  readonly name: string;
  readonly version?: string;
}

function counts(list: readonly Verdict[]): Record<Status, number> {
  const out: Record<Status, number> = { pass: 0, fail: 0, expected: 0, warn: 0, skipped: 0, 'not-reached': 0 };
  for (const v of list) out[v.status] += 1;
  return out;
}

export function consoleSummary(summary: CheckSummary, context: ReportContext): string {
  const c = counts(summary.verdicts);
  const lines: string[] = [''];
  lines.push(
    `Requirements (${summary.verdicts.length}): ${c.pass} pass, ${c.fail} fail, ${c.expected} expected to fail, ${c.warn} SHOULD not met, ${c.skipped} skipped, ${c['not-reached']} not reached`,
  );
  lines.push(`  ${summary.runs} runs, ${summary.calls} calls, ${summary.epochs} settles in ${(summary.elapsedMs / 1000).toFixed(1)}s against ${context.impl} ("${context.name}"), seed ${summary.seed}`);
  for (const chapter of CHAPTERS) {
    const inChapter = summary.verdicts.filter((v) => v.requirement.chapter === chapter.id);
    const row = inChapter.map((v) => MARK[v.status]).join('');
    const exercised = inChapter.reduce((n, v) => n + v.exercised, 0);
    lines.push(`  ${chapter.id.padEnd(10)} ${row.padEnd(24)} exercised ${exercised}×`);
  }
  const notable = summary.verdicts.filter((v) => v.status !== 'pass');
  for (const v of notable) {
    const r = v.requirement;
    const tail = v.status === 'not-reached' ? 'not reached by this run' : (v.detail ?? '');
    lines.push(`  ${MARK[v.status]} ${r.id} (${r.level}) ${r.title} — ${tail}${v.counterexample ? ` [${v.counterexample}]` : ''}`);
  }
  const goals = GOALS.map((g) => `${g} ${summary.goals.get(g) ?? 0}×`).join(', ');
  const points = faultPoints();
  const reached = points.filter((p) => summary.goals.has(p)).length;
  lines.push(`  Deep situations reached (runs): ${goals}; a fault at ${reached} of ${points.length} handshake steps`);
  if (summary.skipped.size > 0) {
    lines.push(`  Skipped capabilities: ${[...summary.skipped].map(([k, n]) => `${k} (${n}×)`).join(', ')}${c.skipped > summary.verdicts.length / 4 ? ' — a large part of the suite did not run' : ''}`);
  }
  if (summary.protocolError) lines.push(`  The implementation broke the wire protocol (${summary.protocolError.kind}); see above.`);
  for (const f of summary.failures) lines.push(`  replay: ${f.counterexample.replay}`);
  const verdict =
    summary.exitCode === 0 ? 'CONFORMS' : summary.exitCode === 1 ? 'DOES NOT CONFORM' : summary.exitCode === 3 ? 'BROKE THE WIRE PROTOCOL' : 'HARNESS OR USAGE ERROR';
  lines.push(`dualsock: ${verdict} (exit ${summary.exitCode})`);
  return lines.join('\n') + '\n';
}

// ── JSON ─────────────────────────────────────────────────────────────────

/** The JSON report, version 1. */
export const ReportSchema = z.object({
  report: z.literal('dualsock-check'),
  version: z.literal(1),
  dualsock: z.string(),
  implementation: z.object({ command: z.string(), name: z.string() }),
  seed: z.number(),
  exitCode: z.number(),
  verdict: z.enum(['conforms', 'non-conformance', 'harness-error', 'protocol-error']),
  elapsedMs: z.number(),
  runs: z.number(),
  calls: z.number(),
  summary: z.object({ pass: z.number(), fail: z.number(), expected: z.number(), warn: z.number(), skipped: z.number(), notReached: z.number() }),
  requirements: z.array(
    z.object({
      id: z.string(),
      level: z.enum(['MUST', 'SHOULD']),
      chapter: z.string(),
      title: z.string(),
      status: z.enum(['pass', 'fail', 'expected', 'warn', 'skipped', 'not-reached']),
      exercised: z.number(),
      detail: z.string().nullable(),
      counterexample: z.string().nullable(),
    }),
  ),
  failures: z.array(
    z.object({
      property: z.string(),
      violated: z.array(z.string()),
      expected: z.string(),
      actual: z.string(),
      steps: z.number(),
      file: z.string(),
      replay: z.string(),
      reproduce: z.string(),
    }),
  ),
  skippedCapabilities: z.record(z.string(), z.number()),
  /** Runs that reached each deep situation: table exhaustion, back-pressure at a wrap, concurrent allocation and connects, a fault at each handshake step. */
  goals: z.record(z.string(), z.number()),
  protocolError: z.object({ kind: z.string(), message: z.string() }).nullable(),
});
export type Report = z.infer<typeof ReportSchema>;

export function jsonReport(summary: CheckSummary, context: ReportContext): Report {
  const c = counts(summary.verdicts);
  const verdict = summary.exitCode === 0 ? 'conforms' : summary.exitCode === 1 ? 'non-conformance' : summary.exitCode === 3 ? 'protocol-error' : 'harness-error';
  return {
    report: 'dualsock-check',
    version: 1,
    dualsock: context.version ?? '0',
    implementation: { command: context.impl, name: context.name },
    seed: summary.seed,
    exitCode: summary.exitCode,
    verdict,
    elapsedMs: summary.elapsedMs,
    runs: summary.runs,
    calls: summary.calls,
    summary: { pass: c.pass, fail: c.fail, expected: c.expected, warn: c.warn, skipped: c.skipped, notReached: c['not-reached'] },
    requirements: summary.verdicts.map((v) => ({
      id: v.requirement.id,
      level: v.requirement.level,
      chapter: v.requirement.chapter,
      title: v.requirement.title,
      status: v.status,
      exercised: v.exercised,
      detail: v.detail,
      counterexample: v.counterexample,
    })),
    failures: summary.failures.map((f) => ({
      property: f.property,
      violated: f.counterexample.violated,
      expected: f.counterexample.expected,
      actual: f.counterexample.actual,
      steps: f.counterexample.steps.length,
      file: f.file,
      replay: f.counterexample.replay,
      reproduce: f.counterexample.reproduce,
    })),
    skippedCapabilities: Object.fromEntries(summary.skipped),
    goals: Object.fromEntries([...GOALS, ...faultPoints()].map((g) => [g, summary.goals.get(g) ?? 0])),
    protocolError: summary.protocolError ? { kind: summary.protocolError.kind, message: summary.protocolError.message } : null,
  };
}

// ── JUnit XML ────────────────────────────────────────────────────────────

function xml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // XML 1.0 cannot carry most control characters at all.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

export function junitReport(summary: CheckSummary, context: ReportContext): string {
  const suites = CHAPTERS.map((chapter) => {
    const list = summary.verdicts.filter((v) => v.requirement.chapter === chapter.id);
    const failures = list.filter((v) => v.status === 'fail').length;
    const skipped = list.filter((v) => v.status === 'skipped' || v.status === 'not-reached' || v.status === 'expected').length;
    const cases = list.map((v) => {
      const r = v.requirement;
      const open = `    <testcase classname="dualsock.${chapter.id}" name="${xml(`${r.id} (${r.level}): ${r.title}`)}" time="0">`;
      let body = '';
      if (v.status === 'fail') body = `\n      <failure message="${xml(v.detail ?? 'failed')}" type="${r.level}">${xml(`${r.text}\n${v.detail ?? ''}${v.counterexample ? `\ncounterexample: ${v.counterexample}` : ''}`)}</failure>\n    `;
      else if (v.status === 'skipped') body = `\n      <skipped message="${xml(v.detail ?? 'skipped')}"/>\n    `;
      else if (v.status === 'not-reached') body = `\n      <skipped message="not reached by this run"/>\n    `;
      else if (v.status === 'expected') body = `\n      <skipped message="${xml(`expected failure: ${v.detail ?? ''}`)}"/>\n    `;
      else if (v.status === 'warn') body = `\n      <system-out>${xml(`SHOULD not met: ${v.detail ?? ''}`)}</system-out>\n    `;
      else body = `\n      <system-out>exercised ${v.exercised} times</system-out>\n    `;
      return `${open}${body}</testcase>`;
    });
    return `  <testsuite name="dualsock.${chapter.id}" tests="${list.length}" failures="${failures}" skipped="${skipped}" errors="0">\n${cases.join('\n')}\n  </testsuite>`;
  });
  const total = summary.verdicts.length;
  const failures = summary.verdicts.filter((v) => v.status === 'fail').length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xml(`dualsock check of ${context.impl}`)}" tests="${total}" failures="${failures}" errors="${summary.protocolError ? 1 : 0}" time="${(summary.elapsedMs / 1000).toFixed(3)}">\n${suites.join('\n')}\n</testsuites>\n`;
}

// ── HTML ─────────────────────────────────────────────────────────────────

export function htmlReport(summary: CheckSummary, context: ReportContext): string {
  const rows = summary.verdicts
    .map((v) => `<tr class="${v.status}"><td>${MARK[v.status]}</td><td><code>${xml(v.requirement.id)}</code></td><td>${v.requirement.level}</td><td>${xml(v.requirement.title)}</td><td>${v.exercised}</td><td>${xml(v.detail ?? '')}</td></tr>`)
    .join('\n');
  const failures = summary.failures.map((f) => `<h3>${xml(f.property)}: ${xml(f.counterexample.violated[0] ?? '')}</h3><pre>${xml(f.counterexample.trace.map((t) => `#${t.command} ${t.what}\n${t.lines.map((l) => '    ' + l).join('\n')}`).join('\n'))}</pre><p><code>${xml(f.counterexample.replay)}</code></p>`).join('\n');
  return `<!doctype html><meta charset="utf-8"><title>dualsock: ${xml(context.impl)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em}td{padding:2px 8px;vertical-align:top}tr.fail{background:#fdd}tr.warn{background:#ffd}tr.skipped,tr.not-reached{color:#888}pre{background:#f6f6f6;padding:1em}</style>
<h1>dualsock check: ${xml(context.name)}</h1><p>${xml(context.impl)} — seed ${summary.seed}, ${summary.runs} runs, exit ${summary.exitCode}</p>
${failures}
<table><tr><th></th><th>requirement</th><th>level</th><th>title</th><th>exercised</th><th>detail</th></tr>
${rows}
</table>
`;
}

export function writeReports(targets: readonly ReportTarget[], summary: CheckSummary, context: ReportContext): void {
  for (const target of targets) {
    const content =
      target.kind === 'json'
        ? JSON.stringify(jsonReport(summary, context), null, 2) + '\n'
        : target.kind === 'junit'
          ? junitReport(summary, context)
          : htmlReport(summary, context);
    writeAtomically(target.path, content);
  }
}
