/**
 * Why this test? An in-process module shares dualsock's process. Before modules ran in a
 * worker thread, `process.exit` in one ended dualsock itself (exit 0, no report), and a throw
 * from a timer or an unhandled rejection crashed it. Each misbehaviour must now end the check
 * with exit 3 and a message saying what happened, with dualsock still standing to say it.
 * Settle is judged by order of arrival: a result written after `settled` is CLOCK-SETTLE-EXACT
 * in both drivers, however the bytes are timed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { check } from '../cli/check.ts';
import { parseImplementationSpec } from './drivers.ts';

const run = async (impl: string, timeoutMs = 30_000) => {
  let text = '';
  const output = { out: (t: string) => (text += t), err: (t: string) => (text += t) };
  const summary = await check(
    { impl: parseImplementationSpec(impl, false), seed: 1, only: ['net-calls'], runs: 3, strict: false, expectedFailures: [], reports: [], timeoutMs, outDir: mkdtempSync(join(tmpdir(), 'dualsock-isolated-')) },
    output,
  );
  return { summary, text };
};

describe('an in-process module cannot take dualsock down with it', () => {
  test.each([
    { module: 'exits.ts', phrase: /process\.exit\(0\)/ },
    { module: 'timer-throw.ts', phrase: /an uncaught Error: thrown from a timer/ },
    { module: 'unhandled-rejection.ts', phrase: /an uncaught .*a rejection nobody handles/ },
  ])('$module: exit 3, saying what happened', async ({ module, phrase }) => {
    const { summary, text } = await run(`fixtures/misbehaving/in-process/${module}`);
    expect(summary.exitCode).toBe(3);
    expect(summary.outcome).toBe('PROTOCOL-BREAK');
    expect(text).toMatch(/broke the wire protocol \(exit\)/);
    expect(text).toMatch(phrase);
  });

  test('endless-handle.ts: the protocol-message limit still fires, exit 3', async () => {
    const { summary, text } = await run('fixtures/misbehaving/in-process/endless-handle.ts', 1_000);
    expect(summary.exitCode).toBe(3);
    expect(text).toMatch(/Nothing answered `settle` \(id [0-9]+\) within the protocol-message limit of 1000 ms/);
  });

  test('a subprocess program named as a module is recognised, and the error says to run it as a command', async () => {
    const { summary, text } = await run('fixtures/examples/minimal-subprocess/main.mjs');
    expect(summary.exitCode).toBe(2);
    expect(text).toMatch(/looks like a subprocess implementation: run it as a command, for example --impl "node --import tsx fixtures\/examples\/minimal-subprocess\/main\.mjs"/);
  });
});

describe('a reply after `settled` is a settle that came too early', () => {
  test.each([
    { driver: 'in-process', impl: 'fixtures/misbehaving/in-process/settle-then-answer.ts' },
    { driver: 'subprocess', impl: 'node --import tsx fixtures/misbehaving/settle-then-answer/main.mjs' },
  ])('$driver: exit 1 naming CLOCK-SETTLE-EXACT', async ({ impl }) => {
    const { summary } = await run(impl);
    expect(summary.exitCode).toBe(1);
    expect(summary.failures[0]?.counterexample.violated[0]).toBe('CLOCK-SETTLE-EXACT');
  });
});
