/**
 * The sides of a handshake scenario, and the role the harness plays itself.
 *
 * A `Side` is one role of a scenario as the runner tracks it: played by the
 * implementation (one `handshake` request, answered by events) or by the
 * harness (plain calls, one at a time). The harness plays from the very step
 * tables of reference/roles.ts, so a faithful harness-played role is the
 * model's own; `deviate` bends one of its messages when the scenario asks for
 * a misbehaving peer.
 */
import type { Deviation, Scenario } from '../generate/plan.ts';
import { type Progress, type RoleCtx, PROGRAMS, roleNext, roleOnOutcome } from '../../reference/index.ts';
import type { Op, Outcome, Role, RoleParams } from '../../spec/messages.ts';
import { type WorldConfig, stgOf } from '../../spec/config.ts';
import { bytesToHex, hexToBytes, readU32, u32 } from '../../spec/bytes.ts';

export type SideName = 'server' | 'client';

export interface Side {
  readonly by: 'impl' | 'harness';
  readonly process: string;
  readonly role: Role;
  readonly params: RoleParams;
  started: boolean;
  done: boolean;
  held: boolean;
  blocked: boolean;
  hs: number | null;
  pending: number | null;
  retryAt: number | null;
  label: string | null;
  labelSince: number;
  outcome: 'established' | 'failed' | null;
  lastOp: Op | null;
  progress: Progress;
}

export function newSide(by: 'impl' | 'harness', process: string, role: Role, params: RoleParams): Side {
  const vars: Progress['vars'] = {};
  if (role === 'fs-server' || role === 'db-server') vars.stg = params.stg ?? -1;
  return { by, process, role, params, started: false, done: false, held: false, blocked: false, hs: null, pending: null, retryAt: null, label: null, labelSince: 0, outcome: null, lastOp: null, progress: { pc: 0, vars, buf: '' } };
}

function roleCtx(side: Side, world: WorldConfig, now: number): RoleCtx {
  return { config: world, params: side.params, now };
}

/** The harness-played role's next call, with the scenario's deviation applied. */
export function playerNext(side: Side, scenario: Scenario, world: WorldConfig, now: number): { label: string; op: Op } | null {
  const next = roleNext(PROGRAMS[side.role], side.progress, roleCtx(side, world, now));
  if (next.kind === 'done') {
    side.done = true;
    return null;
  }
  const deviation = scenario.deviation;
  if (deviation && deviation.label === next.label) {
    if (deviation.kind === 'silent') {
      side.done = true;
      return null;
    }
    return { label: next.label, op: deviate(next.op, deviation.kind, world, scenario.stg) };
  }
  return { label: next.label, op: next.op };
}

/** The harness-played role takes the answer to its call. */
export function playerOutcome(side: Side, outcome: Outcome, world: WorldConfig, now: number): void {
  const reaction = roleOnOutcome(PROGRAMS[side.role], side.progress, outcome, roleCtx(side, world, now));
  // The harness keeps the rules it holds implementations to: retry a refused connect within the step timeout.
  if (reaction.kind === 'retry' && now + 1 - side.labelSince < world.ticks.stepTimeout) side.retryAt = now + 1;
  else if (reaction.kind === 'retry' || reaction.kind === 'fail') side.done = true;
}

/** One deliberate deviation of a harness-played role's message. */
export function deviate(op: Op, kind: Deviation, config: WorldConfig, stgId: number): Op {
  if (op.op !== 'send') return op;
  const data = hexToBytes(op.data);
  const stg = stgOf(config, stgId)!;
  let changed: string;
  switch (kind) {
    case 'wrong-string':
      changed = [...data].map((ch) => String.fromCharCode(ch.charCodeAt(0) ^ 0x01)).join('');
      break;
    case 'wrong-echo':
      changed = u32(readU32(data) + 1);
      break;
    case 'bad-stg-id':
      changed = u32(readU32(data, 0) + 1000) + data.slice(4);
      break;
    case 'bad-stg-length':
      changed = data.slice(0, 4) + u32(readU32(data, 4) + 1);
      break;
    case 'swapped-stg':
      changed = data.slice(4, 8) + data.slice(0, 4);
      break;
    case 'bad-port':
      changed = u32(70000);
      break;
    case 'unused-port': {
      const port = readU32(data);
      const range = port >= stg.ports[0] && port <= stg.ports[1] ? stg.ports : config.netPorts;
      changed = u32(port === range[1] ? range[0] : range[1]);
      break;
    }
    case 'silent':
      changed = data;
      break;
  }
  return { ...op, data: bytesToHex(changed) };
}
