/**
 * npm run bench: how fast dualsock is, measured, printed, never asserted.
 *
 *  1. A full check's runs/s and implementation calls/s against the reference in-process,
 *     through serve-reference (a subprocess), and against the native implementation.
 *  2. The subprocess driver alone beside a raw JSON-lines ping-pong between the same two
 *     kinds of process (target ≥ 0.9), and a full check's protocol messages/s beside the same
 *     ping-pong (target ≥ 0.6).
 *  3. In-process steps/s of a full check beside fast-check's plain asyncModelRun over the
 *     same command sequences (target: within 3×).
 *  4. Handshakes/s against serve-reference and native.
 *  5. For every mutant, checked as the canary checks it (bench/mutant-checks.ts, which
 *     bench/right-requirement.mjs shares): median time to catch (find + shrink) over 10 seeds,
 *     the shrunk length, and how often under the documented requirement.
 *  6. No false positives: the reference (in-process and served) and native over 20 seeds.
 *  7. Every mutant against `dualsock check` at default settings (seed 1): caught, and by which properties.
 *  8. Start-up: `dualsock --help` beside bare `node -e 0`, and the native implementation's hello
 *     and first reset.
 *  9. The default check (`npm run check`: every property, the default count of runs) against
 *     the native implementation, wall time.
 * 10. Rule coverage: the share of the model's rules the default check fires, against the
 *     reference in-process, seed 1 (bench/rules.ts).
 *
 * Every run ends with the table of targets: each figure as a ratio or a time measured in this
 * same run, its target, and whether it was met (a figure whose section did not run says so).
 * `--only targets` runs just what that table needs, with small samples (sections 1, 2, 3, 8, 9
 * and the native mutants of section 5 on three seeds).
 *
 * Flags: --quick (fewer rounds), --only <section number | targets>.
 */
import fc from 'fast-check';
import { execa } from 'execa';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../harness/cli/check.ts';
import { createDriver, type ImplementationSpec } from '../harness/drive/drivers.ts';
import { exchange } from '../harness/drive/driver.ts';
import { Session } from '../harness/drive/session.ts';
import { Run } from '../harness/judge/runner.ts';
import { executePlan } from '../harness/judge/execute.ts';
import type { Command } from '../harness/generate/plan.ts';
import { createReferenceImplementation } from '../harness/drive/reference-implementation.ts';
import { PROPERTIES } from '../properties/index.ts';
import { type Action, type State, initialState, settle, step } from '../reference/index.ts';
import { DEFAULT_CONFIG, type WorldConfig } from '../spec/config.ts';
import { implOf, listMutants, namesMutant } from '../fixtures/mutants/catalogue.ts';
import { CANARY_RUNS, checkMutants, tally, totalsLine } from './mutant-checks.ts';
import type { Outcome, Reply } from '../spec/messages.ts';
import { defaultRuleCoverage } from './rules.ts';

const args = process.argv.slice(2);
const onlyArg = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const targetsOnly = onlyArg === 'targets';
const quick = args.includes('--quick') || targetsOnly;
const only = onlyArg === undefined || targetsOnly ? null : Number(onlyArg);
if (onlyArg !== undefined && !targetsOnly && !(Number.isInteger(only) && only! >= 1 && only! <= 10)) {
  console.error(`bench: --only ${onlyArg}: expected a section number 1–10 or "targets"`);
  process.exit(2);
}
/** Does this run include a section? `--only targets` runs those the table of targets needs. */
const runs = (section: number): boolean => (targetsOnly ? [1, 2, 3, 5, 8, 9].includes(section) : only === null || only === section);
const silent = { out: () => {}, err: () => {} };
// The native implementation as `npm run check` starts it: compiled by scripts/build.mjs (run below).
const NATIVE = 'node dist/native/main.js';
const REFERENCE_SUBPROCESS = 'node bin/dualsock.js serve-reference';
const tmp = mkdtempSync(join(tmpdir(), 'dualsock-bench-'));

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Prints rows as columns: the first (and, with `textLast`, the last) left-aligned, numbers right-aligned. */
function table(rows: (string | number)[][], textLast = false): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  const left = (c: number): boolean => c === 0 || (textLast && c === widths.length - 1);
  for (const row of rows) console.log('  ' + row.map((cell, c) => (left(c) ? String(cell).padEnd(widths[c]!) : String(cell).padStart(widths[c]!))).join('  ').trimEnd());
}

/** A figure of the table of targets, measured in this run. */
interface Figure {
  readonly value: number;
  /** How the value reads (a ratio, seconds). */
  readonly shown: string;
}
const figures = new Map<string, Figure>();

/** The targets, one row each: what is measured, the target, and whether a value meets it. */
const TARGETS: readonly { id: string; figure: string; target: string; met: (value: number) => boolean }[] = [
  { id: 'help', figure: '`dualsock --help` wall time ÷ `node -e 0`', target: '≤ 2.5×', met: (v) => v <= 2.5 },
  { id: 'native-ready', figure: 'native: hello + first reset', target: '≤ 1 s idle', met: (v) => v <= 1 },
  { id: 'driver', figure: 'subprocess driver ÷ raw JSON-lines ping-pong (§2)', target: '≥ 0.95', met: (v) => v >= 0.95 },
  { id: 'check-messages', figure: 'full check vs serve-reference, messages/s ÷ ping-pong round trips/s (§2)', target: '≥ 0.5', met: (v) => v >= 0.5 },
  { id: 'plain', figure: 'plain asyncModelRun steps/s ÷ our in-process steps/s (§3)', target: '≤ 2.5', met: (v) => v <= 2.5 },
  { id: 'default-check', figure: 'default `npm run check` against native, wall time (§9)', target: '≤ 30 s idle', met: (v) => v <= 30 },
  { id: 'catch-native', figure: 'time to catch, native mutants, slowest median (§5)', target: '< 5 s', met: (v) => v < 5 },
  { id: 'catch-inprocess', figure: 'time to catch, in-process mutants, slowest median (§5)', target: '< 1 s', met: (v) => v < 1 },
];

function record(id: string, value: number, shown: string): void {
  figures.set(id, { value, shown });
}

function printTargets(): void {
  console.log('\nTargets (each figure measured in this run; ratios are what count, absolute rates move with the machine)');
  const rows: (string | number)[][] = [['figure', 'measured', 'target', 'met']];
  for (const t of TARGETS) {
    const f = figures.get(t.id);
    rows.push([t.figure, f ? f.shown : 'not measured', t.target, f ? (t.met(f.value) ? 'yes' : 'NO') : '-']);
  }
  table(rows);
}

const command = (text: string): ImplementationSpec => ({ kind: 'command', argv: text.split(' ') as [string, ...string[]] });

// ── 1. full checks ───────────────────────────────────────────────────────

async function fullChecks(): Promise<Record<string, { runsPerS: number; callsPerS: number; messagesPerS: number }>> {
  console.log('\n1. A full check (every property, seed 1, 20 runs each; runs and calls per second)');
  const targets: [string, ImplementationSpec][] = [
    ['reference, in-process', { kind: 'factory', factory: createReferenceImplementation }],
    ['reference, serve-reference', command(REFERENCE_SUBPROCESS)],
    ['native (subprocess)', command(NATIVE)],
  ];
  const rows: (string | number)[][] = [['implementation', 'runs', 'calls', 'seconds', 'runs/s', 'calls/s', 'messages/s', 'exit']];
  const out: Record<string, { runsPerS: number; callsPerS: number; messagesPerS: number }> = {};
  for (const [name, impl] of targets) {
    const started = performance.now();
    const summary = await check(
      { impl, seed: 1, runs: quick ? 5 : 20, only: [], strict: false, expectedFailures: [], reports: [], timeoutMs: 20_000, budgetMs: 600_000, outDir: tmp },
      silent,
    );
    const seconds = (performance.now() - started) / 1000;
    out[name] = { runsPerS: summary.runs / seconds, callsPerS: summary.calls / seconds, messagesPerS: summary.messages / seconds };
    rows.push([name, summary.runs, summary.calls, fmt(seconds, 1), fmt(summary.runs / seconds, 1), fmt(summary.calls / seconds), fmt(summary.messages / seconds), summary.exitCode]);
  }
  table(rows);
  return out;
}

// ── 2. the subprocess driver beside a raw ping-pong ──────────────────────

const ECHO = `
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const m = JSON.parse(line);
  if (m.type === 'hello') process.stdout.write(JSON.stringify({ type: 'hello', id: m.id, version: 1, name: 'echo', capabilities: { families: ['net', 'dss'], handshakes: [], faults: [] } }) + '\\n');
  else if (m.type === 'settle') process.stdout.write(JSON.stringify({ type: 'settled', id: m.id, pending: [] }) + '\\n');
  else if (m.type === 'bye') { process.stdout.write(JSON.stringify({ type: 'ack', id: m.id }) + '\\n'); process.exit(0); }
  else process.stdout.write(JSON.stringify({ type: 'ack', id: m.id }) + '\\n');
});`;

/** Raw round trips: write a settle line, wait for the settled line, no validation, no ids kept. */
async function rawPingPong(rounds: number): Promise<number> {
  const child = execa('node', ['-e', ECHO], { stdin: 'pipe', stdout: 'pipe', buffer: false });
  const stdout = child.stdout!;
  let buffer = '';
  let waiting: (() => void) | null = null;
  stdout.setEncoding('utf8');
  stdout.on('data', (chunk: string) => {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      buffer = buffer.slice(newline + 1);
      const resolve = waiting;
      waiting = null;
      resolve?.();
    }
  });
  const roundTrip = (id: number): Promise<void> =>
    new Promise((resolve) => {
      waiting = resolve;
      child.stdin!.write(JSON.stringify({ type: 'settle', id }) + '\n');
    });
  for (let i = 0; i < 500; i++) await roundTrip(i);
  const started = performance.now();
  for (let i = 0; i < rounds; i++) await roundTrip(i);
  const perS = rounds / ((performance.now() - started) / 1000);
  child.stdin!.end();
  child.kill();
  await child.catch(() => {});
  return perS;
}

/** The same round trips through the subprocess driver: framing, schema validation, id tracking, deadlines. */
async function driverRoundTrips(rounds: number): Promise<number> {
  const driver = createDriver({ kind: 'command', argv: ['node', '-e', ECHO] }, { timeoutMs: 20_000 });
  await driver.start();
  for (let i = 0; i < 500; i++) await exchange(driver, { type: 'settle', id: driver.nextId() });
  const started = performance.now();
  for (let i = 0; i < rounds; i++) await exchange(driver, { type: 'settle', id: driver.nextId() });
  const perS = rounds / ((performance.now() - started) / 1000);
  await driver.stop();
  return perS;
}

async function driverOverhead(checks: Record<string, { messagesPerS: number }> | null): Promise<void> {
  console.log('\n2. The subprocess driver beside a raw JSON-lines ping-pong (same two kinds of process; medians of alternating rounds)');
  const rounds = quick ? 2000 : 5000;
  const raw: number[] = [];
  const driven: number[] = [];
  for (let i = 0; i < (quick ? 3 : 7); i++) {
    raw.push(await rawPingPong(rounds));
    driven.push(await driverRoundTrips(rounds));
  }
  const r = median(raw);
  const d = median(driven);
  table([
    ['', 'round trips/s', 'ratio', 'target'],
    ['raw ping-pong', fmt(r), '', ''],
    ['subprocess driver', fmt(d), fmt(d / r, 2), '≥ 0.95'],
  ]);
  record('driver', d / r, fmt(d / r, 2));
  const served = checks?.['reference, serve-reference'];
  if (served) {
    console.log(`  full check against serve-reference: ${fmt(served.messagesPerS)} protocol messages/s = ${fmt(served.messagesPerS / r, 2)} of the ping-pong's round trips/s (target ≥ 0.5)`);
    record('check-messages', served.messagesPerS / r, fmt(served.messagesPerS / r, 2));
  }
}

// ── 3. a full check beside plain asyncModelRun ───────────────────────────

async function versusAsyncModelRun(): Promise<void> {
  console.log(`\n3. In-process steps/s: a full check beside fast-check's asyncModelRun over the same command sequences (medians of ${quick ? 1 : 3} alternating rounds)`);
  const properties = PROPERTIES.filter((p) => ['net-calls', 'dss-calls', 'streams', 'cbt-allocation'].includes(p.id));
  const samples = properties.flatMap((p) => fc.sample(fc.tuple(p.world, p.plan), { seed: 5, numRuns: quick ? 15 : 60 }));
  const driver = createDriver({ kind: 'factory', factory: createReferenceImplementation });
  const session = new Session(driver, await driver.start());

  // Ours: plan resolution, the epoch search, inspections, frontier — everything a check does.
  const recorded: { world: WorldConfig; commands: Command[] }[] = [];
  let ourSteps = 0;
  const oursRound = async (): Promise<number> => {
    let steps = 0;
    recorded.length = 0;
    const started = performance.now();
    for (const [world, plan] of samples) {
      const run = new Run(session, world, {});
      await run.reset();
      await executePlan(run, plan);
      steps += run.commands.length;
      recorded.push({ world, commands: [...run.commands] });
    }
    ourSteps = steps;
    return steps / ((performance.now() - started) / 1000);
  };

  // Plain: the same commands as fast-check AsyncCommands; each sends its request, settles, and
  // steps the model once with the answers (calls of a batch in issue order: no search).
  let plainSteps = 0;
  const plainRound = async (): Promise<number> => {
    let steps = 0;
    const started = performance.now();
    for (const { world, commands } of recorded) {
      await session.reset(world);
      const model: { state: State } = { state: initialState(world) };
      const asyncCommands = commands
        .filter((c) => c.type !== 'handshake')
        .map(
          (c): fc.AsyncCommand<{ state: State }, Session> => ({
            check: () => true,
            run: async (m, s) => {
              const actions: Action[] = [];
              if (c.type === 'call') actions.push({ type: 'call', id: s.call(c.process, c.call), process: c.process, call: c.call });
              else if (c.type === 'batch') {
                const ids = await s.batch(c.calls);
                c.calls.forEach((call, i) => actions.push({ type: 'call', id: ids[i]!, process: call.process, call: call.call }));
              } else if (c.type === 'tick') {
                await s.tick(1);
                actions.push({ type: 'tick' });
              } else if (c.type === 'fault') {
                await s.fault(c.fault);
                actions.push({ type: 'fault', fault: c.fault });
              }
              const settled = await s.settle();
              const answers = new Map<string, Outcome>();
              for (const r of settled.replies as Reply[]) if (r.type === 'result') answers.set(String(r.id), r.outcome);
              for (const action of actions) {
                const result = step(m.state, action, { observed: (key) => answers.get(key) });
                if (result.kind === 'ok') m.state = settle(result.state, (key) => answers.get(key)).state;
              }
              steps += 1;
            },
            toString: () => c.type,
          }),
        );
      await fc.asyncModelRun(() => ({ model, real: session }), asyncCommands);
    }
    plainSteps = steps;
    return steps / ((performance.now() - started) / 1000);
  };

  // Alternating rounds, medians: neither side gets the other's warm JIT for free.
  const oursRates: number[] = [];
  const plainRates: number[] = [];
  for (let round = 0; round < (quick ? 1 : 3); round++) {
    oursRates.push(await oursRound());
    plainRates.push(await plainRound());
  }
  const ours = median(oursRates);
  const plain = median(plainRates);
  await driver.stop();
  table([
    ['', 'steps', 'steps/s', 'plain ÷ ours', 'target'],
    ['full check (in-process)', ourSteps, fmt(ours), '', ''],
    ['asyncModelRun, same commands', plainSteps, fmt(plain), fmt(plain / ours, 2), '≤ 2.5'],
  ]);
  record('plain', plain / ours, fmt(plain / ours, 2));
}

// ── 4. handshakes per second ─────────────────────────────────────────────

async function handshakesPerSecond(): Promise<void> {
  console.log('\n4. Handshakes/s (both roles by the implementation, alternating file-system and database, no faults)');
  const rows: (string | number)[][] = [['implementation', 'handshakes', 'seconds', 'handshakes/s', 'calls/s']];
  const world: WorldConfig = { ...DEFAULT_CONFIG, hosts: [{ name: 'srv', processes: ['S'] }, { name: 'cli', processes: ['C'] }] };

  for (const [name, impl] of [
    ['reference, serve-reference', command(REFERENCE_SUBPROCESS)],
    ['native (subprocess)', command(NATIVE)],
  ] as const) {
    const driver = createDriver(impl, { timeoutMs: 20_000 });
    const session = new Session(driver, await driver.start());
    const count = quick ? 20 : 100;
    let calls = 0;
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      const run = new Run(session, world, {});
      await run.reset();
      const flow = i % 2 ? 'db' : 'fs';
      await run.exec({
        type: 'handshake',
        scenario: { flow, server: { process: 'S', by: 'impl' }, client: { process: 'C', by: 'impl' }, stg: 1, deviation: null, fault: null, together: false },
      });
      if (run.failure) throw new Error(`${name}: handshake failed: ${JSON.stringify(run.failure)}`);
      calls += run.stats.calls + run.stats.roleCalls;
    }
    const seconds = (performance.now() - started) / 1000;
    await driver.stop();
    rows.push([name, count, fmt(seconds, 1), fmt(count / seconds, 1), fmt(calls / seconds)]);
  }
  table(rows);
}

// ── 5. mutants: time to catch ────────────────────────────────────────────

/**
 * Each mutant checked as the canary checks it (bench/mutant-checks.ts, shared with
 * bench/right-requirement.mjs): caught, how fast, how short, and under the documented requirement.
 */
async function mutants(): Promise<void> {
  const rows: (string | number)[][] = [['mutant', 'requirement', 'kind', 'caught', 'median s', 'max s', 'median steps', 'shortest', 'right requirement']];
  const seeds = quick ? [1, 2, 3] : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  // The table of targets alone needs the native mutants (the slow ones) and a sample of the rest.
  const list = listMutants().filter((m, i) => !targetsOnly || m.kind === 'native-patch' || i % 5 === 0);
  console.log(
    `\n5. Mutants: median time to catch (find + shrink) over ${seeds.length} seeds (the canary's check: its property, up to ${CANARY_RUNS} runs), shrunk length${targetsOnly ? `; ${list.length} mutants: the native ones and every fifth of the rest` : ''}`,
  );
  const tallies = tally(await checkMutants(list, seeds));
  const slowest = { 'native-patch': 0, inprocess: 0 };
  for (const t of tallies) {
    if (t.seconds.length > 0) slowest[t.mutant.kind] = Math.max(slowest[t.mutant.kind], median([...t.seconds]));
    const elsewhere = [...t.others].map(([req, n]) => `${n}× ${req}`).join(', ');
    rows.push([
      t.mutant.name,
      t.mutant.requirement,
      t.mutant.kind,
      `${t.caught}/${t.checks}`,
      fmt(median([...t.seconds]), 2),
      fmt(Math.max(...t.seconds, 0), 2),
      fmt(median([...t.steps]), 1),
      t.mutant.shortest,
      `${t.right}/${t.caught}${elsewhere ? ` (${elsewhere})` : ''}`,
    ]);
  }
  table(rows, true);
  console.log(`  ${totalsLine(tallies, seeds.length)}`);
  record('catch-native', slowest['native-patch'], `${fmt(slowest['native-patch'], 2)} s`);
  record('catch-inprocess', slowest.inprocess, `${fmt(slowest.inprocess, 2)} s`);
}

// ── 6. no false positives ────────────────────────────────────────────────

async function noFalsePositives(): Promise<void> {
  const seeds = Array.from({ length: quick ? 3 : 20 }, (_, i) => 101 + i);
  console.log(`\n6. No false positives: correct implementations over ${seeds.length} seeds (every property, 10 runs each per seed)`);
  const rows: (string | number)[][] = [['implementation', 'seeds', 'conforms', 'runs', 'seconds', 'failing seeds']];
  for (const [name, impl] of [
    ['reference, in-process', { kind: 'factory', factory: createReferenceImplementation }],
    ['reference, serve-reference', command(REFERENCE_SUBPROCESS)],
    ['native (subprocess)', command(NATIVE)],
  ] as const) {
    let conforms = 0;
    let runs = 0;
    const failing: string[] = [];
    const started = performance.now();
    for (const seed of seeds) {
      const summary = await check(
        { impl: impl as ImplementationSpec, seed, runs: 10, only: [], strict: false, expectedFailures: [], reports: [], timeoutMs: 20_000, budgetMs: 600_000, outDir: tmp },
        silent,
      );
      runs += summary.runs;
      if (summary.exitCode === 0) conforms += 1;
      else failing.push(`${seed}(exit ${summary.exitCode}${summary.failures[0] ? `: ${summary.failures[0].counterexample.violated[0]}` : ''})`);
    }
    rows.push([name, seeds.length, conforms, runs, fmt((performance.now() - started) / 1000, 0), failing.join(' ') || '-']);
  }
  table(rows);
}

// ── 7. mutants at default settings ───────────────────────────────────────

/** `dualsock check --impl <mutant> --seed 1` and nothing else: every property, default runs and budget. */
async function mutantsAtDefaults(): Promise<void> {
  console.log('\n7. Mutants at default settings (every property, default runs and budget, seed 1)');
  const rows: (string | number)[][] = [['mutant', 'requirement', 'exit', 'seconds', 'properties failing', 'named by']];
  let right = 0;
  const list = listMutants();
  for (const info of list) {
    const impl = implOf(info);
    const started = performance.now();
    const summary = await check({ impl, seed: 1, only: [], strict: false, expectedFailures: [], reports: [], timeoutMs: 20_000, outDir: tmp }, silent);
    const naming = summary.failures.filter((f) => namesMutant(info, f.counterexample.violated[0])).map((f) => f.property);
    if (naming.length > 0) right += 1;
    rows.push([info.name, info.requirement, summary.exitCode, fmt((performance.now() - started) / 1000, 1), summary.failures.length, naming.length > 0 ? naming.join(',') : 'none']);
  }
  table(rows, true);
  console.log(`  ${right} of ${list.length} mutants caught under their requirement by at least one property`);
}

// ── 8. start-up ──────────────────────────────────────────────────────────

/** Median wall time of a command, in seconds, over a few alternating samples. */
async function wallTime(argv: string[]): Promise<number> {
  const started = performance.now();
  await execa(argv[0]!, argv.slice(1), { reject: false });
  return (performance.now() - started) / 1000;
}

async function startUp(): Promise<void> {
  const samples = quick ? 5 : 9;
  console.log(`\n8. Start-up (medians of ${samples} alternating samples)`);
  const bare: number[] = [];
  const help: number[] = [];
  for (let i = 0; i < samples; i++) {
    bare.push(await wallTime(['node', '-e', '0']));
    help.push(await wallTime(['node', 'bin/dualsock.js', '--help']));
  }
  // hello and the first reset, as a check starts the implementation: the reset builds its machinery.
  const ready: number[] = [];
  for (let i = 0; i < (quick ? 3 : 5); i++) {
    const started = performance.now();
    const driver = createDriver(command(NATIVE), { timeoutMs: 120_000 });
    const session = new Session(driver, await driver.start());
    await session.reset(DEFAULT_CONFIG);
    ready.push((performance.now() - started) / 1000);
    await driver.stop();
  }
  const [b, h, r] = [median(bare), median(help), median(ready)];
  table([
    ['', 'seconds', 'ratio', 'target'],
    ['node -e 0', fmt(b, 3), '', ''],
    ['dualsock --help', fmt(h, 3), fmt(h / b, 2), '≤ 2.5×'],
    ['native: hello + first reset', fmt(r, 3), '', '≤ 1 s'],
  ]);
  record('help', h / b, `${fmt(h / b, 2)}× (${fmt(h, 2)} s ÷ ${fmt(b, 2)} s)`);
  record('native-ready', r, `${fmt(r, 2)} s`);
}

// ── 9. the default check ─────────────────────────────────────────────────

async function defaultCheck(): Promise<void> {
  console.log('\n9. The default check against the native implementation (`npm run check`: every property, default runs, seed 1, --jobs 2; and with one instance)');
  const rows: (string | number)[][] = [['', 'runs', 'planned', 'calls', 'seconds', 'outcome']];
  for (const jobs of [2, 1]) {
    const started = performance.now();
    const summary = await check({ impl: command(NATIVE), seed: 1, only: [], strict: false, expectedFailures: [], reports: [], timeoutMs: 30_000, outDir: tmp, jobs }, silent);
    const seconds = (performance.now() - started) / 1000;
    rows.push([`native, seed 1, --jobs ${jobs}`, summary.runs, summary.plannedRuns, summary.calls, fmt(seconds, 1), `${summary.outcome} (exit ${summary.exitCode})`]);
    // The target is the command as `npm run check` runs it.
    if (jobs === 2) record('default-check', seconds, `${fmt(seconds, 1)} s (--jobs 2), ${summary.runs} runs, ${summary.outcome}`);
  }
  table(rows);
}

async function main(): Promise<void> {
  console.log(`dualsock bench — node ${process.version}, ${new Date().toISOString()}${quick ? ' (quick)' : ''}${targetsOnly ? ', the table of targets only' : ''}`);
  // The native implementation and the CLI run compiled, as users run them.
  await execa('node', ['scripts/build.mjs'], { stdio: 'inherit' });
  let checks: Awaited<ReturnType<typeof fullChecks>> | null = null;
  if (runs(8)) await startUp();
  if (runs(1) || runs(2)) checks = await fullChecks();
  if (runs(2)) await driverOverhead(checks);
  if (runs(3)) await versusAsyncModelRun();
  if (runs(4)) await handshakesPerSecond();
  if (runs(5)) await mutants();
  if (runs(6)) await noFalsePositives();
  if (runs(7)) await mutantsAtDefaults();
  if (runs(9)) await defaultCheck();
  if (runs(10)) await defaultRuleCoverage();
  printTargets();
}

await main();
