/**
 * The bundled mutants checked as the canary checks them (fixtures/mutants/mutants.test.ts): one
 * check per mutant and seed, the mutant's own property only, up to CANARY_RUNS runs; then whether
 * dualsock caught it, whether the requirement it named first is one the mutant documents
 * (mutant.json `requirement` or `also`), how long the check took and how short the counterexample
 * came out. One implementation for `npm run bench` section 5 (time to catch) and
 * bench/right-requirement.mjs (caught and named right, per seed), so the two never count
 * differently.
 *
 * Runs bound each check, never time: whether a mutant is caught does not depend on how fast the
 * machine is, only how long the check took does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { match } from 'ts-pattern';
import { check } from '../harness/cli/check.ts';
import { type Mutant, implOf, namesMutant } from '../fixtures/mutants/catalogue.ts';

/** As the canary runs it: a caught mutant stops at its first failure, so this bounds only a miss. */
export const CANARY_RUNS = 1000;
/** The wall-clock bound on each protocol message (hello, settle, inspect…), as the canary has it. */
const MESSAGE_TIMEOUT_MS = 30_000;

/** What one check of one mutant on one seed came to. */
export type Verdict =
  /** Exit 1 with a counterexample: `named` is the requirement it names first. */
  | { readonly type: 'caught'; readonly named: string; readonly right: boolean; readonly steps: number }
  /** Any other exit: the mutant passed (0), or the check could not finish (2, 3). */
  | { readonly type: 'missed'; readonly exitCode: number }
  /** The check itself threw: a harness error, not a verdict on the mutant. */
  | { readonly type: 'broke'; readonly message: string };

export interface MutantCheck {
  readonly mutant: Mutant;
  readonly seed: number;
  /** Wall time of the whole check: finding the failure and shrinking it. */
  readonly seconds: number;
  readonly verdict: Verdict;
}

/** One mutant, one seed, as the canary checks it; counterexample files go to `outDir`. */
export async function checkMutant(mutant: Mutant, seed: number, outDir: string): Promise<MutantCheck> {
  const started = performance.now();
  let verdict: Verdict;
  try {
    const summary = await check(
      { impl: implOf(mutant), only: [mutant.property], seed, runs: CANARY_RUNS, outDir, reports: [], expectedFailures: [], strict: false, timeoutMs: MESSAGE_TIMEOUT_MS },
      { out: () => {}, err: () => {} },
    );
    const counterexample = summary.failures[0]?.counterexample;
    const named = counterexample?.violated[0];
    verdict =
      summary.exitCode === 1 && counterexample && named !== undefined
        ? { type: 'caught', named, right: namesMutant(mutant, named), steps: counterexample.steps.length }
        : { type: 'missed', exitCode: summary.exitCode };
  } catch (error) {
    verdict = { type: 'broke', message: error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error) };
  }
  return { mutant, seed, seconds: (performance.now() - started) / 1000, verdict };
}

/**
 * Every mutant on every seed, seed by seed (so a run stopped early has every mutant on the first
 * seeds), one check at a time (so the times are not each other's load). `onCheck` sees each
 * check as it ends.
 */
export async function checkMutants(mutants: readonly Mutant[], seeds: readonly number[], onCheck: (checked: MutantCheck) => void = () => {}): Promise<MutantCheck[]> {
  const outDir = mkdtempSync(join(tmpdir(), 'dualsock-mutant-checks-'));
  const checks: MutantCheck[] = [];
  try {
    for (const seed of seeds) {
      for (const mutant of mutants) {
        const checked = await checkMutant(mutant, seed, outDir);
        checks.push(checked);
        onCheck(checked);
      }
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
  return checks;
}

/** One line for a check: caught under which requirement and how short, or why not. */
export function describeVerdict(verdict: Verdict): string {
  return match(verdict)
    .with({ type: 'caught' }, (v) => `caught, ${v.right ? 'right requirement' : 'WRONG requirement'} (${v.named}), ${v.steps} step${v.steps === 1 ? '' : 's'}`)
    .with({ type: 'missed' }, (v) => `NOT CAUGHT (exit ${v.exitCode})`)
    .with({ type: 'broke' }, (v) => `HARNESS ERROR: ${v.message}`)
    .exhaustive();
}

/** One mutant's checks added up. */
export interface MutantTally {
  readonly mutant: Mutant;
  readonly checks: number;
  readonly caught: number;
  /** Caught under a requirement the mutant documents. */
  readonly right: number;
  /** Of the caught checks: wall time and counterexample length. */
  readonly seconds: readonly number[];
  readonly steps: readonly number[];
  /** Requirements named first that the mutant does not document, with how often. */
  readonly others: ReadonlyMap<string, number>;
  /** "seed 3: not caught (exit 0)", "seed 4: named X", one per check that was not caught right. */
  readonly misses: readonly string[];
}

/** The checks added up per mutant, in the order the mutants were checked. */
export function tally(checks: readonly MutantCheck[]): MutantTally[] {
  interface Counting { mutant: Mutant; checks: number; caught: number; right: number; seconds: number[]; steps: number[]; others: Map<string, number>; misses: string[] }
  const byName = new Map<string, Counting>();
  for (const { mutant, seed, seconds, verdict } of checks) {
    const t: Counting = byName.get(mutant.name) ?? { mutant, checks: 0, caught: 0, right: 0, seconds: [], steps: [], others: new Map(), misses: [] };
    byName.set(mutant.name, t);
    t.checks += 1;
    match(verdict)
      .with({ type: 'caught' }, (v) => {
        t.caught += 1;
        t.seconds.push(seconds);
        t.steps.push(v.steps);
        if (v.right) t.right += 1;
        else {
          t.others.set(v.named, (t.others.get(v.named) ?? 0) + 1);
          t.misses.push(`seed ${seed}: named ${v.named}`);
        }
      })
      .with({ type: 'missed' }, (v) => void t.misses.push(`seed ${seed}: not caught (exit ${v.exitCode})`))
      .with({ type: 'broke' }, (v) => void t.misses.push(`seed ${seed}: harness error (${v.message})`))
      .exhaustive();
  }
  return [...byName.values()];
}

/** "64 mutants × 5 seeds: 320 checks, 320 caught, 317 under the documented requirement". */
export function totalsLine(tallies: readonly MutantTally[], seedCount: number): string {
  const sum = (pick: (t: MutantTally) => number): number => tallies.reduce((n, t) => n + pick(t), 0);
  return `${tallies.length} mutants × ${seedCount} seeds: ${sum((t) => t.checks)} checks, ${sum((t) => t.caught)} caught, ${sum((t) => t.right)} under the documented requirement`;
}
