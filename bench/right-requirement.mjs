/**
 * Caught, and under the right requirement? For the bundled mutants and seeds 1–N this runs the
 * canary's check (fixtures/mutants/mutants.test.ts: the mutant's own property only, up to 1,000
 * runs) and prints whether dualsock caught it and whether the requirement it named first is the
 * one the mutant documents (mutant.json `requirement`, or one of its `also`), then a line per
 * mutant (caught n/N, right n/N) and the totals. A figure, never an assertion: the canary asserts
 * seed 1; this says how far that holds on other seeds. The checks themselves are
 * bench/mutant-checks.ts, which `npm run bench` section 5 runs too.
 *
 * Heavy (a check per mutant and seed, the native mutants each a subprocess): run it alone.
 *
 *   node --import tsx bench/right-requirement.mjs [--seeds 5] [--inprocess | --native] [--mutant <name>]…
 */
import { listMutants } from '../fixtures/mutants/catalogue.ts';
import { checkMutants, describeVerdict, tally, totalsLine } from './mutant-checks.ts';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const values = (name) => args.flatMap((a, i) => (a === name && args[i + 1] !== undefined ? [args[i + 1]] : []));
const seedCount = Number(values('--seeds')[0] ?? 5);
if (!Number.isInteger(seedCount) || seedCount < 1) {
  console.error(`right-requirement: --seeds ${values('--seeds')[0]}: expected a whole number of seeds, 1 or more`);
  process.exit(2);
}
if (flag('--inprocess') && flag('--native')) {
  console.error('right-requirement: --inprocess and --native together select nothing; give one of them, or neither for every mutant');
  process.exit(2);
}
const kind = flag('--inprocess') ? 'inprocess' : flag('--native') ? 'native-patch' : null;
const wanted = new Set(values('--mutant'));
const mutants = listMutants().filter((m) => (wanted.size === 0 || wanted.has(m.name)) && (kind === null || m.kind === kind));
const unknown = [...wanted].filter((name) => !mutants.some((m) => m.name === name));
if (unknown.length > 0) {
  console.error(`right-requirement: no ${kind === null ? '' : `${kind} `}mutant named ${unknown.join(', ')}; the mutants are the folders of fixtures/mutants with a mutant.json`);
  process.exit(2);
}

const pad = (text, width) => String(text).padEnd(width);
const seeds = Array.from({ length: seedCount }, (_, i) => i + 1);
console.log(`${pad('mutant', 34)} ${pad('property', 16)} seed  result`);
const checks = await checkMutants(mutants, seeds, ({ mutant, seed, verdict }) => {
  console.log(`${pad(mutant.name, 34)} ${pad(mutant.property, 16)} ${pad(seed, 5)} ${describeVerdict(verdict)}`);
});

const tallies = tally(checks);
console.log('');
console.log(`${pad('mutant', 34)} ${pad('kind', 13)} caught  right   not caught, or under another requirement`);
for (const t of tallies) {
  console.log(`${pad(t.mutant.name, 34)} ${pad(t.mutant.kind, 13)} ${pad(`${t.caught}/${t.checks}`, 7)} ${pad(`${t.right}/${t.checks}`, 7)} ${t.misses.join('; ') || '-'}`);
}
console.log('');
console.log(totalsLine(tallies, seedCount));
for (const k of ['inprocess', 'native-patch']) {
  const some = tallies.filter((t) => t.mutant.kind === k);
  if (some.length > 0 && some.length < tallies.length) console.log(`  ${k}: ${totalsLine(some, seedCount)}`);
}
