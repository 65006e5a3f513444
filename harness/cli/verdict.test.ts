/**
 * Why this test? A gate is worth exactly as much as its verdict. Each case below is a way
 * dualsock once said CONFORMS (exit 0) without having checked, or blamed a correct
 * implementation because of timing; each now ends with the verdict that says what happened.
 */
import fc from 'fast-check';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { PROPERTIES, propertyById } from '../../properties/index.ts';
import type { Property } from '../../properties/property.ts';
import { check, type EngineOptions } from './check.ts';
import { engineOptions, quiet } from './engine-testing.ts';
import type { PlanStep } from '../generate/plan.ts';

const base = (over: Partial<EngineOptions>): EngineOptions => engineOptions(3, 'verdict', over);
const wire = propertyById('wire')!;

describe('never CONFORMS without checking', () => {
  test('an error thrown inside a run is a harness error (exit 2) with the seed, never shrunk as a failure', async () => {
    const broken: Property = { ...wire, id: 'wire', plan: fc.constant([{ t: 'call', call: null } as unknown as PlanStep]) };
    const output = quiet();
    const summary = await check(base({ properties: [broken], runs: 5 }), output);
    expect(summary.exitCode).toBe(2);
    expect(summary.outcome).toBe('HARNESS-ERROR');
    expect(summary.failures).toEqual([]);
    expect(output.text()).toMatch(/internal error in property wire/);
    expect(output.text()).toMatch(/with the seed 3/);
  });

  test('an empty shard is exit 2 and says how many shards there can be', async () => {
    const output = quiet();
    const count = PROPERTIES.length + 1;
    const summary = await check(base({ shard: { index: count, count } }), output);
    expect(summary.exitCode).toBe(2);
    expect(output.text()).toContain(`shard ${count}/${count} has no property to run: ${count - 1} properties are split over ${count} shards. Use at most ${count - 1} shards`);
  });

  test('a --budget that runs out is INCOMPLETE (exit 2), and says how far the check got', async () => {
    const output = quiet();
    const summary = await check(base({ only: ['wire', 'net-calls'], budgetMs: 1 }), output);
    expect(summary.outcome).toBe('INCOMPLETE');
    expect(summary.exitCode).toBe(2);
    expect(summary.properties.some((p) => p.ended === 'cut')).toBe(true);
    expect(summary.incomplete.join('\n')).toMatch(/the --budget ran out after [0-9]+ of [0-9]+ planned runs/);
  });

  test('requirements the selected properties check but never reached make the check INCOMPLETE', async () => {
    const summary = await check(base({ only: ['faults'], runs: 1 }), quiet());
    expect(summary.outcome).toBe('INCOMPLETE');
    expect(summary.incomplete.join('\n')).toMatch(/never reached: .*FAULT-/);
  });

  test('a selection that reaches everything it checks conforms, and says what it left out once', async () => {
    const summary = await check(base({ only: ['wire'], runs: 5, seed: 1 }), quiet());
    expect(summary.outcome).toBe('CONFORMS');
    expect(summary.exitCode).toBe(0);
    expect(summary.outOfSelection?.why).toBe('--only wire');
  });
});

describe('expected failures behave like test.fails', () => {
  test('an entry that no longer fails is reported stale, and fails the check under --strict', async () => {
    const expectedFailures = [{ requirement: 'WIRE-ONE-REPLY', reason: 'a known double reply' }];
    const relaxed = await check(base({ only: ['wire'], runs: 5, seed: 1, expectedFailures }), quiet());
    expect(relaxed.verdicts.find((v) => v.requirement.id === 'WIRE-ONE-REPLY')?.status).toBe('stale');
    expect(relaxed.exitCode).toBe(0);
    const strict = await check(base({ only: ['wire'], runs: 5, seed: 1, expectedFailures, strict: true }), quiet());
    expect(strict.exitCode).toBe(1);
  });

  test('an expected failure is shown as expected, and the property goes on with its planned runs', async () => {
    const output = quiet();
    const summary = await check(
      base({ impl: { kind: 'module', path: 'fixtures/mutants/accept-lifo/index.ts' }, only: ['net-calls'], runs: 40, seed: 1, expectedFailures: [{ requirement: 'NET-ACCEPT-FIFO', reason: 'fixing it' }] }),
      output,
    );
    const netCalls = summary.properties.find((p) => p.id === 'net-calls')!;
    expect(netCalls.ran).toBe(netCalls.planned);
    expect(summary.failures.every((f) => f.expected)).toBe(true);
    expect(summary.verdicts.find((v) => v.requirement.id === 'NET-ACCEPT-FIFO')?.status).toBe('expected');
    expect(output.text()).toMatch(/^\s*~ net-calls: NET-ACCEPT-FIFO failed, as the expected-failures file says/m);
    expect(output.text()).toMatch(/net-calls: 40 of 40 runs, only expected failures/);
    expect(output.text()).not.toMatch(/^\s*✗ net-calls/m);
  });
});

describe('a seed decides the run', () => {
  test('the same seed and flags run the same cases: identical per-property counts and coverage', async () => {
    const options = { only: ['cbt-allocation', 'dispatch', 'wire'], seed: 42 };
    const first = await check(base(options), quiet());
    const second = await check(base(options), quiet());
    const counts = (s: typeof first) => s.properties.map(({ elapsedMs: _time, ...counted }) => counted);
    expect(counts(first)).toEqual(counts(second));
    expect(first.properties.every((p) => p.ended === 'complete' && p.ran === p.planned)).toBe(true);
    expect(first.verdicts.map((v) => [v.requirement.id, v.exercised])).toEqual(second.verdicts.map((v) => [v.requirement.id, v.exercised]));
    expect(first.calls).toBe(second.calls);
  });

  test('a property runs the same number of cases alone, in a shard and in the whole check', async () => {
    const alone = await check(base({ only: ['dispatch'], runs: undefined, seed: 5, outDir: mkdtempSync(join(tmpdir(), 'dualsock-verdict-')) }), quiet());
    const all = (await import('../../properties/index.ts')).PROPERTIES;
    const index = all.findIndex((p) => p.id === 'dispatch');
    const shard = await check(base({ shard: { index: (index % 4) + 1, count: 4 }, seed: 5 }), quiet());
    const { elapsedMs: _a, ...inShard } = shard.properties.find((p) => p.id === 'dispatch')!;
    const { elapsedMs: _b, ...byItself } = alone.properties[0]!;
    expect(inShard).toEqual(byItself);
  });
});

test('two checks with the same seed and folder never write over each other’s counterexamples', async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'dualsock-verdict-'));
  const options = base({ impl: { kind: 'module', path: 'fixtures/mutants/dss-born-bound/index.ts' }, only: ['dss-calls'], seed: 1, outDir });
  const [a, b] = await Promise.all([check(options, quiet()), check(options, quiet())]);
  expect(a.exitCode).toBe(1);
  expect(b.exitCode).toBe(1);
  expect(a.failures[0]!.file).not.toBe(b.failures[0]!.file);
  expect(readdirSync(outDir).sort()).toEqual(['dss-calls-seed1-2.json', 'dss-calls-seed1.json']);
});
