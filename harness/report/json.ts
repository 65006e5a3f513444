/**
 * The JSON report: everything a CI tool or `dualsock merge` needs, in one documented schema
 * (ReportSchema; its JSON Schema is generated from it into report.schema.json, which a test
 * keeps up to date).
 *
 * Version 2 makes a report self-contained: each failure carries its whole counterexample (the
 * world, the shrunk steps, the trace), so reports from several CI machines can be merged, and
 * their HTML drawn, without the counterexample files that stayed behind on each machine. Paths
 * are relative to the directory the check ran in.
 */
import { z } from 'zod';
import { CounterexampleSchema, type Counterexample } from '../judge/counterexample.ts';
import { GOALS, faultPoints } from '../judge/goals.ts';
import { RULES } from '../../reference/rules.ts';
import { type CheckSummary, type Outcome, type PropertyTally, ruleCoverage } from '../judge/summary.ts';
import type { Status } from '../judge/verdicts.ts';
import type { ReportContext } from './context.ts';
import { counts } from './console.ts';
import { shapeKey } from './findings.ts';
import { displayCommand, displayPath } from './paths.ts';

export const REPORT_VERSION = 2;

export const STATUSES = ['pass', 'fail', 'expected', 'stale', 'warn', 'skipped', 'not-reached'] as const satisfies readonly Status[];
export const VERDICTS = ['conforms', 'non-conformance', 'harness-error', 'protocol-error'] as const;
export const OUTCOMES = ['CONFORMS', 'NON-CONFORMANCE', 'INCOMPLETE', 'HARNESS-ERROR', 'PROTOCOL-BREAK', 'RUN-PASSES'] as const satisfies readonly Outcome[];
const ENDINGS = ['complete', 'failed', 'cut', 'skipped', 'broken', 'harness-error'] as const satisfies readonly PropertyTally['ended'][];

/** The JSON report, version 2. */
export const ReportSchema = z
  .object({
    report: z.literal('dualsock-check'),
    version: z.literal(REPORT_VERSION),
    dualsock: z.string().describe('the dualsock version that wrote the report'),
    implementation: z.object({ command: z.string(), name: z.string() }),
    seed: z.number().int(),
    shard: z.object({ index: z.number().int().min(1), count: z.number().int().min(1) }).nullable().describe('the share of the properties this check ran (--shard i/n); null for all of them'),
    strict: z.boolean().describe('--strict: a SHOULD not met, or a stale expected failure, fails the check'),
    outcome: z.enum(OUTCOMES).describe('the one word the check ended with; only CONFORMS is a pass'),
    exitCode: z.number().int(),
    verdict: z.enum(VERDICTS).describe('the exit code in words (0 conforms, 1 non-conformance, 2 harness error or incomplete, 3 protocol error)'),
    incomplete: z.array(z.string()).describe('why the check is not a full verdict (a budget cut, an unreached requirement); empty when it is'),
    harnessError: z.string().nullable(),
    outOfSelection: z.object({ count: z.number().int(), why: z.string() }).nullable().describe('requirements the selection (--only, a shard) left out on purpose'),
    plannedRuns: z.number().int(),
    elapsedMs: z.number(),
    runs: z.number().int(),
    calls: z.number().int(),
    epochs: z.number().int(),
    messages: z.number().int(),
    handshakes: z.number().int(),
    summary: z.object({ pass: z.number(), fail: z.number(), expected: z.number(), stale: z.number(), warn: z.number(), skipped: z.number(), notReached: z.number() }),
    requirements: z.array(
      z.object({
        id: z.string(),
        level: z.enum(['MUST', 'SHOULD']),
        chapter: z.string(),
        title: z.string(),
        status: z.enum(STATUSES),
        exercised: z.number().int(),
        detail: z.string().nullable(),
        counterexample: z.string().nullable().describe('the counterexample file of a failure, relative to where the check ran'),
        rules: z
          .array(z.object({ id: z.string(), fired: z.number().int(), unreachable: z.string().nullable() }))
          .describe("the model's rules that serve the requirement (reference/rules.ts), each with the epochs that took it; unreachable says why no default world can"),
      }),
    ),
    properties: z
      .array(
        z.object({
          id: z.string(),
          planned: z.number().int().describe('runs the seed planned'),
          ran: z.number().int().describe('runs that ran and were judged'),
          ended: z.enum(ENDINGS),
          why: z.string().nullable(),
          elapsedMs: z.number().nullable().describe('wall-clock time of the property, where the check measured it'),
        }),
      )
      .describe('how far each selected property got against its plan'),
    failures: z.array(
      z.object({
        property: z.string(),
        seed: z.number().int(),
        path: z.string(),
        violated: z.array(z.string()),
        expected: z.string(),
        actual: z.string(),
        steps: z.number().int(),
        file: z.string(),
        replay: z.string(),
        reproduce: z.string(),
        known: z.boolean().describe('the failure is listed in the expected-failures file: shown, not gated on'),
        finding: z.string().describe('the shape key: failures with the same key are one bug (harness/report/findings.ts)'),
        counterexample: CounterexampleSchema,
      }),
    ),
    skippedCapabilities: z.record(z.string(), z.number()),
    goals: z.record(z.string(), z.number()).describe('runs that reached each deep situation: table exhaustion, back-pressure at a wrap, concurrent allocation and connects, a fault at each handshake step'),
    rules: z
      .object({
        listed: z.number().int().describe("rules in the model's list (reference/rules.ts)"),
        reachable: z.number().int().describe('listed rules that some default world can fire'),
        fired: z.number().int().describe('reachable rules that fired at least once'),
        counts: z.record(z.string(), z.number().int()).describe('per rule that fired, the epochs that took it'),
        neverFired: z.array(z.string()).describe('reachable rules that never fired: the blind spots of this check'),
        unreachable: z.array(z.object({ id: z.string(), why: z.string() })).describe('rules no default world can fire, with why; never counted as missing'),
      })
      .describe("how many of the model's decisions the check took (rule coverage)"),
    protocolError: z
      .object({
        kind: z.string(),
        message: z.string(),
        expected: z.string(),
        arrived: z.string().nullable(),
        detail: z.string().nullable(),
        stderrTail: z.string().nullable(),
      })
      .nullable(),
  })
  .describe('The JSON report of `dualsock check` (--report json=FILE) and `dualsock merge`.');
export type Report = z.infer<typeof ReportSchema>;

/** The JSON `dualsock merge` writes for reports of several implementations: each implementation's merged report. */
export const MatrixReportSchema = z
  .object({
    report: z.literal('dualsock-merge'),
    version: z.literal(REPORT_VERSION),
    implementations: z.array(ReportSchema).min(2),
  })
  .describe('The JSON report of `dualsock merge` over several implementations: one merged check report per implementation.');
export type MatrixReport = z.infer<typeof MatrixReportSchema>;

export function verdictOf(exitCode: number): Report['verdict'] {
  return exitCode === 0 ? 'conforms' : exitCode === 1 ? 'non-conformance' : exitCode === 3 ? 'protocol-error' : 'harness-error';
}

/** A counterexample as the report carries it: its command lines relative to where the check ran. */
function relativeCounterexample(c: Counterexample, cwd: string): Counterexample {
  return { ...c, replay: displayCommand(c.replay, cwd), reproduce: displayCommand(c.reproduce, cwd) };
}

/** A property's wall-clock time, where the check measured it (PropertyTally.elapsedMs). */
export function elapsedOf(tally: PropertyTally): number | null {
  const ms = (tally as PropertyTally & { readonly elapsedMs?: number }).elapsedMs;
  return typeof ms === 'number' ? ms : null;
}

export function jsonReport(summary: CheckSummary, context: ReportContext, cwd: string = process.cwd()): Report {
  const c = counts(summary.verdicts);
  const coverage = ruleCoverage(summary.rules);
  const error = summary.protocolError;
  return {
    report: 'dualsock-check',
    version: REPORT_VERSION,
    dualsock: context.version ?? '0',
    implementation: { command: displayPath(context.impl, cwd), name: context.name },
    seed: summary.seed,
    shard: context.shard ?? null,
    strict: context.strict ?? false,
    outcome: summary.outcome,
    exitCode: summary.exitCode,
    verdict: verdictOf(summary.exitCode),
    incomplete: [...summary.incomplete],
    harnessError: summary.harnessError,
    outOfSelection: summary.outOfSelection ? { ...summary.outOfSelection } : null,
    plannedRuns: summary.plannedRuns,
    elapsedMs: summary.elapsedMs,
    runs: summary.runs,
    calls: summary.calls,
    epochs: summary.epochs,
    messages: summary.messages,
    handshakes: summary.handshakes,
    summary: { pass: c.pass, fail: c.fail, expected: c.expected, stale: c.stale, warn: c.warn, skipped: c.skipped, notReached: c['not-reached'] },
    requirements: summary.verdicts.map((v) => ({
      id: v.requirement.id,
      level: v.requirement.level,
      chapter: v.requirement.chapter,
      title: v.requirement.title,
      status: v.status,
      exercised: v.exercised,
      detail: v.detail,
      counterexample: v.counterexample === null ? null : displayPath(v.counterexample, cwd),
      rules: RULES.filter((r) => r.reqs.includes(v.requirement.id)).map((r) => ({ id: r.id, fired: summary.rules?.get(r.id) ?? 0, unreachable: r.unreachable ?? null })),
    })),
    properties: summary.properties.map((p) => ({ id: p.id, planned: p.planned, ran: p.ran, ended: p.ended, why: p.why, elapsedMs: elapsedOf(p) })),
    failures: summary.failures.map((f) => ({
      property: f.property,
      seed: f.seed,
      path: f.path,
      violated: f.counterexample.violated,
      expected: f.counterexample.expected,
      actual: f.counterexample.actual,
      steps: f.counterexample.steps.length,
      file: displayPath(f.file, cwd),
      replay: displayCommand(f.counterexample.replay, cwd),
      reproduce: displayCommand(f.counterexample.reproduce, cwd),
      known: f.expected,
      finding: shapeKey(f.counterexample),
      counterexample: relativeCounterexample(f.counterexample, cwd),
    })),
    skippedCapabilities: Object.fromEntries(summary.skipped),
    goals: Object.fromEntries([...GOALS, ...faultPoints()].map((g) => [g, summary.goals.get(g) ?? 0])),
    rules: {
      listed: RULES.length,
      reachable: coverage.reachable,
      fired: coverage.fired,
      counts: Object.fromEntries([...(summary.rules ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      neverFired: coverage.neverFired.map((r) => r.id),
      unreachable: coverage.unreachable.map((r) => ({ id: r.id, why: r.unreachable! })),
    },
    protocolError: error
      ? { kind: error.kind, message: error.message, expected: error.expected, arrived: error.arrived ?? null, detail: error.detail ?? null, stderrTail: error.stderrTail ?? null }
      : null,
  };
}

/** The JSON Schema of the report, generated from ReportSchema (shipped as report.schema.json). */
export function reportJsonSchema(): object {
  return z.toJSONSchema(ReportSchema, { target: 'draft-2020-12', io: 'output' });
}

/** report.schema.json's content. */
export function reportJsonSchemaText(): string {
  return JSON.stringify(reportJsonSchema(), null, 2) + '\n';
}
