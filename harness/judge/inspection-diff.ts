/**
 * The inspection diff: what the runner compares when it inspects, and, when the
 * implementation's inspection matches no state the model may be in, the first
 * difference and the requirement a person should read first.
 *
 * `normalise` reduces an inspection to what is compared (owners of control
 * blocks rather than slot numbers, lists in a fixed order); `diffInspections`
 * walks control block owners, then processes and their sockets field by field,
 * then bound ports, then the clock, and names a cause for the first difference
 * from what the model knows of the state and the command just run.
 */
import type { Command } from '../generate/plan.ts';
import { match, P } from 'ts-pattern';
import { type Breach, type State, FAULT_REQS, describeAddress, sockKey } from '../../reference/index.ts';
import type { Conn, Sock } from '../../reference/state.ts';
import { partitioned } from '../../reference/world/connections.ts';
import type { Fault, Inspection, Op, SocketView } from '../../spec/messages.ts';
import { canonical } from '../../reference/equal.ts';

/**
 * An inspection reduced to what is compared: owners of control blocks (not slot numbers),
 * sockets without their `block`, every list in a fixed order (PROTOCOL.md: list order is free).
 */
export function normalise(view: Inspection): string {
  const owners = blockOwners(view);
  const processes = [...view.processes]
    .sort((a, b) => (a.process < b.process ? -1 : a.process > b.process ? 1 : 0))
    .map((p) => {
      const sockets = [...p.sockets]
        .sort((a, b) => a.fd - b.fd)
        .map((s) => `${s.fd},${s.family},${s.state},${describeAddress(s.local)},${describeAddress(s.peer)},${s.rx},${s.inflight}`);
      return `${p.process}@${p.host}${p.alive ? '' : '(dead)'}[${sockets.join(';')}]`;
    });
  const net = view.ports.net.map((e) => `${e.host}:${e.port}=${e.process}:${e.fd}`).sort();
  const dss = view.ports.dss.map((e) => `stg${e.stg}:${e.port}=${e.process}:${e.fd}`).sort();
  return `${view.now}|${view.cbt.capacity}|${owners.join(',')}|${processes.join('|')}|${net.join(',')}|${dss.join(',')}`;
}

type ProcessView = Inspection['processes'][number];

export interface Difference {
  readonly text: string;
  readonly reqs: readonly string[];
  readonly expected: string;
  readonly actual: string;
  /**
   * A call that tells a difference in behaviour from one in the inspection alone, for the runner
   * to make once the run has failed: if it is still pending at the next settle, the behaviour
   * differs too and `blocked` is what the failure names instead of `reqs`.
   */
  readonly probe?: { readonly process: string; readonly call: Op; readonly blocked: readonly string[]; readonly why: string };
}

/** How a reserved block's owner reads in a list of owners. */
const RESERVED_OWNER = '#reserved';

/** Who owns the table's blocks ("P:fd", "#reserved"), sorted: slot numbers are the implementation's own. */
function blockOwners(view: Inspection): string[] {
  return view.cbt.blocks
    .map((b) => (b.owner === null ? '' : 'reserved' in b.owner ? RESERVED_OWNER : `${b.owner.process}:${b.owner.fd}`))
    .filter(Boolean)
    .sort();
}

export interface DiffContext {
  /** The model state the inspection came from (for the cause of a reset). */
  readonly state?: State;
  /** The command just run. */
  readonly command?: Command | null;
  /** How the command's handshake roles ended, by process. */
  readonly roles?: ReadonlyMap<string, 'established' | 'failed'>;
}

/**
 * A socket's state and byte counts are what its connection's transmissions made of them. A
 * difference there is named after a rule the model applied to this socket's own connection — a
 * transmission toward it (or from it) held by a partition or a delay, or the fault just injected
 * when that fault touched this socket, its peer, its STG, its link or its channel. With neither,
 * what differs is the inspection alone: no recv or send has shown the implementation behave
 * otherwise, so no behavioural requirement (end-of-stream, bytes in order) is named for it.
 */
function transitCause(field: 'state' | 'rx' | 'inflight', view: SocketView, process: string, context: DiffContext): string[] {
  const state = context.state;
  const sock = state?.socks[sockKey(process, view.fd)];
  if (!state || !sock) return [];
  const conn = sock.conn === null ? undefined : state.conns[sock.conn];
  if (conn) {
    // Bytes a socket sent and the model still holds count in its `inflight`; all else arrives at it.
    const toward = field === 'inflight' ? 1 - sock.side : sock.side;
    const held = state.flights.find((f) => f.kind !== 'syn' && f.conn === conn.id && f.to === toward);
    if (held) return [partitioned(state, held.channel, held.link) ? 'FAULT-PARTITION-HOLDS' : 'FAULT-DELAY-CHANNEL'];
  }
  if (field === 'state' && view.state === 'failed') return ['FAULT-STG-FAIL-EIO'];
  const command = context.command;
  if (command?.type === 'fault' && faultTouches(command.fault, sock, conn)) return [FAULT_REQS[command.fault.kind]];
  return [];
}

/** Whether a fault reached this socket: its process or its peer's, its connection, its STG, its link, its connection's channel. */
function faultTouches(fault: Fault, sock: Sock, conn: Conn | undefined): boolean {
  const ends = conn ? conn.ends : [];
  return match(fault)
    .with({ kind: P.union('crash', 'recover') }, (f) => sock.proc === f.process || ends.some((e) => e.proc === f.process))
    .with({ kind: 'reset' }, (f) => (sock.proc === f.process && sock.fd === f.fd) || ends.some((e) => e.proc === f.process && e.fd === f.fd))
    .with({ kind: P.union('stg-fail', 'stg-repair') }, (f) => conn?.stg === f.stg || (sock.local !== null && 'stg' in sock.local && sock.local.stg === f.stg))
    .with({ kind: P.union('partition', 'heal') }, (f) => conn !== undefined && conn.family === 'net' && [...conn.hosts].sort().join() === [...f.hosts].sort().join())
    // A delay holds, and its end releases, transmissions: only a connection on that channel has any, never a
    // listener or an unconnected socket, whose state no delay can change.
    .with({ kind: P.union('delay', 'undelay') }, (f) => conn !== undefined && conn.family === f.channel)
    .with({ kind: P.union('cbt-reserve', 'cbt-release') }, () => false)
    .exhaustive();
}

/** The requirements a difference in one field of a socket breaks, the rule that produced it first. */
function fieldCause(field: keyof SocketView, model: SocketView, actual: SocketView, process: string, context: DiffContext): string[] {
  // An STP socket the model has unbound or unconnected, shown bound or connected (DSS-SOCKET-UNBOUND).
  if (field === 'local' && model.local === null && model.family === 'dss') return ['DSS-SOCKET-UNBOUND'];
  if (field === 'peer' && model.peer === null && actual.family === 'dss') return ['DSS-SOCKET-UNBOUND'];
  if (field === 'state' || field === 'rx' || field === 'inflight') return [...transitCause(field, model, process, context), 'WIRE-INSPECT-MATCHES'];
  return ['WIRE-INSPECT-MATCHES'];
}

/**
 * A socket the model has at end-of-stream with nothing left to read, shown still connected, with
 * no held transmission or fault to explain it: either the end-of-stream never reached it, or the
 * inspection alone is wrong. A recv tells them apart — it returns end-of-stream at once if the
 * socket has it, and stays blocked if not — so the failure names the behaviour's requirements
 * (the peer's close, end-of-stream after the data) only once a call has shown them broken.
 */
function eofProbe(field: keyof SocketView, model: SocketView, actual: SocketView, process: string): Difference['probe'] {
  if (field !== 'state' || model.state !== 'eof' || actual.state !== 'connected' || model.rx !== 0 || actual.rx !== 0) return undefined;
  const closeReqs = model.family === 'dss' ? ['DSS-CLOSE-GRACEFUL', 'DATA-EOF-AFTER-DATA'] : ['DATA-EOF-AFTER-DATA'];
  return {
    process,
    call: { op: 'recv', fd: model.fd, max: 1 },
    blocked: [...closeReqs, 'WIRE-INSPECT-MATCHES'],
    why: 'the end-of-stream the model has delivered never reached the socket',
  };
}

/**
 * The requirements an inspection that breaks an invariant names: the invariant's own, except
 * right after blocks were reserved or released, when a block of the table owned wrongly (a socket
 * left without its block, a block owned by a socket that is gone) was the reservation's doing —
 * the table's count of blocks in use is not what the sockets and the reservation make it
 * (CBT-CONSERVATION), under the fault that moved them (FAULT-CBT-RESERVE).
 */
export function breachReqs(breach: Breach, context: DiffContext = {}): string[] {
  const command = context.command;
  const reserving = command?.type === 'fault' && (command.fault.kind === 'cbt-reserve' || command.fault.kind === 'cbt-release');
  if (!reserving || !BLOCK_OWNERSHIP.has(breach.req)) return [breach.req];
  return ['CBT-CONSERVATION', 'FAULT-CBT-RESERVE', ...(breach.req === 'CBT-CONSERVATION' ? [] : [breach.req])];
}

/** Invariants about who owns the table's blocks. */
const BLOCK_OWNERSHIP: ReadonlySet<string> = new Set(['CBT-CONSERVATION', 'CBT-ALLOC-ON-REQUEST', 'CBT-UNIQUE-OWNER', 'FAULT-NO-LEAK']);

/** The first difference between the model's inspection and the implementation's, with the requirements it touches. */
export function diffInspections(model: Inspection, actual: Inspection, context: DiffContext = {}): Difference {
  return (
    diffOwners(model, actual, context) ??
    diffProcesses(model, actual, context) ??
    diffPorts(model, actual) ??
    diffClock(model, actual) ?? { text: 'inspections differ', reqs: ['WIRE-INSPECT-MATCHES'], expected: JSON.stringify(model), actual: JSON.stringify(actual) }
  );
}

/**
 * Control blocks owned by others than the model's owners: a leak (a failed role's, or a plain one),
 * a socket without its block, or a count of reserved blocks unlike the model's — blocks taken out of
 * use or put back that were not, so the table's count of blocks in use and free is not the model's
 * (CBT-CONSERVATION), whatever call or fault let it happen (FAULT-CBT-RESERVE).
 */
function diffOwners(model: Inspection, actual: Inspection, context: DiffContext): Difference | null {
  const mo = blockOwners(model);
  const ao = blockOwners(actual);
  if (JSON.stringify(mo) === JSON.stringify(ao)) return null;
  const extra = without(ao, mo);
  const missing = without(mo, ao);
  const failedRole = extra.some((o) => context.roles?.get(o.slice(0, o.lastIndexOf(':'))) === 'failed');
  const sockets = (list: string[]): string[] => list.filter((o) => o !== RESERVED_OWNER);
  const reservedOnly = sockets(extra).length === 0 && sockets(missing).length === 0;
  const reqs = reservedOnly
    ? ['CBT-CONSERVATION', 'FAULT-CBT-RESERVE']
    : failedRole
      ? ['HS-FAIL-RELEASES', 'FAULT-NO-LEAK']
      : sockets(extra).length > 0
        ? ['FAULT-NO-LEAK', 'CBT-FREE-ON-CLOSE']
        : ['CBT-ALLOC-ON-REQUEST'];
  const reserved = (list: string[]): number => list.length - sockets(list).length;
  return {
    text: `control block owners differ: model [${mo.join(', ')}], implementation [${ao.join(', ')}]`,
    reqs,
    expected: `control blocks owned by [${mo.join(', ')}]${reservedOnly ? ` (${reserved(mo)} reserved)` : ''}`,
    actual: `[${ao.join(', ')}]${reservedOnly ? ` (${reserved(ao)} reserved)` : ''}${extra.length ? ` (extra ${extra.join(', ')})` : ''}${missing.length ? ` (missing ${missing.join(', ')})` : ''}`,
  };
}

/** The entries of `list` left after taking out one of each entry of `other` (a multiset difference: reserved blocks repeat). */
function without(list: readonly string[], other: readonly string[]): string[] {
  const left = [...other];
  return list.filter((o) => {
    const at = left.indexOf(o);
    if (at < 0) return true;
    left.splice(at, 1);
    return false;
  });
}

/** Each of the model's processes: present, alive as the model has it, with the same sockets. */
function diffProcesses(model: Inspection, actual: Inspection, context: DiffContext): Difference | null {
  for (const mp of model.processes) {
    const ap = actual.processes.find((p) => p.process === mp.process);
    if (!ap) return { text: `process ${mp.process} missing`, reqs: ['WORLD-RESET-BUILDS-CONFIG'], expected: `process ${mp.process}`, actual: 'absent' };
    if (ap.alive !== mp.alive) {
      return {
        text: `${mp.process} alive=${ap.alive}, model alive=${mp.alive}`,
        reqs: mp.alive ? ['FAULT-RECOVER-RECLAIMS'] : ['FAULT-CRASH-TEARDOWN'],
        expected: `${mp.process} alive=${mp.alive}`,
        actual: `alive=${ap.alive}`,
      };
    }
    const difference = diffSockets(mp, ap, context);
    if (difference) return difference;
  }
  return null;
}

/** One process's sockets, by descriptor: each open on both sides or neither, and equal field by field. */
function diffSockets(mp: ProcessView, ap: ProcessView, context: DiffContext): Difference | null {
  const fds = new Set([...mp.sockets.map((s) => s.fd), ...ap.sockets.map((s) => s.fd)]);
  for (const fd of [...fds].sort((a, b) => a - b)) {
    const ms = mp.sockets.find((s) => s.fd === fd);
    const as = ap.sockets.find((s) => s.fd === fd);
    if (!ms || !as) {
      // A socket the model closed: a role that should have released it, or a plain leak.
      const role = context.roles?.get(mp.process);
      const leak = role === 'failed' ? ['HS-FAIL-RELEASES', 'FAULT-NO-LEAK'] : role === 'established' ? ['HS-ESTABLISHED-LAYOUT', 'FAULT-NO-LEAK'] : ['FAULT-NO-LEAK'];
      return {
        text: `${mp.process}:${fd} ${ms ? 'missing from' : 'extra in'} the implementation's inspection`,
        reqs: ms ? ['WIRE-INSPECT-MATCHES'] : leak,
        expected: ms ? `${mp.process}:${fd} open (${ms.state})` : `${mp.process}:${fd} closed`,
        actual: as ? `${mp.process}:${fd} open (${as.state})` : 'absent',
      };
    }
    for (const field of ['state', 'local', 'peer', 'rx', 'inflight', 'family'] as const) {
      // (a socket's `block` is a slot number: the implementation's own, never compared)
      if (canonical(ms[field]) === canonical(as[field])) continue;
      const reqs = fieldCause(field, ms, as, mp.process, context);
      const probe = reqs[0] === 'WIRE-INSPECT-MATCHES' ? eofProbe(field, ms, as, mp.process) : undefined;
      return {
        text: `${mp.process}:${fd}.${field}: model ${JSON.stringify(ms[field])}, implementation ${JSON.stringify(as[field])}`,
        reqs,
        expected: `${mp.process}:${fd}.${field} = ${JSON.stringify(ms[field])}`,
        actual: `${mp.process}:${fd}.${field} = ${JSON.stringify(as[field])}`,
        ...(probe ? { probe } : {}),
      };
    }
  }
  return null;
}

/** Bound ports per family, as sets: more than the model's is a leak. */
function diffPorts(model: Inspection, actual: Inspection): Difference | null {
  for (const family of ['net', 'dss'] as const) {
    const listed = (v: Inspection): string => canonical([...v.ports[family]].map((e) => canonical(e)).sort());
    const m = listed(model);
    const a = listed(actual);
    if (m !== a) {
      const more = actual.ports[family].length > model.ports[family].length;
      return {
        text: `${family} ports: model ${m}, implementation ${a}`,
        reqs: more ? ['FAULT-NO-LEAK', family === 'net' ? 'NET-CLOSE-FREES-PORT' : 'CBT-FREE-ON-CLOSE'] : ['WIRE-INSPECT-MATCHES'],
        expected: `${family} ports ${m}`,
        actual: a,
      };
    }
  }
  return null;
}

function diffClock(model: Inspection, actual: Inspection): Difference | null {
  if (model.now === actual.now) return null;
  return { text: `now: model ${model.now}, implementation ${actual.now}`, reqs: ['CLOCK-TICKS-ONLY'], expected: `now = ${model.now}`, actual: String(actual.now) };
}
