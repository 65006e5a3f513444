/**
 * Faults: injecting one into the implementation and the model at once, and
 * turning a scenario's abstract fault (crash this side, fail the STG, delay a
 * channel …) into the concrete faults to inject, to undo, and to undo later.
 *
 * An injected fault is an epoch of its own: the model applies it first, then
 * the checker explains whatever the implementation answered because of it.
 * A fault the implementation does not support is skipped and said so.
 */
import type { Scenario } from '../generate/plan.ts';
import type { Session } from '../drive/session.ts';
import type { EpochInput } from './checker.ts';
import type { RunRecord } from './record.ts';
import type { Side, SideName } from './harness-role.ts';
import { type State, describeFault } from '../../reference/index.ts';
import type { Fault, Reply } from '../../spec/messages.ts';
import { type WorldConfig, hostOf } from '../../spec/config.ts';

/** What injecting a fault needs from the run. */
export interface FaultParts {
  readonly session: Session;
  readonly record: RunRecord;
  readonly epoch: (index: number, input: EpochInput) => Promise<Reply[]>;
}

/** Inject one fault during command `index`; the answers of its epoch (none when skipped). */
export async function injectFault(parts: FaultParts, index: number, fault: Fault): Promise<readonly Reply[]> {
  if (!(await parts.session.fault(fault))) {
    parts.record.skip(`fault:${fault.kind}`);
    parts.record.note(`(unsupported by the implementation: ${describeFault(fault)} skipped)`);
    return [];
  }
  parts.record.note(`fault ${describeFault(fault)}`);
  return parts.epoch(index, { first: [{ type: 'fault', fault }], issues: [] });
}

/** A scenario's fault, planned: inject `now`, undo with `undo` when the scenario ends, or `later` after some ticks. */
export interface PlannedFault {
  readonly now: Fault[];
  readonly undo: Fault[];
  readonly later: { after: number; fault: Fault } | null;
}

/** The concrete faults for the scenario's fault, injected while side `held` is held before its step. */
export function planScenarioFault(world: WorldConfig, state: State, scenario: Scenario, sides: Record<SideName, Side>, held: SideName): PlannedFault {
  const fault = scenario.fault!;
  const self = sides[held];
  const peer = sides[held === 'server' ? 'client' : 'server'];
  const hosts = [hostOf(world, sides.server.process)!, hostOf(world, sides.client.process)!].sort() as [string, string];
  const d = Math.max(1, fault.ticks);
  switch (fault.kind) {
    case 'crash-self':
      return { now: [{ kind: 'crash', process: self.process }], undo: [{ kind: 'recover', process: self.process }], later: null };
    case 'crash-peer':
      return { now: [{ kind: 'crash', process: peer.process }], undo: [{ kind: 'recover', process: peer.process }], later: null };
    case 'partition':
      return { now: [{ kind: 'partition', hosts }], undo: [], later: { after: fault.ticks, fault: { kind: 'heal', hosts } } };
    case 'reset': {
      const connected = Object.values(state.socks).filter((s) => s.proc === self.process && s.conn !== null && state.conns[s.conn]);
      const target = connected[0];
      return { now: target ? [{ kind: 'reset', process: self.process, fd: target.fd }] : [], undo: [], later: null };
    }
    case 'stg-fail':
      return { now: [{ kind: 'stg-fail', stg: scenario.stg }], undo: [{ kind: 'stg-repair', stg: scenario.stg }], later: null };
    case 'cbt-exhaust':
      return { now: [{ kind: 'cbt-reserve', count: world.cbt.capacity }], undo: [{ kind: 'cbt-release' }], later: null };
    case 'delay-net':
      return { now: [{ kind: 'delay', channel: 'net', ticks: d }], undo: [{ kind: 'undelay', channel: 'net' }], later: null };
    case 'delay-dss':
      return { now: [{ kind: 'delay', channel: 'dss', ticks: d }], undo: [{ kind: 'undelay', channel: 'dss' }], later: null };
  }
}
