/**
 * Why this test? CI tools validate the JSON report against the shipped JSON Schema; a schema
 * that drifted from the report would reject good reports or accept broken ones.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { jsonReport, reportJsonSchemaText, ReportSchema } from './json.ts';
import { failureOf, summaryWith } from './testing/summary.ts';

describe('the JSON report', () => {
  test('report.schema.json is the JSON Schema generated from ReportSchema (regenerate: node --import tsx harness/report/write-schema.ts)', () => {
    expect(readFileSync(new URL('./report.schema.json', import.meta.url), 'utf8')).toBe(reportJsonSchemaText());
  });

  test('a report parses against its own schema, carries whole counterexamples, and shows paths relative to the working directory', () => {
    const failure = failureOf('dss-calls', 'CBT-UNIQUE-OWNER', [{ type: 'call', process: 'S', call: { op: 'socket', family: 'dss' } }], []);
    const summary = summaryWith(
      { 'CBT-UNIQUE-OWNER': { status: 'fail', detail: 'owned twice', counterexample: failure.file } },
      { outcome: 'NON-CONFORMANCE', exitCode: 1, failures: [failure] },
    );
    const report = ReportSchema.parse(JSON.parse(JSON.stringify(jsonReport(summary, { impl: `${process.cwd()}/impl.ts`, name: 'x', version: '0.1.0', shard: { index: 2, count: 3 } }))));
    expect(report.implementation.command).toBe('impl.ts');
    expect(report.shard).toEqual({ index: 2, count: 3 });
    expect(report.verdict).toBe('non-conformance');
    expect(report.requirements.find((r) => r.id === 'CBT-UNIQUE-OWNER')!.counterexample).toBe('.dualsock/counterexamples/dss-calls-seed42.json');
    expect(report.failures[0]!.replay).toBe('npx dualsock replay .dualsock/counterexamples/dss-calls-seed42.json');
    expect(report.failures[0]!.counterexample.steps).toEqual(failure.counterexample.steps);
    expect(report.failures[0]!.finding).toBe('CBT-UNIQUE-OWNER p1:socket@dss');
  });
});

describe('rule coverage in the JSON report', () => {
  // Why this test? A requirement whose error branch never fires looks as exercised as one fully
  // explored; the report must name, per requirement, which of the model's rules fired and how often.
  test('per requirement its rules with their counts; the never-fired listed; the unreachable given with why, never as missing', async () => {
    const { RULES } = await import('../../reference/rules.ts');
    const fired = new Map([
      ['socket.dss→ok', 7],
      ['socket.dss.cbt-full→ENOBUFS', 2],
    ]);
    const report = ReportSchema.parse(JSON.parse(JSON.stringify(jsonReport(summaryWith({}, { rules: fired }), { impl: 'impl.ts', name: 'x', version: '0.1.0' }))));
    const enobufs = report.requirements.find((r) => r.id === 'CBT-EXHAUSTED-ENOBUFS')!.rules;
    expect(enobufs).toEqual([
      { id: 'socket.dss.cbt-full→ENOBUFS', fired: 2, unreachable: null },
      { id: 'accept.dss.cbt-full→ENOBUFS', fired: 0, unreachable: null },
      { id: 'fault.cbt-reserve.fills-table', fired: 0, unreachable: null },
    ]);
    const unreachable = RULES.filter((r) => r.unreachable !== undefined);
    expect(report.rules.listed).toBe(RULES.length);
    expect(report.rules.reachable).toBe(RULES.length - unreachable.length);
    expect(report.rules.fired).toBe(2);
    expect(report.rules.counts).toEqual({ 'socket.dss.cbt-full→ENOBUFS': 2, 'socket.dss→ok': 7 });
    expect(report.rules.neverFired).toHaveLength(report.rules.reachable - 2);
    expect(report.rules.neverFired).toContain('accept.dss.cbt-full→ENOBUFS');
    expect(report.rules.neverFired).not.toContain('socket.dss.no-fd→EMFILE');
    expect(report.rules.unreachable.map((u) => u.id)).toEqual(unreachable.map((r) => r.id));
    expect(report.rules.unreachable.find((u) => u.id === 'socket.dss.no-fd→EMFILE')!.why).toMatch(/65536/);
  });
});
