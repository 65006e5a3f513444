/**
 * Section 10 of npm run bench: how many of the model's rules (reference/rules.ts) the default
 * check fires — every property, the default count of runs, seed 1, against the reference
 * in-process (the cheapest implementation to drive; the rules a check fires depend on what the
 * generator draws and what the model allows, not on the machine). Prints one line with the
 * fraction and the rules that never fired, the generator's blind spots.
 *
 * Also runs alone: node --import tsx bench/rules.ts [--seed N]
 */
import { check } from '../harness/cli/check.ts';
import { engineOptions } from '../harness/cli/engine-testing.ts';
import { ruleCoverage } from '../harness/judge/summary.ts';

export interface RuleFigure {
  readonly fired: number;
  readonly reachable: number;
  readonly neverFired: readonly string[];
  readonly seconds: number;
}

export async function defaultRuleCoverage(seed = 1): Promise<RuleFigure> {
  console.log(`\n10. Model rules the default check fires (reference in-process, every property, default runs, seed ${seed})`);
  const started = performance.now();
  const summary = await check(
    engineOptions(seed, 'bench-rules', {}),
    { out: () => {}, err: () => {} },
  );
  const seconds = (performance.now() - started) / 1000;
  const coverage = ruleCoverage(summary.rules);
  const neverFired = coverage.neverFired.map((r) => r.id);
  const percent = ((100 * coverage.fired) / coverage.reachable).toFixed(1);
  console.log(
    `  rules fired: ${coverage.fired}/${coverage.reachable} reachable (${percent}%; ${coverage.unreachable.length} unreachable by design), ${summary.runs} runs, ${summary.outcome}, ${seconds.toFixed(1)} s`,
  );
  console.log(`  never fired (${neverFired.length}): ${neverFired.join(', ') || 'none'}`);
  return { fired: coverage.fired, reachable: coverage.reachable, neverFired, seconds };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--seed');
  await defaultRuleCoverage(at >= 0 ? Number(process.argv[at + 1]) : 1);
}
