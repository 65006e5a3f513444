/**
 * Why this test? `dualsock replay` is what a person holding a failing file runs after a fix. A
 * replay that now fails under another requirement, or at another step, still fails: saying "not
 * reproduced" there (with a ✓) sends the person away thinking the bug is gone. Each verdict is
 * pinned here, and one file is replayed for real against the mutant it came from, with its
 * recorded requirement changed, as a file from an older run would be.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { createReferenceImplementation } from '../drive/reference-implementation.ts';
import { judgeReplays } from '../judge/replay.ts';
import type { RunFailure } from '../judge/record.ts';
import { EXIT, type Output } from '../judge/options.ts';
import createSendShortWrite from '../../fixtures/mutants/send-short-write/index.ts';
import { replayVerdictText, runReplay } from './replay.ts';

const FILE = { violated: ['DATA-SEND-COMPLETE'], failedAt: 6, expected: '9 (network sends do not block)', actual: '8' };
const fails = (req: string, command: number): { failure: RunFailure } => ({ failure: { reqs: [req], expected: 'e', actual: 'a', command } });
const passes = { failure: null };
const asRecorded = fails('DATA-SEND-COMPLETE', 6);

describe('two replays of a file, in words', () => {
  test.each([
    { name: 'both as recorded', first: asRecorded, second: asRecorded, exit: EXIT.nonConformance, phrase: /^✗ reproduced, deterministic: DATA-SEND-COMPLETE \(MUST\)/ },
    { name: 'one as recorded, one passes', first: passes, second: asRecorded, exit: EXIT.nonConformance, phrase: /^✗ reproduced, flaky \(reproduced in one replay of two; the other passed\): DATA-SEND-COMPLETE/ },
    {
      name: 'one as recorded, one differently',
      first: fails('NET-BIND-INUSE', 3),
      second: asRecorded,
      exit: EXIT.nonConformance,
      phrase: /^✗ reproduced, flaky \(reproduced in one replay of two; the other failed differently, NET-BIND-INUSE at step #3\): DATA-SEND-COMPLETE/,
    },
    {
      name: 'both under another requirement',
      first: fails('NET-BIND-INUSE', 3),
      second: fails('NET-BIND-INUSE', 3),
      exit: EXIT.nonConformance,
      phrase: /^✗ still fails, differently: now NET-BIND-INUSE \(MUST\) — .*, at step #3\n[\s\S]*recorded: DATA-SEND-COMPLETE at step #6/,
    },
    {
      name: 'the recorded requirement at another step',
      first: fails('DATA-SEND-COMPLETE', 4),
      second: fails('DATA-SEND-COMPLETE', 4),
      exit: EXIT.nonConformance,
      phrase: /^✗ still fails, differently: now DATA-SEND-COMPLETE \(MUST\) — .*, at step #4\n/,
    },
    { name: 'the first differently, the second passes', first: fails('NET-BIND-INUSE', 3), second: passes, exit: EXIT.nonConformance, phrase: /^✗ still fails, differently: now NET-BIND-INUSE[\s\S]*the other replay passed: the failure is flaky/ },
    { name: 'both pass', first: passes, second: passes, exit: EXIT.conforms, phrase: /^✓ not reproduced: both replays pass \(recorded: DATA-SEND-COMPLETE at step #6/ },
  ])('$name', ({ first, second, exit, phrase }) => {
    const { text, exit: code } = replayVerdictText(FILE, judgeReplays(FILE, first, second));
    expect(text).toMatch(phrase);
    expect(code).toBe(exit);
    // A failure is never called "not reproduced".
    if (first.failure || second.failure) expect(text).not.toMatch(/not reproduced/);
  });
});

describe('dualsock replay of a file whose run now fails differently', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dualsock-replay-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const saved = JSON.parse(readFileSync('fixtures/counterexamples/send-short-write.json', 'utf8')) as Record<string, unknown>;
  // The run fails at step #6 under DATA-SEND-COMPLETE; the file says otherwise, as a file from an older run may.
  const file = join(dir, 'older.json');
  writeFileSync(file, JSON.stringify({ ...saved, violated: ['NET-BIND-INUSE'], failedAt: 2 }));

  async function replay(factory: () => ReturnType<typeof createReferenceImplementation>): Promise<{ exit: number; out: string }> {
    let out = '';
    const output: Output = { out: (text) => void (out += text), err: (text) => void (out += text) };
    const exit = await runReplay({ file, impl: { kind: 'factory', factory }, timeoutMs: 30_000 }, output);
    return { exit, out };
  }

  test('against the mutant: it still fails, with the requirement and step it fails at now; exit 1', async () => {
    const { exit, out } = await replay(createSendShortWrite);
    expect(out).toMatch(/✗ still fails, differently: now DATA-SEND-COMPLETE \(MUST\) — .*, at step #6/);
    expect(out).toMatch(/recorded: NET-BIND-INUSE at step #2/);
    expect(out).not.toMatch(/not reproduced/);
    expect(exit).toBe(EXIT.nonConformance);
  });

  test('against the reference: not reproduced; exit 0', async () => {
    const { exit, out } = await replay(createReferenceImplementation);
    expect(out).toMatch(/✓ not reproduced: both replays pass/);
    expect(exit).toBe(EXIT.conforms);
  });
});
