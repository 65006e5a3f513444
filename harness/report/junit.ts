/**
 * The JUnit XML report: one testsuite per chapter, one testcase per requirement, as CI tools
 * (GitHub's JUnit actions, GitLab, Jenkins) read it.
 *
 * Built with xmlbuilder2 rather than by string concatenation: it escapes every attribute and
 * text node (`]]>`, `<script>`, quotes) by the rules of XML 1.0, and with `wellFormed: true`
 * its serializer refuses any character XML cannot carry instead of writing a file no parser
 * opens. Such characters never reach it: every string goes through `printable` first, which
 * writes control characters, lone surrogates and the noncharacters U+FFFE/U+FFFF as visible
 * escapes, so a hostile implementation's output becomes readable text in a valid file.
 *
 * Counts are on the root and on every suite — tests, failures, errors, skipped — and equal the
 * children's, since some consumers read the attributes and others count the elements:
 *   fail                      → <failure>
 *   skipped, not-reached,
 *   expected (a known failure)→ <skipped message="…"> (a requirement not reached says why: the
 *                               properties that target it were not selected, were cut short,
 *                               or ran all their planned runs without getting there)
 *   a broken wire protocol,
 *   a harness error           → one extra testcase with <error>
 * Times: each property's wall-clock time is shared evenly among the requirements it targets.
 */
import { create } from 'xmlbuilder2';
import { PROPERTIES } from '../../properties/index.ts';
import { CHAPTERS } from '../../spec/requirements.ts';
import type { CheckSummary } from '../judge/summary.ts';
import type { Verdict } from '../judge/verdicts.ts';
import { printable } from '../drive/untrusted.ts';
import type { ReportContext } from './context.ts';
import { whyNotReached } from './html.ts';
import { elapsedOf } from './json.ts';
import { displayPath } from './paths.ts';

/** One implementation's check in a JUnit file (a merge of several implementations has several). */
export interface JunitGroup {
  readonly summary: CheckSummary;
  readonly context: ReportContext;
  /** Prefix of the suite names, "dualsock" alone, or "dualsock.<implementation>" in a matrix. */
  readonly prefix: string;
  /** Which requirements each property targets, for sharing out its time. */
  readonly targets?: (property: string) => readonly string[];
}

type XMLBuilder = ReturnType<typeof create>;

/** Attribute values: one line, printable. */
const attr = (text: string): string => printable(text);
/** Text nodes: printable, line breaks kept. */
const body = (text: string): string => printable(text, { multiline: true });
const seconds = (ms: number): string => (ms / 1000).toFixed(3);

interface Tally {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  ms: number;
}

/** A stale expected failure fails the check only under --strict. */
function failing(v: Verdict, strict: boolean): boolean {
  return v.status === 'fail' || (strict && v.status === 'stale');
}

function tallyOf(list: readonly Verdict[], time: (id: string) => number, strict: boolean): Tally {
  return {
    tests: list.length,
    failures: list.filter((v) => failing(v, strict)).length,
    errors: 0,
    skipped: list.filter((v) => v.status === 'skipped' || v.status === 'not-reached' || v.status === 'expected').length,
    ms: list.reduce((n, v) => n + time(v.requirement.id), 0),
  };
}

function setCounts(element: XMLBuilder, t: Tally): void {
  element.att('tests', String(t.tests)).att('failures', String(t.failures)).att('errors', String(t.errors)).att('skipped', String(t.skipped)).att('time', seconds(t.ms));
}

/** The requirements a property of the catalogue targets. */
export function targetsOf(property: string): readonly string[] {
  return PROPERTIES.find((p) => p.id === property)?.reqs ?? [];
}

/** Milliseconds per requirement: each property's time shared evenly over the requirements it targets. */
function timesOf(group: JunitGroup): (id: string) => number {
  const share = new Map<string, number>();
  for (const p of group.summary.properties) {
    const reqs = (group.targets ?? targetsOf)(p.id);
    const ms = elapsedOf(p);
    if (ms === null) continue;
    for (const id of reqs) share.set(id, (share.get(id) ?? 0) + ms / reqs.length);
  }
  return (id) => share.get(id) ?? 0;
}

function addCase(suite: XMLBuilder, classname: string, v: Verdict, ms: number, cwd: string, strict: boolean, summary: CheckSummary): void {
  const r = v.requirement;
  const testcase = suite.ele('testcase', { classname, name: attr(`${r.id} (${r.level}): ${r.title}`), time: seconds(ms) });
  const detail = v.detail === null ? null : attr(v.detail);
  const file = v.counterexample === null ? null : displayPath(v.counterexample, cwd);
  switch (v.status) {
    case 'fail':
      testcase
        .ele('failure', { message: detail ?? 'failed', type: r.level })
        .txt(body(`${r.text}\n${v.detail ?? ''}${file ? `\ncounterexample: ${file}\nreplay: npx dualsock replay ${file}` : ''}`));
      break;
    case 'skipped':
      testcase.ele('skipped', { message: `skipped: ${detail ?? 'no reason given'}` });
      break;
    case 'not-reached':
      testcase.ele('skipped', { message: attr(`not reached: ${whyNotReached(v.requirement, summary)}`) });
      break;
    case 'expected':
      testcase.ele('skipped', { message: `expected failure: ${detail ?? ''}` });
      break;
    case 'warn':
      testcase.ele('system-out').txt(body(`SHOULD not met: ${v.detail ?? ''}`));
      break;
    case 'stale': {
      const text = `listed in the expected-failures file, yet it did not fail: remove the entry${detail ? ` (${detail})` : ''}`;
      if (strict) testcase.ele('failure', { message: attr(text), type: 'stale-expected-failure' }).txt(body(text));
      else testcase.ele('system-out').txt(body(text));
      break;
    }
    case 'pass':
      testcase.ele('system-out').txt(`exercised ${v.exercised} times`);
      break;
  }
}

/** The run-level error, if the run ended on one: a broken wire protocol (exit 3) or a harness error (exit 2). */
function runError(summary: CheckSummary): { type: string; message: string; text: string } | null {
  if (summary.protocolError) {
    return { type: 'protocol-error', message: `the implementation broke the wire protocol (${summary.protocolError.kind})`, text: summary.protocolError.message };
  }
  if (summary.harnessError) return { type: 'harness-error', message: 'the check ended on a harness error', text: summary.harnessError };
  return null;
}

export function junitDocument(groups: readonly JunitGroup[], cwd: string = process.cwd()): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const root = doc.ele('testsuites', {
    name: attr(groups.length === 1 ? `dualsock check of ${displayPath(groups[0]!.context.impl, cwd)}` : `dualsock: ${groups.length} implementations`),
  });
  const total: Tally = { tests: 0, failures: 0, errors: 0, skipped: 0, ms: 0 };
  for (const group of groups) {
    const time = timesOf(group);
    for (const chapter of CHAPTERS) {
      const list = group.summary.verdicts.filter((v) => v.requirement.chapter === chapter.id);
      if (list.length === 0) continue;
      const name = `${group.prefix}.${chapter.id}`;
      const suite = root.ele('testsuite', { name: attr(name) });
      const strict = group.context.strict ?? false;
      const tally = tallyOf(list, time, strict);
      const error = chapter.id === 'wire' ? runError(group.summary) : null;
      if (error) {
        tally.tests += 1;
        tally.errors += 1;
      }
      setCounts(suite, tally);
      for (const v of list) addCase(suite, attr(name), v, time(v.requirement.id), cwd, strict, group.summary);
      if (error) {
        suite
          .ele('testcase', { classname: attr(name), name: 'the implementation kept to the wire protocol for the whole check', time: '0.000' })
          .ele('error', { message: attr(error.message), type: error.type })
          .txt(body(error.text));
      }
      total.tests += tally.tests;
      total.failures += tally.failures;
      total.errors += tally.errors;
      total.skipped += tally.skipped;
    }
    total.ms += group.summary.elapsedMs;
  }
  setCounts(root, total);
  return doc.end({ prettyPrint: true, wellFormed: true }) + '\n';
}

export function junitReport(summary: CheckSummary, context: ReportContext, targets?: (property: string) => readonly string[]): string {
  return junitDocument([{ summary, context, prefix: 'dualsock', ...(targets ? { targets } : {}) }]);
}
