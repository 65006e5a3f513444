/**
 * Replaying a counterexample's concrete steps on an open session: the same
 * world, the same commands, descriptors renamed through what the recorded run
 * answered — used by the command-level shrinker, `dualsock replay` and the corpus.
 */
import type { Session } from '../drive/session.ts';
import type { Counterexample } from './counterexample.ts';
import type { RunFailure } from './record.ts';
import { Run } from './runner.ts';

/** Replays a counterexample's steps once (`onRun` sees the run as it goes, for reports of a break). */
export async function replaySteps(session: Session, c: Pick<Counterexample, 'world' | 'steps' | 'thorough' | 'answers'>, onRun?: (run: Run) => void): Promise<Run> {
  const run = new Run(session, c.world, { thorough: c.thorough, recorded: c.answers });
  onRun?.(run);
  await run.reset();
  for (const step of c.steps) if (!(await run.exec(step as never))) break;
  return run;
}

/** The replay failed as the file says: the same first requirement at the same step. */
export function sameFailure(run: Pick<Run, 'failure'>, c: Pick<Counterexample, 'violated' | 'failedAt'>): boolean {
  return run.failure !== null && run.failure.reqs[0] === c.violated[0] && run.failure.command === c.failedAt;
}

/**
 * What two replays of one counterexample come to. A file is replayed twice so that a failure
 * that shows only sometimes is called flaky rather than fixed; a replay that fails under another
 * requirement or at another step is a failure still, never "not reproduced".
 * - `reproduced`: at least one replay failed as recorded; `other` is how the other replay went
 *   (`same` too: deterministic).
 * - `differs`: neither failed as recorded but one did fail: `failure` is the first such, `other`
 *   how the other replay went.
 * - `passes`: both replays passed.
 */
export type ReplayVerdict =
  | { readonly type: 'reproduced'; readonly failure: RunFailure; readonly other: ReplayOutcome }
  | { readonly type: 'differs'; readonly failure: RunFailure; readonly other: ReplayOutcome }
  | { readonly type: 'passes' };

/** How one replay went against the file: failed as recorded, failed another way, or passed. */
export type ReplayOutcome =
  | { readonly type: 'same' }
  | { readonly type: 'other'; readonly failure: RunFailure }
  | { readonly type: 'passed' };

export function replayOutcome(run: Pick<Run, 'failure'>, c: Pick<Counterexample, 'violated' | 'failedAt'>): ReplayOutcome {
  if (!run.failure) return { type: 'passed' };
  return sameFailure(run, c) ? { type: 'same' } : { type: 'other', failure: run.failure };
}

export function judgeReplays(c: Pick<Counterexample, 'violated' | 'failedAt'>, first: Pick<Run, 'failure'>, second: Pick<Run, 'failure'>): ReplayVerdict {
  const a = replayOutcome(first, c);
  const b = replayOutcome(second, c);
  if (a.type === 'same') return { type: 'reproduced', failure: first.failure!, other: b };
  if (b.type === 'same') return { type: 'reproduced', failure: second.failure!, other: a };
  if (a.type === 'other') return { type: 'differs', failure: a.failure, other: b };
  if (b.type === 'other') return { type: 'differs', failure: b.failure, other: a };
  return { type: 'passes' };
}
