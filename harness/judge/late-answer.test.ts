/**
 * Why this test? An implementation whose settle answers too early shows up as a call with no
 * answer — the same symptom as a call that never completes. dualsock tells them apart by settling
 * again with nothing sent: an answer that turns up then was held back, and the requirement named
 * is CLOCK-SETTLE-EXACT, not the call's own.
 */
import { expect, test } from 'vitest';
import { check } from '../cli/check.ts';
import type { Implementation } from '../drive/driver.ts';
import { createReferenceImplementation } from '../drive/reference-implementation.ts';
import type { Reply } from '../../spec/messages.ts';

/** The reference, except that each run's first connect answer is held back past one settle. */
function earlySettle(): Implementation {
  const inner = createReferenceImplementation();
  let connectId: number | null = null;
  let held: Reply | null = null;
  let settlesHeld = 0;
  return {
    handle(request, reply) {
      if (request.type === 'reset') {
        connectId = null;
        held = null;
        settlesHeld = 0;
      }
      if (request.type === 'call' && request.call.op === 'connect' && connectId === null) connectId = request.id;
      inner.handle(request, (message: Reply) => {
        if (message.type === 'result' && message.id === connectId && settlesHeld === 0) {
          held = message;
          return;
        }
        if (message.type === 'settled' && held) {
          settlesHeld += 1;
          // The first settle says nothing of the held call (neither answered nor pending); the next one brings it.
          if (settlesHeld > 1) {
            reply(held);
            held = null;
          }
          reply({ ...message, pending: message.pending.filter((id) => id !== connectId) });
          return;
        }
        reply(message);
      });
    },
  };
}

test('an answer that turns up at a later settle, with nothing sent, names CLOCK-SETTLE-EXACT', async () => {
  let log = '';
  const summary = await check(
    { impl: { kind: 'factory', factory: earlySettle }, seed: 1, runs: 50, only: ['net-calls'], strict: false, expectedFailures: [], reports: [], timeoutMs: 5000, outDir: 'tmp/cx-late-answer' },
    { out: (t) => void (log += t), err: (t) => void (log += t) },
  );
  expect(summary.exitCode, log).toBe(1);
  const c = summary.failures[0]!.counterexample;
  expect(c.violated[0], log).toBe('CLOCK-SETTLE-EXACT');
  expect(c.trace.flatMap((t) => t.lines).join('\n')).toContain('another settle, with nothing sent');
});
