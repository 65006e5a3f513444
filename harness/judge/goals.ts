/**
 * Goals: the deep situations a run reached, which a report shows beside the
 * requirements so that a pass says how far the runs went — the control block
 * table exhausted, back-pressure after a buffer wrapped, allocations and
 * connects racing in one batch, and a fault injected at each handshake step.
 *
 * The runner notes a batch before it is sent and each epoch's explained
 * emissions after the checker accepted them; a scenario notes its fault point.
 */
import type { Command } from '../generate/plan.ts';
import type { EpochInput } from './checker.ts';
import { type Emission, type State, PROGRAMS } from '../../reference/index.ts';
import { type WorldConfig, stgOf } from '../../spec/config.ts';
import { hexToBytes } from '../../spec/bytes.ts';

/** The deep situations a default run should reach, as the report counts them. */
export const GOALS = ['cbt-exhausted', 'backpressure-at-wrap', 'concurrent-allocation', 'concurrent-connects'] as const;

/** Every (role, step) at which a scenario can hold a role and inject a fault. */
export function faultPoints(): string[] {
  return (['fs-server', 'fs-client', 'db-server', 'db-client'] as const).flatMap((role) =>
    [...new Set(PROGRAMS[role].steps.map((s) => s.label))].map((label) => `fault@${role}:${label}`),
  );
}

export class Goals {
  /** Deep situations this run reached (see GOALS), and fault points (see faultPoints). */
  readonly reached = new Set<string>();
  /** Bytes sent per socket ("proc:fd"), to tell when back-pressure met a buffer that has wrapped. */
  private readonly sentBytes = new Map<string, number>();

  constructor(private readonly world: WorldConfig) {}

  add(goal: string): void {
    this.reached.add(goal);
  }

  /** A batch about to be sent: several STP sockets at once race for control blocks, several connects to one address race for its queue. */
  noteBatch(command: Extract<Command, { type: 'batch' }>): void {
    if (command.calls.filter((c) => c.call.op === 'socket' && c.call.family === 'dss').length >= 2) this.reached.add('concurrent-allocation');
    const targets = command.calls.flatMap((c) => (c.call.op === 'connect' ? [JSON.stringify(c.call.to)] : []));
    if (targets.length !== new Set(targets).size) this.reached.add('concurrent-connects');
  }

  /** An epoch's emissions as the checker explained them, from `state`, the model's state before the epoch. */
  notePath(path: readonly Emission[], input: EpochInput, state: State): void {
    const issuedNow = new Set(input.issues.flatMap((a) => (a.type === 'call' ? [a.id] : [])));
    for (const e of path) {
      if (e.type !== 'result' && e.type !== 'event') continue;
      if ('error' in e.outcome && e.outcome.error === 'ENOBUFS') this.reached.add('cbt-exhausted');
      if (e.op.op === 'send' && 'value' in e.outcome) {
        const key = `${e.proc}:${e.op.fd}`;
        const total = (this.sentBytes.get(key) ?? 0) + hexToBytes(e.op.data).length;
        this.sentBytes.set(key, total);
        const sock = state.socks[key];
        const stg = sock?.local && 'stg' in sock.local ? stgOf(this.world, sock.local.stg) : undefined;
        // A send that had to wait for space, after more than a buffer's worth went through: back-pressure at a wrap.
        if (e.type === 'result' && !issuedNow.has(e.id) && stg && total > stg.length) this.reached.add('backpressure-at-wrap');
      }
    }
  }
}
