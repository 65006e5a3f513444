/**
 * One property's share of a check: its planned runs under fast-check, each
 * run judged against the model; the first failure saved at once, shrunk by
 * fast-check and then command by command, and saved again.
 *
 * What ends a property, and what each means for the verdict:
 * - every planned run judged: complete;
 * - a run failed under a requirement not expected to fail: failed (shrunk, saved);
 * - the implementation broke the wire protocol: broken (the run so far is saved);
 * - the harness itself threw (the checker gave up, a bug of ours): harness-error, never a pass
 *   and never shrunk as if it were the implementation's failure; the command that re-runs the
 *   run it happened in comes with it;
 * - the --budget cap ran out: cut, and the check cannot conform.
 * A failure under an expected requirement is recorded, saved, and the property goes on, as
 * vitest's `test.fails` would have it: the rest of the property is still checked.
 *
 * Nothing here depends on the wall clock except the optional budget cap, and a cap that fires
 * is always reported: the same seed runs the same cases in the same order on any machine.
 */
import fc from 'fast-check';
import type { Property } from '../../properties/index.ts';
import type { WorldConfig } from '../../spec/config.ts';
import type { Session } from '../drive/session.ts';
import { ProtocolError } from '../drive/protocol-error.ts';
import type { Command, PlanStep } from '../generate/plan.ts';
import { executePlan } from './execute.ts';
import { type Answer, InvalidCommand, Run } from './runner.ts';
import { type Counterexample, COUNTEREXAMPLE_FORMAT, VERSION, claimFile, saveCounterexample } from './counterexample.ts';
import { replaySteps } from './replay.ts';
import type { Accumulator } from './accumulator.ts';
import type { CheckerLimits } from './checker.ts';
import type { PropertyFailure, PropertyTally } from './summary.ts';



/** Replays the command-level shrinker may spend on one failure: a count, so the result is the same on any machine. */
export const SHRINK_REPLAYS_MAX = 300;

/** A stable 31-bit seed per property: replaying one property needs only the check's seed and its id. */
export function propertySeed(seed: number, id: string): number {
  let h = seed >>> 0;
  for (let i = 0; i < id.length; i++) h = (Math.imul(h ^ id.charCodeAt(i), 0x01000193) + 0x9e3779b9) >>> 0;
  return h & 0x7fffffff;
}

/** A shell word, quoted only when it needs to be. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

export interface PropertyRunOptions {
  readonly seed: number;
  readonly baseSeed: number;
  readonly runs: number;
  /** The check's budget cap (epoch ms), or null: a property past it ends as `cut`. */
  readonly deadline: number | null;
  readonly path: string | undefined;
  readonly thorough: boolean;
  /** The checker's limits (default: DEFAULT_LIMITS); tests make them small to reach a give-up. */
  readonly limits?: CheckerLimits;
  readonly impl: { text: string; shell: boolean };
  readonly outDir: string;
  /** How files are named in printed commands (relative to the working directory). */
  readonly shown: (file: string) => string;
  readonly saveTo: string | undefined;
  readonly acc: Accumulator;
  /** Requirements the expected-failures file lists. */
  readonly expected: ReadonlySet<string>;
  /** Runs judged so far of the planned ones; `shrinking` once a failure is being shrunk. */
  readonly onProgress?: (ran: number, planned: number, shrinking: boolean) => void;
}

export interface PropertyOutcome {
  readonly tally: PropertyTally;
  /** The failure that ended the property, or an expected one recorded on the way. */
  readonly failures: readonly PropertyFailure[];
  readonly shrinks: number;
  readonly broken: { error: ProtocolError; file: string | null } | null;
  readonly harnessError: Error | null;
  /** With a harness error met in a planned run: the command that re-runs that one run. */
  readonly reproduce: string | null;
}

type Last = { run: Run; world: WorldConfig; plan: PlanStep[] };

export async function runProperty(session: Session, property: Property, o: PropertyRunOptions): Promise<PropertyOutcome> {
  let broken: ProtocolError | null = null;
  let harnessError: Error | null = null;
  let reproduce: string | null = null;
  let last: Last | null = null;
  let ran = 0;
  let shrinking = false;
  let cut = false;
  let file: string | null = null;
  const failures: PropertyFailure[] = [];
  const started = Date.now();
  const expectedSeen = new Set<string>();

  const counterexampleOf = (found: Last, status: 'shrinking' | 'final', path: string, at: string): Counterexample => {
    const { run, world } = found;
    const failure = run.failure ?? { reqs: ['WIRE-WELL-FORMED'], expected: broken?.message ?? 'a well-formed exchange', actual: 'the implementation broke the wire protocol', command: run.commands.length - 1 };
    return {
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
      replay: `npx dualsock replay ${shellQuote(o.shown(at))} --impl ${shellQuote(o.impl.text)}${o.impl.shell ? ' --shell' : ''}`,
      reproduce: `npx dualsock check --impl ${shellQuote(o.impl.text)}${o.impl.shell ? ' --shell' : ''} --seed ${o.baseSeed} --path ${property.id}:${path}`,
    };
  };
  // The file is claimed on the first failure, under a name no other check has taken.
  const save = (status: 'shrinking' | 'final', path: string): Counterexample => {
    file ??= claimFile(o.outDir, `${property.id}-seed${o.baseSeed}`);
    const counterexample = counterexampleOf(last!, status, path, file);
    saveCounterexample(file, counterexample);
    return counterexample;
  };

  const body = fc.asyncProperty(property.world, property.plan, async (world, plan) => {
    if (broken || harnessError || cut) return true;
    if (o.deadline !== null && Date.now() > o.deadline) {
      cut = !shrinking;
      return true;
    }
    const run = new Run(session, world, { thorough: o.thorough, limits: o.limits });
    try {
      await run.reset();
      const ok = await executePlan(run, plan);
      // A shrink attempt is not one of the planned runs: what it exercises counts, the run does not.
      o.acc.absorb(run, !shrinking);
      if (!shrinking) ran += 1;
      if (!ok) {
        const primary = run.failure!.reqs[0]!;
        if (!shrinking && o.expected.has(primary)) {
          // An expected failure: keep its first counterexample, then go on checking the rest.
          if (!expectedSeen.has(primary)) {
            expectedSeen.add(primary);
            const at = claimFile(o.outDir, `${property.id}-seed${o.baseSeed}-expected-${primary}`);
            const counterexample = counterexampleOf({ run, world, plan }, 'final', '?', at);
            saveCounterexample(at, counterexample);
            failures.push({ property: property.id, seed: o.seed, path: '?', file: at, counterexample, expected: true });
          }
          o.onProgress?.(ran, o.runs, false);
          return true;
        }
        shrinking = true;
        // Keep the smallest failing run (fast-check reports the last one it shrank to).
        last = { run, world, plan };
        save('shrinking', '?');
      }
      o.onProgress?.(ran, o.runs, shrinking);
      return ok;
    } catch (error) {
      if (error instanceof ProtocolError) {
        broken = error;
        last = { run, world, plan };
        save('final', '?');
        return true;
      }
      harnessError = error instanceof Error ? error : new Error(String(error));
      // The planned run it happened in is fast-check's path `ran` (a shrink attempt has no path of its own).
      if (!shrinking) reproduce = `npx dualsock check --impl ${shellQuote(o.impl.text)}${o.impl.shell ? ' --shell' : ''} --seed ${o.baseSeed} --path ${property.id}:${o.path ?? ran}`;
      return true;
    }
  });

  const params: fc.Parameters<[WorldConfig, PlanStep[]]> = {
    seed: o.seed,
    numRuns: o.path ? 1 : o.runs,
    ...(o.path ? { path: o.path, endOnFailure: true } : {}),
  };
  const result = await fc.check(body, params);
  const planned = o.path ? 1 : o.runs;
  const tally = (ended: PropertyTally['ended'], why: string | null): PropertyTally => ({ id: property.id, planned, ran, ended, why, elapsedMs: Date.now() - started });
  const outcome = (t: PropertyTally, extra: Partial<PropertyOutcome> = {}): PropertyOutcome => ({ tally: t, failures, shrinks: 0, broken: null, harnessError: null, reproduce: null, ...extra });

  if (broken) return outcome(tally('broken', 'the implementation broke the wire protocol'), { broken: { error: broken, file } });
  if (harnessError) return outcome(tally('harness-error', (harnessError as Error).message), { harnessError, reproduce });
  // An error fast-check caught outside our body (a generator of ours) is the harness's too.
  if (result.failed && !last) {
    const error = result.errorInstance instanceof Error ? result.errorInstance : new Error(String(result.errorInstance));
    return outcome(tally('harness-error', error.message), { harnessError: error });
  }
  if (!result.failed || !last) {
    if (cut) return outcome(tally('cut', `the --budget ran out after ${ran} of ${planned} planned runs`));
    return outcome(tally('complete', null));
  }
  // fast-check shrinks the plan; a plan step may stand for several commands (a connected pair,
  // a race). Dropping single commands (and single calls of a batch) while the same requirement
  // still fails finishes the job.
  let found: Last = last;
  try {
    const smaller = await shrinkCommands(session, found, o.thorough, SHRINK_REPLAYS_MAX);
    if (smaller) found = { run: smaller, world: found.world, plan: found.plan };
  } catch (error) {
    if (error instanceof ProtocolError) {
      // The failure stands; the break during shrinking is reported with it.
      broken = error;
    } else throw error;
  }
  last = found;
  const counterexample = save('final', result.counterexamplePath ?? '?');
  if (o.saveTo) saveCounterexample(claimFile(o.saveTo, `${property.id}-seed${o.baseSeed}`), { ...counterexample });
  failures.push({ property: property.id, seed: o.seed, path: counterexample.path, file: file!, counterexample, expected: false });
  return outcome(tally('failed', `a run failed under ${counterexample.violated[0]}`), { shrinks: result.numShrinks, broken: broken ? { error: broken, file } : null });
}

/**
 * Drop commands one at a time — and calls from batches — while a replay still fails under the
 * same requirement, spending at most `replaysMax` replays. Returns the smallest failing run
 * found, or null if nothing could go.
 */
async function shrinkCommands(session: Session, failing: { run: Run; world: WorldConfig }, thorough: boolean, replaysMax: number): Promise<Run | null> {
  const primary = failing.run.failure?.reqs[0];
  if (!primary) return null;
  let best: Run | null = null;
  let replays = 0;
  const spent = (): boolean => replays >= replaysMax;
  const end = (failing.run.failure?.command ?? failing.run.commands.length - 1) + 1;
  // Steps and what they answered when recorded, kept side by side so that replays can rename descriptors.
  let steps: Command[] = failing.run.commands.slice(0, end);
  let answers: Answer[][] = failing.run.answers.slice(0, end).map((a) => [...a]);
  const attempt = async (candidate: Command[], recorded: Answer[][]): Promise<Run | null> => {
    replays += 1;
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
  const without = (i: number, width: number): [Command[], Answer[][]] => [
    [...steps.slice(0, i), ...steps.slice(i + width)],
    [...answers.slice(0, i), ...answers.slice(i + width)],
  ];
  for (let progress = true; progress && !spent(); ) {
    progress = false;
    // Runs of commands first (a connected pair is socket, connect, accept: useless one by one), then single ones.
    for (const width of [3, 2]) {
      for (let i = steps.length - width; i >= 0 && !spent(); i--) {
        if (steps.length <= width) break;
        const run = await attempt(...without(i, width));
        if (run) {
          adopt(run);
          progress = true;
        }
      }
    }
    for (let i = steps.length - 1; i >= 0 && !spent(); i--) {
      if (i >= steps.length) continue;
      if (steps.length > 1) {
        const run = await attempt(...without(i, 1));
        if (run) {
          adopt(run);
          progress = true;
          continue;
        }
      }
      if (await shrinkBatch(i)) progress = true;
    }
  }
  return best;

  async function shrinkBatch(i: number): Promise<boolean> {
    const step = steps[i]!;
    if (step.type !== 'batch') return false;
    for (let j = step.calls.length - 1; j >= 0 && !spent(); j--) {
      const calls = step.calls.filter((_, c) => c !== j);
      const smaller: Command = calls.length === 1 ? { type: 'call', process: calls[0]!.process, call: calls[0]!.call } : { type: 'batch', calls };
      const recorded = answers[i]!.filter((_, c) => c !== j);
      const run = await attempt([...steps.slice(0, i), smaller, ...steps.slice(i + 1)], [...answers.slice(0, i), recorded, ...answers.slice(i + 1)]);
      if (run) {
        adopt(run);
        return true;
      }
    }
    return false;
  }
}
