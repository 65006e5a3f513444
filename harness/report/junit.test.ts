/**
 * Why this test? CI tools count what a JUnit file says; a report that no parser opens, or whose
 * counts disagree with its elements, turns a red check green on a dashboard. Every string an
 * implementation controls ends up in the file, so hostile text must still give a valid file.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from 'xmlbuilder2';
import { parse } from 'test-results-parser';
import { describe, expect, test } from 'vitest';
import { ProtocolError } from '../drive/protocol-error.ts';
import { junitReport } from './junit.ts';
import { summaryWith } from './testing/summary.ts';

const HOSTILE = 'ctl\u0000\u0001\u0008\u000b\u001b[31m fffe\uFFFE ffff\uFFFF lone\uD800 low\uDC00 ]]> <script>alert(1)</script> & "quoted" \'single\' \r\n bidi\u202E end';

/** XML 1.0's Char production: what a parser accepts at all. */
function onlyXmlChars(text: string): boolean {
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    const ok = c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
    if (!ok) return false;
  }
  return true;
}

function consume(xml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'dualsock-junit-'));
  const file = join(dir, 'junit.xml');
  writeFileSync(file, xml);
  return parse({ type: 'junit', files: [file] });
}

describe('junitReport', () => {
  const summary = summaryWith(
    {
      'CBT-UNIQUE-OWNER': { status: 'fail', detail: HOSTILE, counterexample: `${process.cwd()}/.dualsock/counterexamples/x.json` },
      'NET-BIND-ONCE': { status: 'not-reached' },
      'FAULT-CRASH-TEARDOWN': { status: 'skipped', detail: `needs fault:crash ${HOSTILE}` },
      'DSS-CLOSE-GRACEFUL': { status: 'expected', detail: 'known, ticket 12' },
      'DATA-SEND-COMPLETE': { status: 'warn', detail: HOSTILE },
    },
    {
      outcome: 'PROTOCOL-BREAK',
      exitCode: 3,
      name: HOSTILE,
      protocolError: new ProtocolError({ kind: 'not-json', arrived: HOSTILE, expected: 'a JSON line' }),
    },
  );
  const xml = junitReport(summary, { impl: `./impl ${HOSTILE}`, name: HOSTILE, version: '0.1.0' });

  test('is well-formed XML 1.0 whatever the implementation wrote', () => {
    expect(onlyXmlChars(xml)).toBe(true);
    expect(xml).not.toContain('<script>');
    expect(xml).not.toMatch(/\]\]>/);
    // xmlbuilder2's parser rejects a document that is not well-formed.
    const doc = create(xml).end({ format: 'object' }) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['testsuites']);
  });

  test('a JUnit consumer counts tests, failures, errors and skipped as the attributes say', () => {
    const result = consume(xml);
    const cases = result.suites.flatMap((s) => s.cases);
    const total = summary.verdicts.length + 1; // the protocol break is one testcase with <error>
    // test-results-parser reads the root's attributes (and subtracts skipped from total) and each case's elements.
    expect(result.total + result.skipped).toBe(total);
    expect(result.failed).toBe(1);
    expect(result.errors).toBe(1);
    expect(result.skipped).toBe(3);
    expect(cases).toHaveLength(total);
    expect(cases.filter((c) => c.status === 'FAIL')).toHaveLength(2); // the failure and the error
    expect(cases.filter((c) => c.status === 'SKIP')).toHaveLength(3);
    for (const suite of result.suites) {
      expect(suite.total + suite.skipped).toBe(suite.cases.length);
      expect(suite.failed + suite.errors).toBe(suite.cases.filter((c) => c.status === 'FAIL').length);
      expect(suite.skipped).toBe(suite.cases.filter((c) => c.status === 'SKIP').length);
    }
  });

  test('skipped and not-reached requirements carry a message; a protocol break is an <error>', () => {
    expect(xml).toMatch(/<testcase classname="dualsock.net" name="NET-BIND-ONCE[^"]*"[^>]*>\s*<skipped message="not reached: [^"]*was not selected for this check[^"]*"\/>/);
    expect(xml).toMatch(/<skipped message="skipped: needs fault:crash ctl\\x00/);
    expect(xml).toMatch(/<skipped message="expected failure: known, ticket 12"/);
    expect(xml).toMatch(/<error message="the implementation broke the wire protocol \(not-json\)" type="protocol-error">/);
    // Paths relative to where the check ran.
    expect(xml).toContain('counterexample: .dualsock/counterexamples/x.json');
  });

  test('times: the root carries the check\'s, each property\'s is shared out over its requirements', () => {
    const timed = summaryWith({}, { properties: [{ id: 'cbt-allocation', planned: 4, ran: 4, ended: 'complete', why: null, elapsedMs: 2000 } as never] });
    const text = junitReport(timed, { impl: 'impl.ts', name: 'x' });
    expect(text).toMatch(/<testsuites [^>]*time="1.234"/);
    const times = [...text.matchAll(/<testcase [^>]*time="([0-9.]+)"/g)].map((m) => Number(m[1]));
    expect(times.reduce((a, b) => a + b, 0)).toBeCloseTo(2, 2);
  });
});
