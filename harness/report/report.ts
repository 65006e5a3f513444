/**
 * report/: turns a check's summary into what people and CI read.
 *
 *   console.ts   the summary printed at the end of a check (findings.ts groups failures into
 *                findings, each printed once; style.ts decides colour; text.ts fits widths)
 *   json.ts      the JSON report and its schema (ReportSchema → report.schema.json)
 *   junit.ts     JUnit XML, built with xmlbuilder2
 *   html.ts      the HTML page (htmlReport)
 *   merge.ts     `dualsock merge`: shards and implementations combined into one verdict
 *   list.ts      `dualsock list`'s table
 *   paths.ts     paths shown relative to the working directory
 *
 * This file is the room's index: the names the command line imports, and writeReports.
 */
import type { CheckSummary } from '../judge/summary.ts';
import type { ReportTarget } from '../judge/options.ts';
import { writeAtomically } from '../judge/counterexample.ts';
import type { ReportContext } from './context.ts';
import { jsonReport } from './json.ts';
import { junitReport } from './junit.ts';
import { htmlReport } from './html.ts';

export { consoleSummary, findingText } from './console.ts';
export { jsonReport, ReportSchema, reportJsonSchema, type Report } from './json.ts';
export { junitReport, junitDocument } from './junit.ts';
export { htmlReport } from './html.ts';
export { findings, shapeKey, traceLines } from './findings.ts';
export { createStyle, useColour, type Style } from './style.ts';
export type { ReportContext, Matrix, MergeInfo } from './context.ts';

/** Writes each report the check was asked for (--report kind=path), each file whole or not at all. */
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
