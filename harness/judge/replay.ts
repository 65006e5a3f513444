/**
 * Replaying a counterexample's concrete steps on an open session: the same
 * world, the same commands, descriptors renamed through what the recorded run
 * answered — used by the command-level shrinker, `dualsock replay` and the corpus.
 */
import type { Session } from '../drive/session.ts';
import type { Counterexample } from './counterexample.ts';
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
export function sameFailure(run: Run, c: Counterexample): boolean {
  return run.failure !== null && run.failure.reqs[0] === c.violated[0] && run.failure.command === c.failedAt;
}
