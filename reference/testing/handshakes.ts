/**
 * Test support for the handshake tests (not part of the model): the two
 * flows as pairs of roles, what their established layouts look like, and
 * facts read off the step tables (which call each label makes, the tick
 * bound of each role).
 */
import type { HandshakeOutcome, Inspection, Op, Role, RoleParams } from '../../spec/messages.ts';
import type { WorldConfig } from '../../spec/config.ts';
import { PROGRAMS, type Vars } from '../roles.ts';

export interface Side {
  readonly role: Role;
  readonly process: string;
  readonly params: RoleParams;
}

export interface Flow {
  readonly name: 'fs' | 'db';
  readonly server: Side;
  readonly client: Side;
  /** The established layout's keys: which descriptors are network and which STP. */
  readonly layout: { readonly net: readonly string[]; readonly dss: readonly string[] };
}

export const FLOWS: readonly Flow[] = [
  {
    name: 'fs',
    server: { role: 'fs-server', process: 'S', params: { peer: 'cli', stg: 1 } },
    client: { role: 'fs-client', process: 'C', params: {} },
    layout: { net: ['control', 'status'], dss: ['data'] },
  },
  {
    name: 'db',
    server: { role: 'db-server', process: 'S', params: { stg: 1 } },
    client: { role: 'db-client', process: 'C', params: { peer: 'srv' } },
    layout: { net: [], dss: ['data'] },
  },
];

/** The descriptors of an established outcome's layout (empty for a failed one). */
export function layoutFds(outcome: HandshakeOutcome | undefined): number[] {
  if (!outcome || outcome.status !== 'established') return [];
  return Object.values(outcome.layout as Record<string, number | undefined>).filter((fd): fd is number => fd !== undefined);
}

/**
 * What is wrong with an established role's layout, as sentences (none = right):
 * the layout has the flow's keys, network ones below the boundary and STP
 * ones above it, and the process holds exactly those sockets, connected.
 */
export function layoutProblems(view: Inspection, flow: Flow, process: string, outcome: HandshakeOutcome | undefined, boundary: number): string[] {
  if (!outcome || outcome.status !== 'established') return [`${process} is not established: ${JSON.stringify(outcome)}`];
  const problems: string[] = [];
  const layout = outcome.layout as Record<string, number | undefined>;
  const keys = Object.keys(layout).filter((k) => layout[k] !== undefined).sort();
  const wanted = [...flow.layout.net, ...flow.layout.dss].sort();
  if (keys.join() !== wanted.join()) problems.push(`${process} layout has ${keys.join()} where ${wanted.join()} was due`);
  for (const k of flow.layout.net) if (!(layout[k]! < boundary)) problems.push(`${process} ${k}=${layout[k]} is not a network descriptor`);
  for (const k of flow.layout.dss) if (!(layout[k]! >= boundary)) problems.push(`${process} ${k}=${layout[k]} is not an STP descriptor`);
  const sockets = view.processes.find((p) => p.process === process)?.sockets ?? [];
  const held = sockets.map((s) => s.fd).join();
  const due = layoutFds(outcome).sort((a, b) => a - b).join();
  if (held !== due) problems.push(`${process} holds ${held} where its layout is ${due}`);
  return problems;
}

/** The op each label of a role's table makes, read from the table with stand-in variables. */
export function labelOps(side: Side, config: WorldConfig): Map<string, Op['op']> {
  const vars = new Proxy({} as Vars, { get: () => 1 });
  const ops = new Map<string, Op['op']>();
  for (const s of PROGRAMS[side.role].steps) {
    ops.set(s.label, s.kind === 'recv' ? 'recv' : s.op(vars, { config, params: side.params, now: 0 }).op);
  }
  return ops;
}

const BLOCKING: readonly Op['op'][] = ['recv', 'accept', 'connect'];

/**
 * A role's tick bound: only its blocking steps (recv, accept, connect) can
 * wait, each at most stepTimeout ticks (HS-STEP-TIMEOUT; a refused connect is
 * retried within the same bound, HS-CONNECT-RETRY); every other step, and
 * failing, takes no tick. Time held does not count (HS-HOLD-RESUME).
 */
export function tickBound(side: Side, config: WorldConfig): number {
  const blocking = [...labelOps(side, config).values()].filter((op) => BLOCKING.includes(op)).length;
  return blocking * config.ticks.stepTimeout;
}
