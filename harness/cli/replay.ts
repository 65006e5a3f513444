/**
 * `dualsock replay` and the corpus: counterexample files run again.
 *
 * A counterexample file may come from anyone. dualsock never runs what one
 * names: the implementation it records is information, shown to the user with
 * the exact command to run it, and only `--impl` on the command line decides
 * what is started. A file that is not a counterexample, or whose steps cannot
 * be played in its own world, is a usage error that names the file and says
 * what to do, never a stack trace.
 */
import { REQUIREMENTS } from '../../spec/requirements.ts';
import { createDriver } from '../drive/drivers.ts';
import { Session } from '../drive/session.ts';
import { ProtocolError } from '../drive/protocol-error.ts';
import { UsageError } from '../drive/usage-error.ts';
import { printable } from '../drive/untrusted.ts';
import type { Counterexample } from '../judge/counterexample.ts';
import { stepsText } from '../report/failure.ts';
import { type ReplayVerdict, judgeReplays } from '../judge/replay.ts';
import type { RunFailure } from '../judge/record.ts';
import { match } from 'ts-pattern';
import type { Run } from '../judge/runner.ts';
import { shellQuote } from '../judge/property-run.ts';
import { EXIT, type Output, type ReplayOptions } from '../judge/options.ts';
import { runCheck } from './check.ts';
import { implText, installInterrupt } from './implementation.ts';
import { loadFile, replayFile } from './corpus.ts';

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
    c = loadFile(options.file);
  } catch (error) {
    output.err(`dualsock replay: ${printable((error as Error).message, { multiline: true })}\n`);
    return EXIT.usage;
  }
  if (!options.impl) {
    // The recorded implementation is what someone else ran; running it is the user's decision.
    const recorded = c.implementation.endsWith(' (--shell)') ? c.implementation.slice(0, -' (--shell)'.length) : c.implementation;
    const shell = recorded !== c.implementation;
    output.err(
      `dualsock replay: this file records the implementation ${printable(JSON.stringify(c.implementation))}.\n` +
        'dualsock never runs an implementation named inside a file. Name the one to replay against with --impl, for example:\n' +
        `  npx dualsock replay ${shellQuote(printable(options.file))} --impl ${shellQuote(printable(recorded))}${shell ? ' --shell' : ''}\n`,
    );
    return EXIT.usage;
  }
  const spec = options.impl;
  const driver = createDriver(spec, { timeoutMs: options.timeoutMs });
  const stopSignals = installInterrupt([driver]);
  let current: Run | null = null;
  try {
    const hello = await driver.start();
    const session = new Session(driver, hello);
    output.out(`dualsock replay: ${c.steps.length} steps of ${printable(c.property)} (seed ${c.seed}) against ${printable(implText(spec, options.implText).text)}, twice\n`);
    const first = await replayFile(session, options.file, c, (run) => (current = run));
    const second = await replayFile(session, options.file, c, (run) => (current = run));
    await driver.stop();
    if (driver.broken) throw driver.broken;
    const shown = first.failure ? first : second;
    output.out(stepsText(shown.trace) + '\n');
    const { text, exit } = replayVerdictText(c, judgeReplays(c, first, second));
    output.out(text);
    return exit;
  } catch (error) {
    await driver.stop();
    if (error instanceof ProtocolError) {
      const run = current as Run | null;
      if (run) output.out(`the replay up to the break:\n${stepsText(run.trace)}\n  #${run.commands.length - 1} was running\n`);
      output.err(error.message + '\n');
      return EXIT.protocol;
    }
    if (error instanceof UsageError) {
      output.err(`dualsock replay: ${printable(error.message, { multiline: true })}\n`);
      return EXIT.usage;
    }
    throw error;
  } finally {
    stopSignals();
  }
}

/**
 * The words and exit code for two replays of a file. A replay that fails differently is said to
 * fail, with the requirement and step it fails at now next to the recorded ones, and exits 1: a
 * person or a CI gate reading "not reproduced" would take the bug for fixed.
 */
export function replayVerdictText(c: Pick<Counterexample, 'violated' | 'failedAt' | 'expected' | 'actual'>, verdict: ReplayVerdict): { text: string; exit: number } {
  const recorded = `recorded: ${printable(c.violated[0] ?? '?')} at step #${c.failedAt} — expected ${printable(c.expected)}; got ${printable(c.actual)}`;
  return match(verdict)
    .with({ type: 'reproduced' }, ({ failure, other }) => {
      const label = match(other)
        .with({ type: 'same' }, () => 'deterministic')
        .with({ type: 'passed' }, () => 'flaky (reproduced in one replay of two; the other passed)')
        .with({ type: 'other' }, (o) => `flaky (reproduced in one replay of two; the other failed differently, ${where(o.failure)})`)
        .exhaustive();
      return { text: `✗ reproduced, ${label}: ${headline(failure)}\n${details(failure)}`, exit: EXIT.nonConformance };
    })
    .with({ type: 'differs' }, ({ failure, other }) => {
      const second = match(other)
        .with({ type: 'same' }, () => '')
        .with({ type: 'passed' }, () => '  (the other replay passed: the failure is flaky)\n')
        .with({ type: 'other' }, (o) => (sameAs(o.failure, failure) ? '' : `  (the other replay failed differently again, ${where(o.failure)})\n`))
        .exhaustive();
      const text = `✗ still fails, differently: now ${headline(failure)}, at step #${failure.command}\n${details(failure)}${second}  ${recorded}\n`;
      return { text, exit: EXIT.nonConformance };
    })
    .with({ type: 'passes' }, () => ({ text: `✓ not reproduced: both replays pass (${recorded})\n`, exit: EXIT.conforms }))
    .exhaustive();
}

/** "NET-ACCEPT-FIFO (MUST) — accept takes the oldest queued connection"; an id the index does not know, as it came. */
function headline(failure: RunFailure): string {
  const id = failure.reqs[0] ?? '?';
  const known = REQUIREMENTS.find((r) => r.id === id);
  return known ? `${known.id} (${known.level}) — ${known.title}` : printable(id);
}

function details(failure: RunFailure): string {
  return `  expected: ${printable(failure.expected)}\n  actual:   ${printable(failure.actual)}\n`;
}

function where(failure: RunFailure): string {
  return `${printable(failure.reqs[0] ?? '?')} at step #${failure.command}`;
}

function sameAs(a: RunFailure, b: RunFailure): boolean {
  return a.reqs[0] === b.reqs[0] && a.command === b.command;
}
