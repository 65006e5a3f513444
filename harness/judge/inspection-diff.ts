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
import { type State, FAULT_REQS, describeAddress, sockKey } from '../../reference/index.ts';
import type { Inspection, SocketView } from '../../spec/messages.ts';
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
}

/** Who owns the table's blocks ("P:fd", "#reserved"), sorted: slot numbers are the implementation's own. */
function blockOwners(view: Inspection): string[] {
  return view.cbt.blocks
    .map((b) => (b.owner === null ? '' : 'reserved' in b.owner ? '#reserved' : `${b.owner.process}:${b.owner.fd}`))
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

/** Why the model's socket is in the state it is in: the requirement an implementation showing another state breaks. */
function stateCause(view: SocketView, process: string, context: DiffContext): string[] {
  const sock = context.state?.socks[sockKey(process, view.fd)];
  const end = sock && sock.conn !== null ? context.state?.conns[sock.conn]?.ends[sock.side] : undefined;
  if (view.state === 'reset' && end?.errReq) return [end.errReq];
  if (view.state === 'eof') return [view.family === 'dss' ? 'DSS-CLOSE-GRACEFUL' : 'DATA-EOF-AFTER-DATA'];
  if (view.state === 'failed') return ['FAULT-STG-FAIL-EIO'];
  const command = context.command;
  if (command?.type === 'fault') return [FAULT_REQS[command.fault.kind]];
  return [];
}

/** The requirements a difference in one field of a socket breaks, the likeliest cause first. */
function fieldCause(field: keyof SocketView, model: SocketView, actual: SocketView, process: string, context: DiffContext): string[] {
  // An STP socket the model has unbound or unconnected, shown bound or connected (DSS-SOCKET-UNBOUND).
  if (field === 'local' && model.local === null && model.family === 'dss') return ['DSS-SOCKET-UNBOUND'];
  if (field === 'peer' && model.peer === null && actual.family === 'dss') return ['DSS-SOCKET-UNBOUND'];
  if (field === 'rx' || field === 'inflight') return ['DATA-PREFIX-IN-ORDER', 'WIRE-INSPECT-MATCHES'];
  if (field === 'state') return [...stateCause(model, process, context), 'WIRE-INSPECT-MATCHES'];
  return ['WIRE-INSPECT-MATCHES'];
}

/** The first difference between the model's inspection and the implementation's, with the requirements it touches. */
export function diffInspections(model: Inspection, actual: Inspection, context: DiffContext = {}): Difference {
  return (
    diffOwners(model, actual, context) ??
    diffProcesses(model, actual, context) ??
    diffPorts(model, actual) ??
    diffClock(model, actual) ?? { text: 'inspections differ', reqs: ['WIRE-INSPECT-MATCHES'], expected: JSON.stringify(model), actual: JSON.stringify(actual) }
  );
}

/** Control blocks owned by others than the model's owners: a leak (a failed role's, or a plain one), or a missing allocation. */
function diffOwners(model: Inspection, actual: Inspection, context: DiffContext): Difference | null {
  const mo = blockOwners(model);
  const ao = blockOwners(actual);
  if (JSON.stringify(mo) === JSON.stringify(ao)) return null;
  const extra = ao.filter((o) => !mo.includes(o));
  const missing = mo.filter((o) => !ao.includes(o));
  const failedRole = extra.some((o) => context.roles?.get(o.slice(0, o.lastIndexOf(':'))) === 'failed');
  const reqs = failedRole ? ['HS-FAIL-RELEASES', 'FAULT-NO-LEAK'] : extra.length > 0 ? ['FAULT-NO-LEAK', 'CBT-FREE-ON-CLOSE'] : ['CBT-ALLOC-ON-REQUEST'];
  return {
    text: `control block owners differ: model [${mo.join(', ')}], implementation [${ao.join(', ')}]`,
    reqs,
    expected: `control blocks owned by [${mo.join(', ')}]`,
    actual: `[${ao.join(', ')}]${extra.length ? ` (extra ${extra.join(', ')})` : ''}${missing.length ? ` (missing ${missing.join(', ')})` : ''}`,
  };
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
      return {
        text: `${mp.process}:${fd}.${field}: model ${JSON.stringify(ms[field])}, implementation ${JSON.stringify(as[field])}`,
        reqs,
        expected: `${mp.process}:${fd}.${field} = ${JSON.stringify(ms[field])}`,
        actual: JSON.stringify(as[field]),
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
