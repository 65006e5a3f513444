/**
 * `dualsock check`: runs the property catalogue against one implementation
 * and turns what happened into verdicts, reports and an exit code.
 *
 * One session for the whole check (reset between runs, never respawn). Each
 * property runs under fast-check with its own seed, derived from the check's
 * seed; a failure is saved as a counterexample file at once, then shrunk (the
 * file is rewritten as smaller ones turn up), then reported with a one-line
 * replay command. A saved corpus of counterexamples can run first.
 */
import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomInt } from 'node:crypto';
import { PROPERTIES, type Property } from '../../properties/index.ts';
import { REQUIREMENTS, requirement } from '../../spec/requirements.ts';
import type { HelloReply } from '../../spec/messages.ts';
import type { WorldConfig } from '../../spec/config.ts';
import { createDriver, parseImplementationSpec as parseSpec, type ImplementationSpec } from '../drive/drivers.ts';
import type { Driver } from '../drive/driver.ts';
import { Session } from '../drive/session.ts';
import { type Answer, InvalidCommand, Run } from '../judge/runner.ts';
import { executePlan } from '../judge/execute.ts';
import type { Command, PlanStep } from '../generate/plan.ts';
import { CheckerGaveUp } from '../judge/checker.ts';
import { ProtocolError } from '../drive/protocol-error.ts';
import { UsageError } from '../drive/usage-error.ts';
import { type Counterexample, COUNTEREXAMPLE_FORMAT, CounterexampleError, loadCounterexample, saveCounterexample, traceText } from '../judge/counterexample.ts';
import { type Tally, type Verdict, verdicts } from '../judge/verdicts.ts';
import { EXIT, type CheckOptions, type Output, type ReplayOptions } from '../judge/options.ts';
import { writeReports, consoleSummary } from '../report/report.ts';

export const VERSION = '0.1.0';

/** The CLI's parsed flags, and (for our tests and the bench) the property catalogue to use. */
export type EngineOptions = CheckOptions & {
  /** The properties to run (default: the catalogue). */
  readonly properties?: readonly Property[];
};


export interface CheckSummary {
  readonly exitCode: number;
  readonly seed: number;
  readonly verdicts: readonly Verdict[];
  readonly failures: readonly PropertyFailure[];
  readonly runs: number;
  readonly calls: number;
  readonly epochs: number;
  /** Protocol messages the harness sent (requests of every kind). */
  readonly messages: number;
  readonly handshakes: number;
  /** How many runs reached each deep situation (GOALS and fault points). */
  readonly goals: ReadonlyMap<string, number>;
  readonly protocolError: ProtocolError | null;
  readonly skipped: ReadonlyMap<string, number>;
  readonly elapsedMs: number;
}

export interface PropertyFailure {
  readonly property: string;
  readonly seed: number;
  readonly path: string;
  readonly file: string;
  readonly counterexample: Counterexample;
}

const DEFAULT_RUNS = 100;
const DEFAULT_BUDGET_MS = 60_000;

/** A stable 31-bit seed per property: replaying one property needs only the check's seed and its id. */
export function propertySeed(seed: number, id: string): number {
  let h = seed >>> 0;
  for (let i = 0; i < id.length; i++) h = (Math.imul(h ^ id.charCodeAt(i), 0x01000193) + 0x9e3779b9) >>> 0;
  return h & 0x7fffffff;
}

export function implText(spec: ImplementationSpec, given?: string): { text: string; shell: boolean } {
  if (given) return { text: given, shell: spec.kind === 'shell' };
  switch (spec.kind) {
    case 'module':
      return { text: spec.path, shell: false };
    case 'command':
      return { text: spec.argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' '), shell: false };
    case 'shell':
      return { text: spec.command, shell: true };
    case 'factory':
      return { text: '(in-process factory)', shell: false };
  }
}

function quote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Properties selected by --only: by property id, chapter, or a requirement they target. */
export function selectProperties(all: readonly Property[], only: readonly string[]): Property[] {
  if (only.length === 0) return [...all];
  return all.filter((p) => only.some((o) => o === p.id || o === p.chapter || p.reqs.includes(o)));
}

/** Requirements no run can reach when a capability is missing. */
function reqsOfCapability(capability: string): string[] {
  if (capability === 'handshakes' || capability.startsWith('role:')) return REQUIREMENTS.filter((r) => r.chapter === 'fs' || r.chapter === 'db' || r.chapter === 'handshake').map((r) => r.id);
  const kind = capability.replace(/^fault:/, '');
  const map: Record<string, string[]> = {
    crash: ['FAULT-CRASH-TEARDOWN', 'FAULT-RECOVER-RECLAIMS'],
    recover: ['FAULT-RECOVER-RECLAIMS'],
    partition: ['FAULT-PARTITION-HOLDS', 'FAULT-HEAL-DELIVERS'],
    heal: ['FAULT-HEAL-DELIVERS'],
    reset: ['FAULT-RESET'],
    'stg-fail': ['FAULT-STG-FAIL-EIO'],
    'stg-repair': ['FAULT-STG-FAIL-EIO'],
    'cbt-reserve': ['FAULT-CBT-RESERVE'],
    'cbt-release': ['FAULT-CBT-RESERVE'],
    delay: ['FAULT-DELAY-CHANNEL'],
    undelay: ['FAULT-DELAY-CHANNEL'],
  };
  return map[kind] ?? [];
}

class Accumulator {
  readonly exercised = new Map<string, number>();
  readonly failures = new Map<string, { detail: string; counterexample: string | null }>();
  readonly findings = new Map<string, string>();
  readonly skipped = new Map<string, string>();
  readonly skippedCapabilities = new Map<string, number>();
  runs = 0;
  calls = 0;
  epochs = 0;
  handshakes = 0;
  readonly goals = new Map<string, number>();

  absorb(run: Run): void {
    this.runs += 1;
    for (const goal of run.goals) this.goals.set(goal, (this.goals.get(goal) ?? 0) + 1);
    this.calls += run.stats.calls;
    this.handshakes += run.stats.handshakes;
    this.epochs += run.stats.epochs;
    for (const [req, n] of run.touched) this.exercised.set(req, (this.exercised.get(req) ?? 0) + n);
    for (const finding of run.soft) if (!this.findings.has(finding.req)) this.findings.set(finding.req, finding.message);
    for (const [capability, n] of run.skipped) {
      this.skippedCapabilities.set(capability, (this.skippedCapabilities.get(capability) ?? 0) + n);
      for (const req of reqsOfCapability(capability)) this.skipped.set(req, `the implementation does not support ${capability}`);
    }
  }

  tally(expected: ReadonlyMap<string, string>): Tally {
    return { exercised: this.exercised, failures: this.failures, findings: this.findings, skipped: this.skipped, expected };
  }
}

export async function runCheck(options: EngineOptions, output: Output): Promise<number> {
  return (await check(options, output)).exitCode;
}

export async function check(options: EngineOptions, output: Output): Promise<CheckSummary> {
  const started = Date.now();
  const seed = options.seed ?? randomInt(0, 0x7fffffff);
  const impl = implText(options.impl, options.implText);
  const acc = new Accumulator();
  const failures: PropertyFailure[] = [];
  const expected = new Map(options.expectedFailures.map((e) => [e.requirement, e.reason]));
  const outDir = resolve(options.outDir ?? '.dualsock/counterexamples');
  let protocolError: ProtocolError | null = null;
  let hello: HelloReply | null = null;
  let session: Session | null = null;
  const driver: Driver = createDriver(options.impl, { timeoutMs: options.timeoutMs });
  const stopSignals = installInterrupt(driver);

  const finish = (exitCode: number): CheckSummary => {
    const list = verdicts(acc.tally(expected), options.strict);
    const summary: CheckSummary = {
      exitCode,
      seed,
      verdicts: list,
      failures,
      runs: acc.runs,
      calls: acc.calls,
      epochs: acc.epochs,
      messages: session?.messages ?? 0,
      handshakes: acc.handshakes,
      goals: acc.goals,
      protocolError,
      skipped: acc.skippedCapabilities,
      elapsedMs: Date.now() - started,
    };
    output.out(consoleSummary(summary, { impl: impl.text, name: hello?.name ?? '?' }));
    writeReports(options.reports, summary, { impl: impl.text, name: hello?.name ?? '?', version: VERSION });
    return summary;
  };

  try {
    hello = await driver.start();
    acc.exercised.set('WIRE-HELLO-CORE', 1);
    session = new Session(driver, hello);
    output.out(`dualsock ${VERSION}: checking ${impl.text} ("${hello.name}", protocol v${hello.version}) with seed ${seed}\n`);
    const missing = missingCapabilities(hello, options.require ?? []);
    if (missing.length > 0) {
      output.err(`dualsock: the implementation does not declare ${missing.join(', ')}, which --require demands.\n`);
      for (const m of missing) for (const req of reqsOfCapability(m)) acc.failures.set(req, { detail: `required capability ${m} not declared`, counterexample: null });
      await driver.stop();
      return finish(EXIT.nonConformance);
    }

    if (options.corpus) await replayCorpus(options.corpus, session, acc, output, expected);

    const pathProperty = options.path?.split(':')[0];
    const chosen = pathProperty ? selectProperties(options.properties ?? PROPERTIES, [pathProperty]) : selectProperties(options.properties ?? PROPERTIES, options.only);
    // Shards split the properties round-robin: every machine runs the same seeds, each its own share.
    const selected = options.shard ? chosen.filter((_, i) => i % options.shard!.count === options.shard!.index - 1) : chosen;
    if (options.shard) output.out(`  shard ${options.shard.index}/${options.shard.count}: ${selected.map((p) => p.id).join(', ') || 'no property'}\n`);
    if (chosen.length === 0) throw new UsageError(`--only ${options.only.join(',')} matches no property, chapter or targeted requirement; run \`dualsock list\` to see them.`);
    const totalWeight = selected.reduce((n, p) => n + p.weight, 0);
    const budget = options.budgetMs ?? DEFAULT_BUDGET_MS;
    for (const [index, property] of selected.entries()) {
      const lacking = [
        ...(property.needs?.handshakes ?? []).filter((r) => !hello!.capabilities.handshakes.includes(r)).map((r) => `role:${r}`),
        ...(property.needs?.faults ?? []).filter((f) => !hello!.capabilities.faults.includes(f as never)).map((f) => `fault:${f}`),
      ];
      if (lacking.length > 0) {
        for (const capability of lacking) {
          acc.skippedCapabilities.set(capability, (acc.skippedCapabilities.get(capability) ?? 0) + 1);
          for (const req of property.reqs) if (!acc.skipped.has(req)) acc.skipped.set(req, `property ${property.id} needs ${capability}`);
        }
        output.out(`  ${property.id}: skipped (needs ${lacking.join(', ')})\n`);
        continue;
      }
      const runs = options.runs ?? Math.max(1, Math.round((DEFAULT_RUNS * property.weight * selected.length) / totalWeight));
      const budgetMs = Math.max(1000, Math.round((budget * property.weight) / totalWeight));
      const failure = await runProperty(session, property, {
        seed: propertySeed(seed, property.id),
        baseSeed: seed,
        runs,
        budgetMs,
        path: options.path?.split(':').slice(1).join(':'),
        thorough: (options.thorough ?? false) || (property.thorough ?? false),
        impl,
        outDir,
        saveTo: options.saveTo,
        acc,
        output,
        progress: options.progress ?? false,
        position: `${index + 1}/${selected.length}`,
      });
      if (failure instanceof ProtocolError) {
        protocolError = failure;
        const file = join(outDir, `${property.id}-seed${seed}.json`);
        output.out(`\n✗ ${property.id}: the implementation broke the wire protocol during a run; the run up to that point is saved.\n  saved:  ${file}\n  replay: npx dualsock replay ${quote(file)}\n`);
        break;
      }
      if (failure) {
        failures.push(failure);
        const primary = failure.counterexample.violated[0]!;
        if (!acc.failures.has(primary)) acc.failures.set(primary, { detail: `${failure.counterexample.expected} — got ${failure.counterexample.actual}`, counterexample: failure.file });
      }
    }
    await driver.stop();
    if (driver.broken && !protocolError) protocolError = driver.broken;
  } catch (error) {
    await driver.stop();
    if (error instanceof ProtocolError) protocolError = error;
    else if (error instanceof UsageError) {
      output.err(`dualsock: ${error.message}\n`);
      return finish(EXIT.usage);
    } else if (error instanceof CheckerGaveUp) {
      output.err(`dualsock: ${error.message}. This is a limit of the harness, not a verdict; please report it with the seed ${seed}.\n`);
      return finish(EXIT.usage);
    } else throw error;
  } finally {
    stopSignals();
  }
  if (protocolError) {
    output.err(protocolError.message + '\n');
    return finish(EXIT.protocol);
  }
  const list = verdicts(acc.tally(expected), options.strict);
  return finish(list.some((v) => v.status === 'fail') ? EXIT.nonConformance : EXIT.conforms);
}

function missingCapabilities(hello: HelloReply, required: readonly string[]): string[] {
  return required.filter((capability) => {
    if (capability === 'net' || capability === 'dss') return !hello.capabilities.families.includes(capability);
    if (['fs-server', 'fs-client', 'db-server', 'db-client'].includes(capability)) return !hello.capabilities.handshakes.includes(capability as never);
    return !hello.capabilities.faults.includes(capability as never);
  });
}

/** Ctrl-C: end the implementation's process tree before we go. */
function installInterrupt(driver: Driver): () => void {
  const onSignal = (signal: NodeJS.Signals): void => {
    void driver.stop().finally(() => process.kill(process.pid, signal));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

interface PropertyRunOptions {
  readonly seed: number;
  readonly baseSeed: number;
  readonly runs: number;
  readonly budgetMs: number;
  readonly path: string | undefined;
  readonly thorough: boolean;
  readonly impl: { text: string; shell: boolean };
  readonly outDir: string;
  readonly saveTo: string | undefined;
  readonly acc: Accumulator;
  readonly output: Output;
  readonly progress: boolean;
  readonly position: string;
}

async function runProperty(session: Session, property: Property, o: PropertyRunOptions): Promise<PropertyFailure | ProtocolError | null> {
  let broken: ProtocolError | null = null;
  let last: { run: Run; world: WorldConfig; plan: PlanStep[] } | null = null;
  let failuresSeen = 0;
  let done = 0;
  const file = join(o.outDir, `${property.id}-seed${o.baseSeed}.json`);
  const started = Date.now();
  const tty = o.progress;
  const show = (): void => {
    if (tty) process.stderr.write(`\r  [${o.position}] ${property.id}: ${done}/${o.runs} runs${failuresSeen ? `, shrinking (${failuresSeen} failing)` : ''}, ${((Date.now() - started) / 1000).toFixed(1)}s   `);
  };

  const save = (status: 'shrinking' | 'final', path: string): Counterexample => {
    const { run, world } = last!;
    const failure = run.failure ?? { reqs: ['WIRE-WELL-FORMED'], expected: broken?.message ?? 'a well-formed exchange', actual: 'the implementation broke the wire protocol', command: run.commands.length - 1 };
    const replay = `npx dualsock replay ${quote(file)}`;
    const reproduce = `npx dualsock check --impl ${quote(o.impl.text)}${o.impl.shell ? ' --shell' : ''} --seed ${o.baseSeed} --path ${property.id}:${path}`;
    const counterexample: Counterexample = {
      format: COUNTEREXAMPLE_FORMAT,
      dualsock: VERSION,
      status,
      implementation: o.impl.text + (o.impl.shell ? ' (--shell)' : ''),
      property: property.id,
      seed: o.baseSeed,
      path,
      violated: [...failure.reqs],
      expected: failure.expected,
      actual: failure.actual,
      failedAt: failure.command,
      thorough: o.thorough,
      world,
      steps: run.commands as Counterexample['steps'],
      answers: run.answers,
      trace: run.trace.map((t) => ({ command: t.command, what: t.what, lines: [...t.lines] })),
      replay,
      reproduce,
    };
    saveCounterexample(file, counterexample);
    return counterexample;
  };

  // The budget is ours, not fast-check's interruptAfterTimeLimit: fast-check would return while
  // a run is still sending calls, and that run would talk over the next property's reset. Past
  // the deadline every run passes at once, so the runs left and any shrinking end quickly.
  const deadline = Date.now() + o.budgetMs;
  let outOfBudget = false;
  const body = fc.asyncProperty(property.world, property.plan, async (world, plan) => {
    if (broken) return true;
    if (Date.now() > deadline) {
      outOfBudget = true;
      return true;
    }
    const run = new Run(session, world, { thorough: o.thorough });
    try {
      await run.reset();
      const ok = await executePlan(run, plan);
      o.acc.absorb(run);
      done += 1;
      if (!ok) {
        failuresSeen += 1;
        // Keep the smallest failing run (fast-check reports the last one it shrank to).
        last = { run, world, plan };
        save('shrinking', '?');
      }
      show();
      return ok;
    } catch (error) {
      if (error instanceof ProtocolError) {
        broken = error;
        last = { run, world, plan };
        save('final', '?');
        return false;
      }
      throw error;
    }
  });

  const params: fc.Parameters<[WorldConfig, PlanStep[]]> = {
    seed: o.seed,
    numRuns: o.path ? 1 : o.runs,
    ...(o.path ? { path: o.path, endOnFailure: true } : {}),
  };
  const result = await fc.check(body, params);
  if (tty) process.stderr.write('\r' + ' '.repeat(100) + '\r');
  if (broken) return broken;
  if (result.errorInstance && !result.failed) throw result.errorInstance;
  if (!result.failed || !last) {
    o.output.out(`  ${property.id}: ${done} runs, no failure${outOfBudget ? ' (budget reached)' : ''}\n`);
    return null;
  }
  if (result.errorInstance && !(last as { run: Run } | null)) throw result.errorInstance;
  // fast-check shrinks the plan; a plan step may stand for several commands (a connected pair,
  // a race). Dropping single commands (and single calls of a batch) while the same requirement
  // still fails finishes the job.
  const smaller = await shrinkCommands(session, last as { run: Run; world: WorldConfig }, o.thorough, Date.now() + Math.max(2000, o.budgetMs / 4));
  if (smaller) last = { run: smaller, world: (last as { world: WorldConfig }).world, plan: (last as { plan: PlanStep[] }).plan };
  const counterexample = save('final', result.counterexamplePath ?? '?');
  if (o.saveTo) saveCounterexample(join(resolve(o.saveTo), `${property.id}-seed${o.baseSeed}.json`), { ...counterexample });
  o.output.out(describeFailure(property, counterexample, file, result.numShrinks));
  return { property: property.id, seed: o.seed, path: counterexample.path, file, counterexample };
}

/**
 * Drop commands one at a time — and calls from batches — while a replay still fails under the
 * same requirement. Returns the smallest failing run found, or null if nothing could go.
 */
async function shrinkCommands(session: Session, failing: { run: Run; world: WorldConfig }, thorough: boolean, deadline: number): Promise<Run | null> {
  const primary = failing.run.failure?.reqs[0];
  if (!primary) return null;
  let best: Run | null = null;
  const end = (failing.run.failure?.command ?? failing.run.commands.length - 1) + 1;
  // Steps and what they answered when recorded, kept side by side so that replays can rename descriptors.
  let steps: Command[] = failing.run.commands.slice(0, end);
  let answers: Answer[][] = failing.run.answers.slice(0, end).map((a) => [...a]);
  const attempt = async (candidate: Command[], recorded: Answer[][]): Promise<Run | null> => {
    try {
      const run = await replaySteps(session, { world: failing.world, steps: candidate as Counterexample['steps'], thorough, answers: recorded });
      return run.failure?.reqs[0] === primary ? run : null;
    } catch (error) {
      // Dropping a command can leave a later one impossible (a call to a process still blocked).
      if (error instanceof InvalidCommand) return null;
      throw error;
    }
  };
  const adopt = (run: Run): void => {
    const last = run.failure!.command + 1;
    steps = run.commands.slice(0, last);
    answers = run.answers.slice(0, last).map((a) => [...a]);
    best = run;
  };
  for (let progress = true; progress && Date.now() < deadline; ) {
    progress = false;
    // Runs of commands first (a connected pair is socket, connect, accept: useless one by one), then single ones.
    for (const width of [3, 2]) {
      for (let i = steps.length - width; i >= 0 && Date.now() < deadline; i--) {
        if (steps.length <= width) break;
        const run = await attempt([...steps.slice(0, i), ...steps.slice(i + width)], [...answers.slice(0, i), ...answers.slice(i + width)]);
        if (run) {
          adopt(run);
          progress = true;
        }
      }
    }
    for (let i = steps.length - 1; i >= 0 && Date.now() < deadline; i--) {
      if (i >= steps.length) continue;
      if (steps.length > 1) {
        const run = await attempt([...steps.slice(0, i), ...steps.slice(i + 1)], [...answers.slice(0, i), ...answers.slice(i + 1)]);
        if (run) {
          adopt(run);
          progress = true;
          continue;
        }
      }
      const step = steps[i]!;
      if (step.type !== 'batch') continue;
      for (let j = step.calls.length - 1; j >= 0 && Date.now() < deadline; j--) {
        const calls = step.calls.filter((_, c) => c !== j);
        const smaller: Command = calls.length === 1 ? { type: 'call', process: calls[0]!.process, call: calls[0]!.call } : { type: 'batch', calls };
        const recorded = answers[i]!.filter((_, c) => c !== j);
        const run = await attempt([...steps.slice(0, i), smaller, ...steps.slice(i + 1)], [...answers.slice(0, i), recorded, ...answers.slice(i + 1)]);
        if (run) {
          adopt(run);
          progress = true;
          break;
        }
      }
    }
  }
  return best;
}

/** "1 step", "3 steps". */
function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export function describeFailure(property: Property | { id: string }, c: Counterexample, file: string, shrinks?: number): string {
  const req = requirement(c.violated[0]!);
  const others = c.violated.slice(1).filter((r) => r !== req.id);
  return [
    ``,
    `✗ ${property.id}: ${req.id} (${req.level}) — ${req.title}`,
    `    ${req.text}`,
    `  expected: ${c.expected}`,
    `  actual:   ${c.actual}`,
    others.length ? `  related:  ${others.join(', ')}` : '',
    `  counterexample (${plural(c.steps.length, 'step')}${shrinks !== undefined ? `, shrunk ${plural(shrinks, 'time')}` : ''}), world: ${worldLine(c.world)}`,
    traceText(c.trace),
    `  saved:     ${file}`,
    `  replay:    ${c.replay}`,
    `  reproduce: ${c.reproduce}`,
    '',
  ]
    .filter((line) => line !== '')
    .join('\n') + '\n';
}

function worldLine(world: WorldConfig): string {
  const hosts = world.hosts.map((h) => `${h.name}{${h.processes.join(',')}}`).join(' ');
  const stgs = world.stgs.map((s) => `stg${s.id}(len ${s.length}, ports ${s.ports[0]}..${s.ports[1]})`).join(' ');
  return `${hosts}; cbt ${world.cbt.capacity}; ${stgs}; boundary ${world.fdBoundary}; dynamic ${world.netPorts[0]}..${world.netPorts[1]}; connectTimeout ${world.ticks.connectTimeout}, stepTimeout ${world.ticks.stepTimeout}`;
}

// ── replay ───────────────────────────────────────────────────────────────

export interface ReplayOutcome {
  readonly reproduced: boolean;
  readonly run: Run;
}

/** Replays a counterexample's steps once on an open session (`onRun` sees the run as it goes, for reports of a break). */
export async function replaySteps(session: Session, c: Pick<Counterexample, 'world' | 'steps' | 'thorough' | 'answers'>, onRun?: (run: Run) => void): Promise<Run> {
  const run = new Run(session, c.world, { thorough: c.thorough, recorded: c.answers });
  onRun?.(run);
  await run.reset();
  for (const step of c.steps) if (!(await run.exec(step as never))) break;
  return run;
}

function sameFailure(a: Run, c: Counterexample): boolean {
  return a.failure !== null && a.failure.reqs[0] === c.violated[0] && a.failure.command === c.failedAt;
}

async function replayCorpus(dir: string, session: Session, acc: Accumulator, output: Output, _expected: ReadonlyMap<string, string>): Promise<void> {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch (error) {
    throw new UsageError(`--corpus ${dir}: ${(error as Error).message}; expected a directory of counterexample files`);
  }
  output.out(`  corpus: replaying ${files.length} saved counterexample(s) from ${dir}\n`);
  for (const name of files) {
    const path = join(dir, name);
    const c = loadCounterexample(path);
    const run = await replaySteps(session, c);
    acc.absorb(run);
    if (run.failure) {
      const primary = run.failure.reqs[0]!;
      if (!acc.failures.has(primary)) acc.failures.set(primary, { detail: `${run.failure.expected} — got ${run.failure.actual} (corpus ${name})`, counterexample: path });
      output.out(`  corpus ${name}: ✗ ${primary}: expected ${run.failure.expected}; got ${run.failure.actual}\n`);
    } else {
      output.out(`  corpus ${name}: passes\n`);
    }
  }
}

export async function runReplay(options: ReplayOptions & { readonly implText?: string }, output: Output): Promise<number> {
  if (!options.file) {
    // A seed and a path: that is check's exact re-run of one failure.
    if (!options.impl) {
      output.err('dualsock replay --seed N --path P also needs --impl (a counterexample file records it; a path does not).\n');
      return EXIT.usage;
    }
    return runCheck({ impl: options.impl, seed: options.seed, path: options.path, only: [], strict: false, expectedFailures: [], reports: [], timeoutMs: options.timeoutMs }, output);
  }
  let c: Counterexample;
  try {
    c = loadCounterexample(options.file);
  } catch (error) {
    if (error instanceof CounterexampleError) {
      output.err(`dualsock replay: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
  const spec = options.impl ?? specFromRecorded(c.implementation);
  const driver = createDriver(spec, { timeoutMs: options.timeoutMs });
  const stopSignals = installInterrupt(driver);
  let current: Run | null = null;
  try {
    const hello = await driver.start();
    const session = new Session(driver, hello);
    output.out(`dualsock replay: ${c.steps.length} steps of ${c.property} (seed ${c.seed}) against ${implText(spec, options.implText).text}, twice\n`);
    const first = await replaySteps(session, c, (run) => (current = run));
    const second = await replaySteps(session, c, (run) => (current = run));
    await driver.stop();
    const a = sameFailure(first, c);
    const b = sameFailure(second, c);
    const shown = first.failure ? first : second;
    output.out(traceText(shown.trace) + '\n');
    if (!a && !b) {
      output.out(`✓ not reproduced: both replays pass${first.failure ? ` (the first failed differently: ${first.failure.reqs[0]})` : ''}. Recorded: ${c.violated[0]} — ${c.expected}; got ${c.actual}\n`);
      return first.failure || second.failure ? EXIT.nonConformance : EXIT.conforms;
    }
    const label = a && b ? 'deterministic' : 'flaky (reproduced in one replay of two)';
    const failure = (a ? first : second).failure!;
    const req = requirement(failure.reqs[0]!);
    output.out(`✗ reproduced, ${label}: ${req.id} (${req.level}) — ${req.title}\n  expected: ${failure.expected}\n  actual:   ${failure.actual}\n`);
    return EXIT.nonConformance;
  } catch (error) {
    await driver.stop();
    if (error instanceof ProtocolError) {
      const run = current as Run | null;
      if (run) output.out(`the replay up to the break:\n${traceText(run.trace)}\n  #${run.commands.length - 1} was running\n`);
      output.err(error.message + '\n');
      return EXIT.protocol;
    }
    if (error instanceof UsageError) {
      output.err(`dualsock replay: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  } finally {
    stopSignals();
  }
}

function specFromRecorded(recorded: string): ImplementationSpec {
  const shell = recorded.endsWith(' (--shell)');
  const text = shell ? recorded.slice(0, -' (--shell)'.length) : recorded;
  if (text === '(in-process factory)') throw new UsageError('this counterexample came from an in-process factory; pass --impl to replay it');
  return parseSpec(text, shell);
}
