/**
 * Counterexample files played again: a saved corpus before a check's random runs, and the
 * steps of one file for `dualsock replay`. A file that is not a counterexample, or whose steps
 * cannot be played in its own world, is a usage error that names the file and says what to do.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Session } from '../drive/session.ts';
import { UsageError } from '../drive/usage-error.ts';
import { printable } from '../drive/untrusted.ts';
import type { Accumulator } from '../judge/accumulator.ts';
import { type Counterexample, CounterexampleError, loadCounterexample } from '../judge/counterexample.ts';
import { replaySteps } from '../judge/replay.ts';
import { InvalidCommand, type Run } from '../judge/runner.ts';
import type { Output } from '../judge/options.ts';

/** A file's steps, played on a session; an impossible step is the file's fault, said with its name. */
export async function replayFile(session: Session, file: string, c: Counterexample, onRun?: (run: Run) => void): Promise<Run> {
  try {
    return await replaySteps(session, c, onRun);
  } catch (error) {
    if (error instanceof InvalidCommand) {
      throw new UsageError(
        `${file}: step cannot be played in the file's own world: ${error.message}. The file was edited or written by another version of dualsock; re-run the check that wrote it (its "reproduce" line) to get a fresh one.`,
      );
    }
    throw error;
  }
}

export function loadFile(file: string): Counterexample {
  try {
    return loadCounterexample(file);
  } catch (error) {
    if (error instanceof CounterexampleError) throw new UsageError(error.message);
    throw error;
  }
}

export async function replayCorpus(dir: string, session: Session, acc: Accumulator, output: Output): Promise<void> {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch (error) {
    throw new UsageError(`--corpus ${dir}: ${(error as Error).message}; expected a directory of counterexample files`);
  }
  output.out(`  corpus: replaying ${files.length} saved counterexample(s) from ${printable(dir)}\n`);
  for (const name of files) {
    const path = join(dir, name);
    const c = loadFile(path);
    const run = await replayFile(session, path, c);
    acc.absorb(run, false);
    if (run.failure) {
      const primary = run.failure.reqs[0]!;
      acc.fail(primary, `${run.failure.expected} — got ${run.failure.actual} (corpus ${name})`, path);
      output.out(`  corpus ${printable(name)}: ✗ ${primary}: expected ${printable(run.failure.expected)}; got ${printable(run.failure.actual)}\n`);
    } else {
      output.out(`  corpus ${printable(name)}: passes\n`);
    }
  }
}

