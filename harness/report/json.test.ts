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
