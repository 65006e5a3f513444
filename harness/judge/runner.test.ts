/**
 * Why this test? PROTOCOL.md lets an implementation list processes, sockets, control blocks
 * and ports in any order; an inspection must be compared as a set, or a correct
 * implementation that lists them otherwise would be blamed.
 */
import { expect, test } from 'vitest';
import { check } from '../cli/check.ts';
import { createReferenceImplementation } from '../drive/reference-implementation.ts';
import type { Implementation } from '../drive/driver.ts';
import type { Inspection, Reply } from '../../spec/messages.ts';

function reordered(): Implementation {
  const inner = createReferenceImplementation();
  const shuffle = (state: Inspection): Inspection => ({
    ...state,
    cbt: { ...state.cbt, blocks: [...state.cbt.blocks].reverse() },
    processes: [...state.processes].reverse().map((p) => ({ ...p, sockets: [...p.sockets].reverse() })),
    ports: { net: [...state.ports.net].reverse(), dss: [...state.ports.dss].reverse() },
  });
  return {
    handle(request, reply) {
      inner.handle(request, (message: Reply) => reply(message.type === 'inspection' ? { ...message, state: shuffle(message.state) } : message));
    },
  };
}

test('inspections listed in another order are the same inspection', async () => {
  const out: string[] = [];
  const summary = await check(
    { impl: { kind: 'factory', factory: reordered }, seed: 5, runs: 15, only: ['wire', 'cbt-allocation'], strict: false, expectedFailures: [], reports: [], timeoutMs: 5000, outDir: 'tmp/cx-reordered' },
    { out: (t) => void out.push(t), err: (t) => void out.push(t) },
  );
  expect(out.join('')).toMatch(/CONFORMS/);
  expect(summary.exitCode).toBe(0);
});
