import { describe, expect, test } from 'vitest';
import { CHAPTERS, REQUIREMENTS } from '../../spec/requirements.ts';
import type { Counterexample } from '../judge/counterexample.ts';
import { failureOf, summaryWith } from './testing/summary.ts';
import { htmlReport, whyNotReached } from './html.ts';
import { sequenceDiagram } from './sequence-diagram.ts';
import { escapeHtml } from './html-escape.ts';

const CONTEXT = { impl: 'impl.ts', name: 'test', version: '0.1.0' };
const connect = (process: string, fd: number, host: string, port: number): Counterexample['steps'][number] => ({ type: 'call', process, call: { op: 'connect', fd, to: { host, port } } }) as never;

describe('htmlReport', () => {
  test('the verdict first, then every requirement once, chapter by chapter, each unreached one saying why', () => {
    const summary = summaryWith({ 'NET-ACCEPT-FIFO': { status: 'not-reached' } }, { outcome: 'INCOMPLETE', exitCode: 2, incomplete: ['1 requirement not reached'] });
    const html = htmlReport(summary, CONTEXT);
    expect(html.indexOf('INCOMPLETE')).toBeLessThan(html.indexOf('id="chapter-'));
    const ids = [...html.matchAll(/<tr class="s-[a-z-]+" id="req-([A-Z0-9-]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(CHAPTERS.flatMap((c) => REQUIREMENTS.filter((r) => r.chapter === c.id).map((r) => r.id)));
    expect(html).toContain(`not reached: ${whyNotReached(REQUIREMENTS.find((r) => r.id === 'NET-ACCEPT-FIFO')!, summary)}`);
    expect(html).toContain('1 requirement not reached');
  });

  test('self-contained: no script, nothing fetched, a policy that forbids both', () => {
    const html = htmlReport(summaryWith(), CONTEXT);
    expect(html).not.toMatch(/<script|<link|@import|url\(http|src="http/i);
    expect(html).toContain(`default-src 'none'`);
  });

  test('text from the implementation or a file is made printable, then escaped, everywhere it appears', () => {
    const hostile = '<script>alert(1)</script>\u001b[2J\u202e"\'&';
    const failure = failureOf('net-calls', 'NET-ACCEPT-FIFO', [connect('C', 3, 'srv', 7000)], [{ command: 0, what: `C:x${hostile}`, lines: [`C:connect(3,srv:7000)->${hostile}`, hostile, `✗ expected ${hostile}; the implementation: C:accept(3)->${hostile}`] }]);
    const c = { ...failure.counterexample, expected: hostile, actual: hostile, replay: hostile, reproduce: hostile };
    const summary = summaryWith({}, { outcome: 'NON-CONFORMANCE', exitCode: 1, failures: [{ ...failure, file: hostile, counterexample: c }], incomplete: [hostile], harnessError: hostile });
    const html = htmlReport(summary, { impl: hostile, name: hostile });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('\u001b');
    expect(html).not.toContain('\u202e');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;\\x1b[2J\\u{202e}&quot;&#39;&amp;');
  });

  test('a failure: its requirement sentence, expected vs actual, the world, the diagram, the steps, replay and reproduce', () => {
    const failure = failureOf('net-calls', 'NET-ACCEPT-FIFO', [connect('C', 3, 'srv', 7000)], [{ command: 0, what: 'C:connect(3,srv:7000)', lines: ['✗ expected it stays blocked; the implementation: ECONNREFUSED'] }]);
    const html = htmlReport(summaryWith({ 'NET-ACCEPT-FIFO': { status: 'fail' } }, { outcome: 'NON-CONFORMANCE', exitCode: 1, failures: [failure] }), CONTEXT);
    const section = html.slice(html.indexOf('<section class="failure'), html.indexOf('</section>'));
    for (const part of [escapeHtml(REQUIREMENTS.find((r) => r.id === 'NET-ACCEPT-FIFO')!.text), 'something else', 'srv</b> { S }', '<svg class="sequence"', 'C:connect(3,srv:7000)', failure.counterexample.replay, failure.counterexample.reproduce]) {
      expect(section).toContain(part);
    }
  });
});

describe('sequenceDiagram', () => {
  test('a long trace keeps its rows full height: the diagram grows and the page scrolls', () => {
    const steps = Array.from({ length: 60 }, () => ({ type: 'call', process: 'S', call: { op: 'socket', family: 'net' } }) as never);
    const trace = steps.map((_, i) => ({ command: i, what: 'S:socket(net)', lines: [`S:socket(net)->${i + 3}`] }));
    const short = sequenceDiagram(failureOf('p', 'NET-SOCKET-FRESH', steps.slice(0, 5), trace.slice(0, 5)).counterexample, 'a');
    const long = sequenceDiagram(failureOf('p', 'NET-SOCKET-FRESH', steps, trace).counterexample, 'b');
    const height = (svg: string): number => Number(/height="(\d+)"/.exec(svg)![1]);
    // 55 more entries, each a row of 28 px and a 6 px gap.
    expect(height(long.svg) - height(short.svg)).toBe(55 * 34);
    expect(long.svg).not.toContain('preserveAspectRatio');
  });

  test('ids are per diagram, so two diagrams on one page do not share markers', () => {
    const lines = ['S:listen(3,1)->srv:7000', 'C:connect(3,srv:7000)->cli:40000', 'S:accept(3)->4 from cli:40000'];
    const failure = failureOf('p', 'NET-SOCKET-FRESH', [connect('C', 3, 'srv', 7000)], [{ command: 0, what: 'x', lines }]);
    const one = sequenceDiagram(failure.counterexample, 'f1').svg;
    const two = sequenceDiagram(failure.counterexample, 'f2').svg;
    expect(one).toContain('id="f1-tcp"');
    expect(one).toContain('marker-end="url(#f1-tcp)"');
    expect(two).toContain('marker-end="url(#f2-tcp)"');
    expect(two).not.toContain('#f1-');
  });

  // Why this test? The page is where a person looks for which branch of a requirement the runs never took.
  test('each requirement lists its rules and how often each fired; the never-fired rules are gathered at the end', () => {
    const html = htmlReport(summaryWith({}, { rules: new Map([['socket.dss.cbt-full→ENOBUFS', 2]]) }), CONTEXT);
    const row = html.slice(html.indexOf('id="req-CBT-EXHAUSTED-ENOBUFS"'), html.indexOf('</tr>', html.indexOf('id="req-CBT-EXHAUSTED-ENOBUFS"')));
    expect(row).toContain('rules 1/3 fired, <b class="bad">2 never</b>');
    expect(row).toContain('<code>socket.dss.cbt-full→ENOBUFS</code> 2×');
    expect(row).toContain('<code>accept.dss.cbt-full→ENOBUFS</code> <b class="bad">never fired</b>');
    const dispatch = html.slice(html.indexOf('id="req-DISPATCH-FD-RANGE"'), html.indexOf('</tr>', html.indexOf('id="req-DISPATCH-FD-RANGE"')));
    expect(dispatch).toMatch(/<code>socket\.dss\.no-fd→EMFILE<\/code> <span class="muted">unreachable: the storage-system range/);
    expect(html).toMatch(/<h2>Model rules<\/h2><p>1 of \d+ reachable rules fired \(\d+ are unreachable by design and not counted\)\.<\/p><h3>Never fired \(\d+\)<\/h3>/);
    expect(html).toMatch(/storage · exercised \d+× · rules 1\/\d+/);
  });
});
