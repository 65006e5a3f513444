/**
 * Why this test? The summary is what a person reads first: unreached requirements used to take a
 * line each, and a colour code or a terminal escape from an implementation's own text could
 * reach the screen raw.
 */
import { expect, test } from 'vitest';
import { main } from '../cli/cli.ts';
import { consoleSummary } from './console.ts';
import { createStyle } from './style.ts';
import { summaryWith } from './testing/summary.ts';

const HOSTILE_NAME = 'impl\u001b[2J\u001b[32m CONFORMS';

test('unreached and skipped requirements are folded into one line per reason', () => {
  const text = consoleSummary(
    summaryWith({
      'NET-BIND-ONCE': { status: 'not-reached' },
      'DSS-CLOSE-GRACEFUL': { status: 'not-reached' },
      'FAULT-CRASH-TEARDOWN': { status: 'skipped', detail: 'property faults needs fault:crash' },
      'FAULT-RECOVER-RECLAIMS': { status: 'skipped', detail: 'property faults needs fault:crash' },
    }),
    { impl: 'impl.ts', name: 'x' },
  );
  // No property ran in this summary: the two were left out by the selection, not missed.
  expect(text).toMatch(/^ {2}\? not selected for this check \(--only, or another shard\) \(2\): (NET-BIND-ONCE|DSS-CLOSE-GRACEFUL), (NET-BIND-ONCE|DSS-CLOSE-GRACEFUL)$/m);
  expect(text).toMatch(/^ {2}- skipped: property faults needs fault:crash \(2\): FAULT-CRASH-TEARDOWN, FAULT-RECOVER-RECLAIMS$/m);
  expect(text.match(/NET-BIND-ONCE/g)).toHaveLength(1);
});

test('with colour, only dualsock\'s words are painted; the implementation\'s name arrives escaped', () => {
  const text = consoleSummary(summaryWith({}, { name: HOSTILE_NAME }), { impl: 'impl.ts', name: HOSTILE_NAME }, { style: createStyle(true) });
  expect(text).toContain('("impl\\x1b[2J\\x1b[32m CONFORMS")');
  // Every escape in the text is one of the styles dualsock uses (SGR colour codes), none of the implementation's.
  for (const escape of text.match(/\u001b[^m]*m/g) ?? []) expect(escape).toMatch(/^\u001b\[(1|2|22|31|32|33|39)m$/);
  expect(text).not.toContain('\u001b[2J');
  expect(consoleSummary(summaryWith(), { impl: 'impl.ts', name: 'x' })).not.toContain('\u001b');
});

test('dualsock --version prints the version in package.json', async () => {
  let out = '';
  const code = await main(['--version'], { out: (t) => void (out += t), err: (t) => void (out += t) });
  expect(code).toBe(0);
  const { version } = (await import('../../package.json', { with: { type: 'json' } })).default as { version: string };
  expect(out.trim()).toBe(version);
});

test('dualsock merge of something that is not a report is a usage error (exit 2) that says what arrived', async () => {
  let err = '';
  const code = await main(['merge', 'package.json'], { out: () => {}, err: (t) => void (err += t) });
  expect(code).toBe(2);
  expect(err).toMatch(/merge: package.json is not a dualsock check report/);
});

test('a requirement the properties that ran did not reach is told apart from one left out by the selection', async () => {
  const { checkedBy } = await import('../../properties/index.ts');
  const by = checkedBy('NET-BIND-ONCE')[0]!;
  const summary = summaryWith(
    { 'NET-BIND-ONCE': { status: 'not-reached' }, 'DSS-CLOSE-GRACEFUL': { status: 'not-reached' } },
    { properties: [{ id: by, planned: 4, ran: 4, ended: 'complete', why: null }] },
  );
  const text = consoleSummary(summary, { impl: 'impl.ts', name: 'x' });
  expect(text).toMatch(/^ {2}\? not reached by this run \(1\): NET-BIND-ONCE$/m);
  if (!checkedBy('DSS-CLOSE-GRACEFUL').includes(by)) expect(text).toMatch(/^ {2}\? not selected for this check \(--only, or another shard\) \(1\): DSS-CLOSE-GRACEFUL$/m);
});

test('each chapter shows the share of its rules that fired, and the never-fired rules are listed (the unreachable not counted)', async () => {
  const { RULES } = await import('../../reference/rules.ts');
  const { chapterOfRule } = await import('../judge/summary.ts');
  // Every reachable rule fired but two: the console names exactly those two.
  const fired = new Map(RULES.filter((r) => r.unreachable === undefined && r.id !== 'bind.dss.port-outside→EADDRNOTAVAIL' && r.id !== 'fault.heal.not-partitioned').map((r) => [r.id, 1]));
  const text = consoleSummary(summaryWith({}, { rules: fired }), { impl: 'impl.ts', name: 'x' }, { columns: 200 });
  const reachable = (chapter: string) => RULES.filter((r) => r.unreachable === undefined && chapterOfRule(r) === chapter).length;
  expect(text).toMatch(new RegExp(`^ {2}dss +\\S+ +exercised \\d+×, rules ${reachable('dss') - 1}/${reachable('dss')}$`, 'm'));
  expect(text).toMatch(new RegExp(`^ {2}storage +\\S+ +exercised \\d+×, rules ${reachable('storage')}/${reachable('storage')}$`, 'm'));
  const total = RULES.filter((r) => r.unreachable === undefined).length;
  expect(text).toContain(`Model rules fired: ${total - 2} of ${total} reachable (${RULES.length - total} unreachable by design, not counted); never fired (2): bind.dss.port-outside→EADDRNOTAVAIL, fault.heal.not-partitioned`);
});

test('a long never-fired list is cut, and the console says where the whole list is', () => {
  // Wrapped lines joined again: the assertions are about the words, not where the line breaks.
  const text = consoleSummary(summaryWith({}, { rules: new Map() }), { impl: 'impl.ts', name: 'x' }, { columns: 200 }).replace(/\n {6}/g, ' ');
  expect(text).toMatch(/never fired \(\d+\): call\.dispatch, call\.completes-at-once, /);
  expect(text).toMatch(/… and \d+ more \(all of them: rules\.neverFired in --report json=…, or --report html=…\)/);
});

test('a summary that did not count rules says nothing of them', () => {
  const text = consoleSummary(summaryWith({}, { rules: undefined }), { impl: 'impl.ts', name: 'x' });
  expect(text).not.toMatch(/rules \d+\/\d+|Model rules/);
});
