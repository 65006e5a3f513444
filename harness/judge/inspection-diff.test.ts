/**
 * Why this test? When an implementation's inspection differs from the model's, the requirement
 * dualsock names first is what a person reads first: it must point at the cause (a socket born
 * bound, a failed role that kept what it opened), not at a symptom.
 */
import { describe, expect, test } from 'vitest';
import { inspect } from '../../reference/index.ts';
import { stateAfter } from '../../reference/testing/sim.ts';
import { DEFAULT_CONFIG } from '../../spec/config.ts';
import type { Inspection, Op } from '../../spec/messages.ts';
import { diffInspections } from './inspection-diff.ts';

function modelAfter(calls: readonly [string, Op][]): Inspection {
  return inspect(stateAfter(DEFAULT_CONFIG, calls));
}

/** The inspection with one socket of one process changed. */
function withSocket(view: Inspection, process: string, fd: number, patch: Record<string, unknown>): Inspection {
  return {
    ...view,
    processes: view.processes.map((p) => (p.process !== process ? p : { ...p, sockets: p.sockets.map((s) => (s.fd === fd ? { ...s, ...patch } : s)) })),
  };
}

describe('the first requirement named for a differing inspection', () => {
  test('DSS-SOCKET-UNBOUND: a fresh STP socket that shows a local address was born bound', () => {
    const model = modelAfter([['S', { op: 'socket', family: 'dss' }]]);
    const actual = withSocket(model, 'S', 1024, { local: { stg: 1, port: 5000 } });
    const difference = diffInspections(model, actual);
    expect(difference?.reqs[0]).toBe('DSS-SOCKET-UNBOUND');
  });

  test('a network socket with an unexpected local address is not blamed on DSS-SOCKET-UNBOUND', () => {
    const model = modelAfter([['S', { op: 'socket', family: 'net' }]]);
    const actual = withSocket(model, 'S', 3, { local: { host: 'srv', port: 40000 } });
    const difference = diffInspections(model, actual);
    expect(difference).not.toBeNull();
    expect(difference?.reqs[0]).not.toBe('DSS-SOCKET-UNBOUND');
  });

  test.each([
    { role: 'failed' as const, first: 'HS-FAIL-RELEASES' },
    { role: 'established' as const, first: 'FAULT-NO-LEAK' },
    { role: undefined, first: 'FAULT-NO-LEAK' },
  ])('an extra control block held by a process whose role ended $role: $first first', ({ role, first }) => {
    const model = modelAfter([]);
    const leaked: Inspection = {
      ...model,
      cbt: { ...model.cbt, blocks: model.cbt.blocks.map((b, i) => (i === 0 ? { ...b, owner: { process: 'C', fd: 1024 } } : b)) },
    };
    const roles = new Map(role ? [['C', role]] : []);
    const difference = diffInspections(model, leaked, { roles });
    expect(difference?.reqs[0]).toBe(first);
  });
});
