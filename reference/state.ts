/**
 * The model's state: plain data, JSON-serialisable, never mutated once a step
 * has returned it (steps clone, then edit the clone — see clone()).
 *
 * A socket lives in `socks` under "process:fd". A connection has two ends:
 * end 0 is the side that connected, end 1 the side that listened (it has no
 * descriptor until accept takes it from the listener's queue). Transmissions
 * held by a delay or a partition wait in `flights`, in send order.
 */
import type { Address, ErrorCode, Op, Outcome, Role, RoleParams } from '../spec/messages.ts';
import type { Family, WorldConfig } from '../spec/config.ts';
import type { RuleId } from './rules.ts';

export interface ProcState {
  readonly host: string;
  alive: boolean;
  /** The pending call or running handshake that occupies the process, if any. */
  busy: string | null;
}

export interface Sock {
  readonly proc: string;
  readonly fd: number;
  readonly family: Family;
  state: 'idle' | 'listening' | 'connecting' | 'connected';
  local: Address | null;
  /** True when this socket holds its local port (bind or implicit bind); accepted sockets share their listener's. */
  holdsPort: boolean;
  /** The port came from an implicit bind (connect), which a failed connect releases. */
  implicit: boolean;
  peer: Address | null;
  /** Listeners: queue bound, queued connection ids, and connects held while the queue is full. */
  backlog: number;
  queue: readonly number[];
  held: readonly string[];
  conn: number | null;
  side: 0 | 1;
  /** Orphaned: its process crashed; the storage system keeps it until recover. */
  orphan: boolean;
}

export interface End {
  proc: string;
  /** null while queued at a listener, or once closed. */
  fd: number | null;
  open: boolean;
  readonly addr: Address;
  /** Bytes that arrived and were not read yet. */
  rx: string;
  /** End-of-stream arrived. */
  eof: boolean;
  /** A reset arrived (or was injected). */
  rst: boolean;
  /** An error to report once, by the next recv (after rx) or send. */
  err: ErrorCode | null;
  /** Which requirement put err there — for verdicts. */
  errReq: string | null;
  /** The STG of this connection failed. */
  failed: boolean;
  /** The key of this end's pending send (storage system, full buffer). */
  sendKey: string | null;
}

export interface Conn {
  readonly id: number;
  readonly family: Family;
  readonly stg: number | null;
  /** Hosts of end 0 and end 1 (network partitions are between hosts). */
  readonly hosts: readonly [string, string];
  ends: [End, End];
}

export type Flight =
  | {
      readonly seq: number;
      readonly kind: 'data' | 'fin' | 'rst';
      readonly channel: Family;
      readonly conn: number;
      /** The end it travels to. */
      readonly to: 0 | 1;
      readonly link: readonly [string, string];
      readonly data: string;
      due: number;
    }
  | {
      readonly seq: number;
      readonly kind: 'syn';
      readonly channel: Family;
      readonly link: readonly [string, string];
      /** The pending connect this request belongs to. */
      readonly key: string;
      due: number;
    };

export interface Pending {
  readonly key: string;
  readonly proc: string;
  readonly op: Op;
  readonly issuedAt: number;
  /** The handshake this call belongs to, if a role made it. */
  readonly role: string | null;
  /** A result already decided (connect resolved, timeout, cancel, send finished or broken). */
  result: Decided | null;
  /** Storage-system send: bytes not yet in the buffer, and the full length. */
  sendLeft: string;
}

export interface Decided {
  readonly outcome: Outcome;
  /** Other outcomes allowed in its place (POSIX and Linux disagree on a few errors). */
  readonly alternatives?: readonly Outcome[];
  readonly reqs: readonly string[];
  readonly why: string;
  /** The rule that decided it (rules.ts), fired when the outcome is given. */
  readonly rule: RuleId;
}

export interface RoleRun {
  readonly id: string;
  readonly role: Role;
  readonly proc: string;
  readonly params: RoleParams;
  readonly hold: readonly string[];
  /** Index of the step under way in the role's program. */
  pc: number;
  vars: Record<string, number | string>;
  /** Bytes moved so far by the step under way: received by a whole-message receive, sent by a send. */
  buf: string;
  /** Per strand of the role's table, the index of its next step (roles.ts `Progress`). */
  heads?: readonly number[];
  /** The step under way has made a call and goes on with the next (a partial message, a refused connect). */
  mid?: boolean;
  /** The label of the step under way, and the tick it began (or resumed). */
  label: string | null;
  labelSince: number;
  /** Labels already held and resumed. */
  passed: readonly string[];
  held: boolean;
  retryAt: number;
  /** Number of calls made: role call keys are "<id>.<seq>". */
  seq: number;
  pendingKey: string | null;
  /** Descriptors the role opened and has not closed. */
  opened: readonly number[];
  failure: { label: string; error: ErrorCode; reqs: readonly string[]; why: string; cleanup: boolean } | null;
  finished: boolean;
}

export interface State {
  readonly config: WorldConfig;
  now: number;
  procs: Record<string, ProcState>;
  socks: Record<string, Sock>;
  conns: Record<string, Conn>;
  nextConn: number;
  /** Control block table: one entry per slot; a key "process:fd", "#reserved", or null. */
  cbt: (string | null)[];
  /** Partitioned host pairs, as "a|b" with a < b. */
  partitions: string[];
  delay: { net: number; dss: number };
  failedStgs: number[];
  pending: Record<string, Pending>;
  roles: Record<string, RoleRun>;
  flights: Flight[];
  seq: number;
}

export const RESERVED = '#reserved';

export function sockKey(proc: string, fd: number): string {
  return `${proc}:${fd}`;
}

export function linkKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/**
 * A copy of a state that a step may edit freely. It runs once per model step,
 * so it copies by structure: every object a step edits in place (sockets,
 * connection ends, pending calls, role runs, flights, the table) is copied;
 * what steps only ever replace — addresses, ops, decided results, configs,
 * and the readonly lists (a listener's queue and held connects, a role's
 * passed steps and opened descriptors) — is shared.
 */
export function clone(state: State): State {
  const procs: Record<string, ProcState> = {};
  for (const key in state.procs) procs[key] = { ...state.procs[key]! };
  const socks: Record<string, Sock> = {};
  for (const key in state.socks) {
    socks[key] = { ...state.socks[key]! };
  }
  const conns: Record<string, Conn> = {};
  for (const key in state.conns) {
    const conn = state.conns[key]!;
    conns[key] = { ...conn, ends: [{ ...conn.ends[0] }, { ...conn.ends[1] }] };
  }
  const pending: Record<string, Pending> = {};
  for (const key in state.pending) pending[key] = { ...state.pending[key]! };
  const roles: Record<string, RoleRun> = {};
  for (const key in state.roles) {
    const run = state.roles[key]!;
    roles[key] = { ...run, vars: { ...run.vars } };
  }
  return {
    config: state.config,
    now: state.now,
    procs,
    socks,
    conns,
    nextConn: state.nextConn,
    cbt: state.cbt.slice(),
    partitions: state.partitions.slice(),
    delay: { ...state.delay },
    failedStgs: state.failedStgs.slice(),
    pending,
    roles,
    flights: state.flights.map((f) => ({ ...f })),
    seq: state.seq,
  };
}

/**
 * A canonical string of a state's behaviour: two states with equal
 * fingerprints answer every future input alike. Internal numbering that
 * depends only on the order of independent events — connection ids, the
 * transmission counter, which free slot a control block took — is left out:
 * connections are named by their connecting end, the table by its owners.
 */
export function fingerprint(state: State): string {
  const connName = (id: number | null): string => {
    if (id === null) return '';
    const conn = state.conns[id];
    return conn ? `${conn.ends[0].proc}:${conn.ends[0].fd ?? `~${conn.id}`}` : `gone${id}`;
  };
  const addr = (a: Address | null): string => (a === null ? '' : 'host' in a ? `${a.host}:${a.port}` : `#${a.stg}:${a.port}`);
  // Built by hand, field by field: this runs at every node of a search that branches.
  let out = `${state.now}|`;
  for (const key of Object.keys(state.procs).sort()) {
    const p = state.procs[key]!;
    out += `${key}${p.alive ? '' : '!'}${p.busy ?? ''};`;
  }
  out += '|';
  for (const key of Object.keys(state.socks).sort()) {
    const s = state.socks[key]!;
    out += `${key}=${s.state},${addr(s.local)},${s.holdsPort ? 1 : 0}${s.implicit ? 1 : 0}${s.orphan ? 1 : 0},${addr(s.peer)},${s.backlog},${s.queue.map(connName).join('+')},${s.held.join('+')},${connName(s.conn)},${s.side};`;
  }
  out += '|';
  const conns: string[] = [];
  for (const conn of Object.values(state.conns)) {
    let text = `${connName(conn.id)}=${conn.family},${conn.stg ?? ''},${conn.hosts[0]},${conn.hosts[1]}`;
    for (const e of conn.ends) {
      text += `/${e.proc},${e.fd ?? ''},${e.open ? 1 : 0}${e.eof ? 1 : 0}${e.rst ? 1 : 0}${e.failed ? 1 : 0},${addr(e.addr)},${JSON.stringify(e.rx)},${e.err ?? ''},${e.errReq ?? ''},${e.sendKey ?? ''}`;
    }
    conns.push(text);
  }
  out += conns.sort().join(';') + '|';
  out += state.cbt.map((o) => o ?? '').sort().join(',') + '|';
  out += [...state.partitions].sort().join(',') + `|${state.delay.net},${state.delay.dss}|` + [...state.failedStgs].sort().join(',') + '|';
  for (const key of Object.keys(state.pending).sort()) {
    const p = state.pending[key]!;
    out += `${key}=${p.proc},${JSON.stringify(p.op)},${p.issuedAt},${p.role ?? ''},${p.result ? JSON.stringify(p.result.outcome) + JSON.stringify(p.result.alternatives ?? []) : ''},${JSON.stringify(p.sendLeft)};`;
  }
  out += '|';
  for (const key of Object.keys(state.roles).sort()) out += `${key}=${JSON.stringify(state.roles[key])};`;
  out += '|';
  for (const f of state.flights) out += f.kind === 'syn' ? `syn:${f.key}@${f.due};` : `${f.kind}:${connName(f.conn)}>${f.to}@${f.due}:${JSON.stringify(f.data)};`;
  return out;
}

export function initialState(config: WorldConfig): State {
  const procs: Record<string, ProcState> = {};
  for (const host of config.hosts) {
    for (const proc of host.processes) procs[proc] = { host: host.name, alive: true, busy: null };
  }
  return {
    config,
    now: 0,
    procs,
    socks: {},
    conns: {},
    nextConn: 1,
    cbt: new Array<string | null>(config.cbt.capacity).fill(null),
    partitions: [],
    delay: { net: 0, dss: 0 },
    failedStgs: [],
    pending: {},
    roles: {},
    flights: [],
    seq: 0,
  };
}
