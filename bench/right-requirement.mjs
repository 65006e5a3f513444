/**
 * Caught, and under the right requirement? For every bundled mutant and seeds 1–5 this runs the
 * canary's check (fixtures/mutants/mutants.test.ts: the mutant's own property only, up to 1,000
 * runs) and prints whether dualsock caught it and whether the requirement it named first is the
 * one the mutant documents (mutant.json `requirement`, or one of its `also`), then the totals.
 * A figure, never an assertion: the canary asserts seed 1; this says how far that holds on other
 * seeds.
 *
 * Heavy (a check per mutant and seed, the native mutants each a subprocess): run it alone.
 *
 *   node --import tsx bench/right-requirement.mjs [--seeds 5] [--inprocess] [--mutant <name>]…
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../harness/cli/check.ts';
import { implOf, listMutants, namesMutant } from '../fixtures/mutants/catalogue.ts';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const values = (name) => args.flatMap((a, i) => (a === name && args[i + 1] !== undefined ? [args[i + 1]] : []));
const seedCount = Number(values('--seeds')[0] ?? 5);
if (!Number.isInteger(seedCount) || seedCount < 1) {
  console.error(`right-requirement: --seeds ${values('--seeds')[0]}: expected a whole number of seeds, 1 or more`);
  process.exit(2);
}
const wanted = new Set(values('--mutant'));
const mutants = listMutants().filter((m) => (wanted.size === 0 || wanted.has(m.name)) && (!flag('--inprocess') || m.kind === 'inprocess'));
const unknown = [...wanted].filter((name) => !mutants.some((m) => m.name === name));
if (unknown.length > 0) {
  console.error(`right-requirement: no mutant named ${unknown.join(', ')}; the mutants are the folders of fixtures/mutants with a mutant.json`);
  process.exit(2);
}

/** As the canary runs it: runs bound the search (a caught mutant stops at its first failure), never time. */
const RUNS = 1000;
const silent = { out: () => {}, err: () => {} };
const outDir = mkdtempSync(join(tmpdir(), 'dualsock-right-requirement-'));

const totals = { checks: 0, caught: 0, right: 0 };
const misses = [];
const pad = (text, width) => String(text).padEnd(width);
console.log(`${pad('mutant', 34)} ${pad('property', 16)} seed  result`);
try {
  // Seed by seed, so a run stopped early has every mutant on the first seeds.
  for (let seed = 1; seed <= seedCount; seed++) {
    for (const mutant of mutants) {
      let line;
      try {
        const summary = await check(
          { impl: implOf(mutant), only: [mutant.property], seed, runs: RUNS, outDir, reports: [], expectedFailures: [], strict: false, timeoutMs: 30_000 },
          silent,
        );
        totals.checks += 1;
        const named = summary.failures[0]?.counterexample.violated[0];
        if (summary.exitCode !== 1 || named === undefined) {
          line = `NOT CAUGHT (exit ${summary.exitCode})`;
          misses.push(`${mutant.name} seed ${seed}: not caught`);
        } else {
          totals.caught += 1;
          const right = namesMutant(mutant, named);
          if (right) totals.right += 1;
          else misses.push(`${mutant.name} seed ${seed}: named ${named}, documented ${mutant.requirement}`);
          const steps = summary.failures[0].counterexample.steps.length;
          line = `caught, ${right ? 'right requirement' : 'WRONG requirement'} (${named}), ${steps} step${steps === 1 ? '' : 's'}`;
        }
      } catch (error) {
        totals.checks += 1;
        line = `HARNESS ERROR: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
        misses.push(`${mutant.name} seed ${seed}: harness error`);
      }
      console.log(`${pad(mutant.name, 34)} ${pad(mutant.property, 16)} ${pad(seed, 5)} ${line}`);
    }
  }
} finally {
  rmSync(outDir, { recursive: true, force: true });
}
console.log('');
console.log(`${mutants.length} mutants × ${seedCount} seeds: ${totals.checks} checks, ${totals.caught} caught, ${totals.right} under the documented requirement`);
if (misses.length > 0) console.log(`not caught, or caught under another requirement:\n  ${misses.join('\n  ')}`);
