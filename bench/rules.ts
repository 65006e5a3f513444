/**
 * Section 10 of npm run bench: how many of the model's rules (reference/rules.ts) the default
 * check fires — every property, the default count of runs, seed 1, against the reference
 * in-process (the cheapest implementation to drive; the rules a check fires depend on what the
 * generator draws and what the model allows, not on the machine). Prints one line with the
 * fraction and the rules that never fired, the generator's blind spots.
 *
 * Also runs alone, on one seed or several:
 *   node --import tsx bench/rules.ts [--seed N | --seeds 1-5 | --seeds 1,3,7] [--rare K]
 * With several seeds it prints each seed's line, then the rules some seed never fired; with
 * `--rare K` also the rules every seed fired but some seed fewer than K times — the ones a small
 * change of the generator can lose, since a rule fired twice on one seed is missed on the next.
 */
import { check } from '../harness/cli/check.ts';
import { engineOptions } from '../harness/cli/engine-testing.ts';
import { ruleCoverage } from '../harness/judge/summary.ts';

export interface RuleFigure {
  readonly fired: number;
  readonly reachable: number;
  readonly neverFired: readonly string[];
  /** How often each rule fired (the check summary's counts). */
  readonly counts: ReadonlyMap<string, number>;
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
  return { fired: coverage.fired, reachable: coverage.reachable, neverFired, counts: summary.rules ?? new Map(), seconds };
}

/** `1-5` or `1,3,7` (or one number): the seeds, in order. */
export function parseSeeds(text: string): number[] {
  const range = /^(\d+)-(\d+)$/.exec(text);
  if (range) return Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i);
  const seeds = text.split(',').map(Number);
  if (seeds.some((s) => !Number.isInteger(s))) throw new Error(`--seeds ${text}: expected a range such as 1-5 or a list such as 1,3,7`);
  return seeds;
}

/** Every seed's figure, then what some seed missed and (with `rare`) what some seed fired only a few times. */
export async function ruleCoverageOverSeeds(seeds: readonly number[], rare = 0): Promise<RuleFigure[]> {
  const figures: RuleFigure[] = [];
  for (const seed of seeds) figures.push(await defaultRuleCoverage(seed));
  if (seeds.length < 2 && rare === 0) return figures;
  const missed = [...new Set(figures.flatMap((f) => f.neverFired))];
  console.log(`\nOver seeds ${seeds.join(', ')}: ${figures.map((f) => `${f.fired}/${f.reachable}`).join(', ')}; ${figures.reduce((s, f) => s + f.seconds, 0).toFixed(1)} s in all`);
  console.log(`  missed on some seed (${missed.length}): ${missed.map((id) => `${id} (on ${seeds.filter((_, i) => figures[i]!.neverFired.includes(id)).join(',')})`).join(', ') || 'none'}`);
  if (rare > 0) {
    const ids = new Set(figures.flatMap((f) => [...f.counts.keys()]));
    const fewest = [...ids]
      .filter((id) => !missed.includes(id))
      .map((id) => ({ id, min: Math.min(...figures.map((f) => f.counts.get(id) ?? 0)) }))
      .filter((r) => r.min < rare)
      .sort((a, b) => a.min - b.min || (a.id < b.id ? -1 : 1));
    console.log(`  fired on every seed, but fewer than ${rare} times on some (${fewest.length}): ${fewest.map((r) => `${r.id} ×${r.min}`).join(', ') || 'none'}`);
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string): string | undefined => {
    const at = process.argv.indexOf(name);
    return at >= 0 ? process.argv[at + 1] : undefined;
  };
  const seeds = parseSeeds(arg('--seeds') ?? arg('--seed') ?? '1');
  await ruleCoverageOverSeeds(seeds, Number(arg('--rare') ?? 0));
}
