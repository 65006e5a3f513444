/**
 * Plans: what fast-check generates. A plan is a list of abstract steps whose
 * arguments are selectors (small integers) rather than descriptors or ports;
 * each step is resolved against the model's current state just before it
 * runs, into concrete commands. So generation is state-dependent (a send
 * picks a connected socket when there is one), and every plan stays runnable
 * while fast-check shrinks it: a step with nothing to act on is skipped.
 */
import type { Fault, Op, Role } from '../../spec/messages.ts';
import { type WorldConfig, allProcesses, hostOf } from '../../spec/config.ts';
import { bytesToHex } from '../../spec/bytes.ts';
import type { State } from '../../reference/index.ts';

// ── the abstract steps ───────────────────────────────────────────────────

export type PortPick = 'dynamic' | 'wkp' | 'held' | 'range' | 'outside';

export type CallPlan =
  | { readonly c: 'socket'; readonly p: number; readonly family: 'net' | 'dss' }
  | { readonly c: 'bind'; readonly s: number; readonly port: PortPick; readonly n: number }
  | { readonly c: 'listen'; readonly s: number; readonly backlog: number }
  | { readonly c: 'accept'; readonly s: number }
  | { readonly c: 'connect'; readonly s: number; readonly to: number; readonly nobody: boolean }
  | { readonly c: 'send'; readonly s: number; readonly len: number; readonly byte: number }
  | { readonly c: 'recv'; readonly s: number; readonly max: number }
  | { readonly c: 'getsockname'; readonly s: number }
  | { readonly c: 'close'; readonly s: number }
  | { readonly c: 'stale'; readonly p: number; readonly op: 'send' | 'recv' | 'close' | 'accept'; readonly dss: boolean }
  | WrongCall;

/**
 * A call aimed on purpose at a target the model expects it to refuse: a socket of the other
 * family, another STG, an unknown host or STG, a socket in the wrong state, a descriptor that is
 * closed, never opened, open only in another process or in no range at all. `k` picks which of
 * the call's error branches (SPEC.md §3.3, §4.2, §5.3) is aimed at; `s` and `n` pick the socket
 * and the address. A branch that finds nothing to aim at falls back to a bad descriptor, so every
 * such call still tries some error path.
 */
export interface WrongCall {
  readonly c: 'wrong';
  readonly op: 'bind' | 'listen' | 'accept' | 'connect' | 'send' | 'recv' | 'getsockname' | 'close';
  readonly k: number;
  readonly s: number;
  readonly n: number;
}

export type FaultPlan =
  | { readonly f: 'crash'; readonly p: number }
  | { readonly f: 'partition'; readonly a: number; readonly b: number }
  /** `a` picks, now and then, two hosts to heal when none are partitioned (resolveFault). */
  | { readonly f: 'heal'; readonly a?: number }
  | { readonly f: 'reset'; readonly s: number }
  | { readonly f: 'stg-fail'; readonly g: number }
  | { readonly f: 'stg-repair' }
  | { readonly f: 'cbt-reserve'; readonly n: number }
  | { readonly f: 'cbt-release' }
  | { readonly f: 'delay'; readonly channel: 'net' | 'dss'; readonly ticks: number }
  | { readonly f: 'undelay'; readonly channel: 'net' | 'dss' };

export type Deviation =
  | 'wrong-string'
  | 'wrong-echo'
  | 'bad-stg-id'
  | 'bad-stg-length'
  | 'swapped-stg'
  | 'bad-port'
  | 'unused-port'
  | 'silent';

export type ScenarioFault = 'crash-self' | 'crash-peer' | 'partition' | 'reset' | 'stg-fail' | 'cbt-exhaust' | 'delay-net' | 'delay-dss';

export interface HandshakePlan {
  readonly flow: 'fs' | 'db';
  /** Which roles the implementation plays; the harness plays the others through plain calls. */
  readonly impl: 'both' | 'server' | 'client';
  readonly server: number;
  readonly client: number;
  /** A deviation of the harness-played peer (only when the harness plays one). */
  readonly deviation: Deviation | null;
  readonly deviationAt: number;
  /** One fault, injected while an implementation role is held before a step. */
  readonly fault: ScenarioFault | null;
  readonly faultAt: number;
  /** Ticks the fault lasts (partition, delay) before it is undone. */
  readonly faultTicks: number;
  /** Start both roles at once instead of the listening side first. */
  readonly together: boolean;
  /** Ticks the held role stays held after its fault, before it is resumed (time held does not count toward its step timeout). */
  readonly holdTicks: number;
  /**
   * Where the fault lands: at any step of the held role (absent), or at a step where it sends a
   * message its peer waits to read (`send`, the step chosen by faultAt / 2). A crash there is a
   * peer hanging up in mid-handshake: the peer's read meets end-of-stream (HS-PEER-GONE), which a
   * fault at any step reaches only when it happens to land on one of those few steps.
   */
  readonly faultOn?: 'send';
}

/**
 * Macro steps aimed at situations a run of single calls reaches only by luck (macros.ts expands
 * them, each command resolved after the previous one ran):
 * - `race-bind`: n processes (several hosts for STP, one host for the network) bind in one
 *   batch — all to port 0, or all to one explicit port — so a threaded implementation really
 *   races for the port;
 * - `stale-connect`: a connect delayed past its timeout, then its socket, descriptor, control
 *   block or port reused for a new connect (a new socket on the same descriptor, the same
 *   socket again, or the old port bound explicitly) before the old request arrives; or the
 *   connect ended by its process's crash and recovery instead of its timeout;
 * - `reuse-unread`: a connected socket closed with bytes unread, its descriptor reused by a new
 *   socket that connects again and reads;
 * - `queue-fill`: a fresh listener given exactly its backlog of connects, or one or two more
 *   (held), then closed, drained by accepts, left until the held connects time out, its process
 *   crashed and recovered (a held STP connect then refused by the recovery), or drained and
 *   closed and its port bound and listened on again while the accepted sockets still use it;
 * - `stg-down`: an STG failed — while a send through it is blocked on a full buffer and, where
 *   the channel can be delayed, a connect into it is on its way — then the calls that must answer
 *   EIO in it (bind, listen, connect into it, and a connection through it), then repaired;
 *   `twice` fails it twice;
 * - `in-flight`: a connected pair whose channel is delayed, bytes sent (an STP send of more than
 *   the buffer holds blocks), then, while they are in flight, the connection reset, the receiving
 *   end closed, or its STG failed; then the delay lifted and the sender reads;
 * - `cross-stg`: a socket bound in one STG connecting to a listener of another (EINVAL), then
 *   within its own STG, and an unbound socket connecting to that other listener (an implicit
 *   bind there).
 */
export type MacroPlan =
  | { readonly m: 'race-bind'; readonly family: 'net' | 'dss'; readonly n: number; readonly g: number; readonly explicit: boolean }
  | {
      readonly m: 'stale-connect';
      readonly family: 'net' | 'dss';
      readonly reuse: 'socket' | 'same' | 'port';
      readonly extra: number;
      readonly undelay: boolean;
      readonly a: number;
      readonly b: number;
      /** The connect ends with its process's crash (and recovery) instead of its timeout. */
      readonly crash?: boolean;
    }
  | { readonly m: 'reuse-unread'; readonly family: 'net' | 'dss'; readonly a: number; readonly b: number; readonly len: number; readonly byte: number }
  | {
      readonly m: 'queue-fill';
      readonly family: 'net' | 'dss';
      readonly backlog: number;
      readonly over: number;
      readonly end: 'close' | 'accept' | 'tick' | 'crash' | 'relisten';
      readonly a: number;
    }
  | { readonly m: 'stg-down'; readonly g: number; readonly a: number; readonly twice?: boolean }
  | { readonly m: 'in-flight'; readonly family: 'net' | 'dss'; readonly then: 'reset' | 'close' | 'stg-fail'; readonly big: boolean; readonly len: number; readonly a: number; readonly b: number }
  | { readonly m: 'cross-stg'; readonly g: number; readonly a: number; readonly b: number };

export type PlanStep =
  | { readonly t: 'call'; readonly call: CallPlan }
  | { readonly t: 'batch'; readonly calls: readonly CallPlan[] }
  | { readonly t: 'pair'; readonly family: 'net' | 'dss'; readonly a: number; readonly b: number }
  | { readonly t: 'race-alloc'; readonly n: number }
  | { readonly t: 'race-connect'; readonly n: number; readonly family: 'net' | 'dss' }
  | { readonly t: 'conn-fault'; readonly s: number; readonly kind: 'crash' | 'stg-fail' | 'reset' | 'partition'; readonly then: 'recv' | 'send' }
  | { readonly t: 'tick'; readonly n: number }
  | { readonly t: 'fault'; readonly fault: FaultPlan }
  | { readonly t: 'hs'; readonly plan: HandshakePlan }
  | { readonly t: 'sessions'; readonly plan: SessionsPlan }
  | { readonly t: 'macro'; readonly macro: MacroPlan };

/**
 * Several plain sessions (both roles by the implementation) set up at once, on distinct
 * listening hosts (SPEC.md §13.30); sessions.ts resolves them.
 */
export interface SessionsPlan {
  readonly sessions: readonly { readonly flow: 'fs' | 'db'; readonly server: number; readonly client: number; readonly together: boolean }[];
  /** Which held role goes next, turn by turn (judge/scenario.ts playSessions). */
  readonly order: readonly number[];
}

// ── concrete commands: what a run executes and a counterexample holds ─────

export interface CallCommand {
  readonly process: string;
  readonly call: Op;
}

export type Command =
  | { readonly type: 'call'; readonly process: string; readonly call: Op }
  | { readonly type: 'batch'; readonly calls: readonly CallCommand[] }
  | { readonly type: 'tick' }
  | { readonly type: 'fault'; readonly fault: Fault }
  | { readonly type: 'handshake'; readonly scenario: Scenario }
  /** Plain scenarios played at once (judge/scenario.ts playSessions). */
  | { readonly type: 'sessions'; readonly scenarios: readonly Scenario[]; readonly order: readonly number[] };

/** A handshake scenario with every choice made: processes, roles, deviation, fault. */
export interface Scenario {
  readonly flow: 'fs' | 'db';
  readonly server: { readonly process: string; readonly by: 'impl' | 'harness' };
  readonly client: { readonly process: string; readonly by: 'impl' | 'harness' };
  readonly stg: number;
  readonly deviation: { readonly kind: Deviation; readonly label: string } | null;
  /** `hold`: ticks the held role stays held after the fault is injected (absent in older counterexamples: 0). */
  readonly fault: { readonly kind: ScenarioFault; readonly side: 'server' | 'client'; readonly label: string; readonly ticks: number; readonly hold?: number } | null;
  readonly together: boolean;
}

export function rolesOf(flow: 'fs' | 'db'): { server: Role; client: Role } {
  return flow === 'fs' ? { server: 'fs-server', client: 'fs-client' } : { server: 'db-server', client: 'db-client' };
}

// ── resolution against the model state ───────────────────────────────────

export interface Capabilities {
  readonly handshakes: readonly Role[];
  readonly faults: readonly string[];
}

interface SockInfo {
  readonly proc: string;
  readonly fd: number;
  readonly family: 'net' | 'dss';
  readonly state: string;
  readonly local: { host?: string; stg?: number; port: number } | null;
}

const pick = <T>(list: readonly T[], sel: number): T | undefined => (list.length === 0 ? undefined : list[Math.abs(sel) % list.length]);

/** Mostly from `preferred` (the interesting ones), one selector in eight from `all`, so the rest stay reachable. */
const pickPreferring = <T>(preferred: readonly T[], all: readonly T[], sel: number): T | undefined =>
  preferred.length > 0 && sel % 8 !== 7 ? pick(preferred, sel) : pick(all, sel);

function idleProcesses(state: State): string[] {
  return allProcesses(state.config).filter((p) => state.procs[p]!.alive && state.procs[p]!.busy === null);
}

function sockets(state: State, procs: readonly string[]): SockInfo[] {
  const allowed = new Set(procs);
  return Object.values(state.socks)
    .filter((s) => allowed.has(s.proc) && !s.orphan)
    .map((s) => ({ proc: s.proc, fd: s.fd, family: s.family, state: s.state, local: s.local as SockInfo['local'] }))
    .sort((a, b) => (a.proc === b.proc ? a.fd - b.fd : a.proc < b.proc ? -1 : 1));
}

/** Prefer the sockets a call is meant for; a high selector reaches the others too (wrong-state errors). */
function chooseSock(all: readonly SockInfo[], preferred: (s: SockInfo) => boolean, sel: number): SockInfo | undefined {
  const good = all.filter(preferred);
  if (good.length > 0 && sel % 8 !== 7) return pick(good, Math.floor(sel / 8) + (sel % 8));
  return pick(all, sel);
}

function connectedEnd(state: State, sock: SockInfo): { rx: number } | null {
  const s = state.socks[`${sock.proc}:${sock.fd}`];
  if (!s || s.conn === null) return null;
  const end = state.conns[s.conn]?.ends[s.side];
  return end ? { rx: end.rx.length } : null;
}

export function resolveCall(state: State, plan: CallPlan, procs: readonly string[]): CallCommand | null {
  const config = state.config;
  const all = sockets(state, procs);
  switch (plan.c) {
    case 'socket': {
      const process = pick(procs, plan.p);
      return process ? { process, call: { op: 'socket', family: plan.family } } : null;
    }
    case 'bind': {
      const sock = chooseSock(all, (s) => s.local === null, plan.s);
      if (!sock) return null;
      const port = bindPort(state, sock, plan.port, plan.n);
      const stg = sock.family === 'dss' ? config.stgs[Math.abs(plan.n) % config.stgs.length]!.id : undefined;
      return { process: sock.proc, call: stg === undefined ? { op: 'bind', fd: sock.fd, port } : { op: 'bind', fd: sock.fd, stg, port } };
    }
    case 'listen': {
      const sock = chooseSock(all, (s) => s.state === 'idle' && (s.family === 'net' || s.local !== null), plan.s);
      return sock ? { process: sock.proc, call: { op: 'listen', fd: sock.fd, backlog: 1 + (Math.abs(plan.backlog) % 3) } } : null;
    }
    case 'accept': {
      const sock = chooseSock(all, (s) => s.state === 'listening' && hasQueued(state, s), plan.s) ?? undefined;
      const fallback = sock ?? chooseSock(all, (s) => s.state === 'listening', plan.s);
      return fallback ? { process: fallback.proc, call: { op: 'accept', fd: fallback.fd } } : null;
    }
    case 'connect': {
      const sock = chooseSock(all, (s) => s.state === 'idle', plan.s);
      if (!sock) return null;
      const listeners = Object.values(state.socks).filter((s) => s.state === 'listening' && s.family === sock.family && s.local);
      const compatible = listeners.filter((l) => sock.family === 'net' || !sock.local || (sock.local.stg === (l.local as { stg: number }).stg));
      // Mostly a listener the socket can reach; one selector in eight any listener of its family,
      // a bound STP socket's listener in another STG included (EINVAL, DSS-CONNECT).
      const target = plan.nobody ? undefined : pickPreferring(compatible, listeners, plan.to);
      if (target?.local) return { process: sock.proc, call: { op: 'connect', fd: sock.fd, to: target.local } };
      // Nobody listens there: ECONNREFUSED.
      if (sock.family === 'net') {
        const host = pick(config.hosts, plan.to)!.name;
        return { process: sock.proc, call: { op: 'connect', fd: sock.fd, to: { host, port: config.wkp + 2 + (Math.abs(plan.to) % 3) } } };
      }
      const stg = sock.local?.stg ?? pick(config.stgs, plan.to)!.id;
      const range = config.stgs.find((g) => g.id === stg)!.ports;
      return { process: sock.proc, call: { op: 'connect', fd: sock.fd, to: { stg, port: range[1] - (Math.abs(plan.to) % (range[1] - range[0] + 1)) } } };
    }
    case 'send': {
      const sock = chooseSock(all, (s) => s.state === 'connected', plan.s);
      if (!sock) return null;
      const len = 1 + (Math.abs(plan.len) % (sock.family === 'dss' ? 2 * maxStgLength(config) : 12));
      let data = '';
      for (let i = 0; i < len; i++) data += String.fromCharCode(97 + ((plan.byte + i) % 26));
      return { process: sock.proc, call: { op: 'send', fd: sock.fd, data: bytesToHex(data) } };
    }
    case 'recv': {
      const sock = chooseSock(all, (s) => s.state === 'connected' && (connectedEnd(state, s)?.rx ?? 0) > 0, plan.s) ?? undefined;
      const fallback = sock ?? chooseSock(all, (s) => s.state === 'connected', plan.s);
      return fallback ? { process: fallback.proc, call: { op: 'recv', fd: fallback.fd, max: 1 + (Math.abs(plan.max) % 16) } } : null;
    }
    case 'getsockname': {
      const sock = pick(all, plan.s);
      return sock ? { process: sock.proc, call: { op: 'getsockname', fd: sock.fd } } : null;
    }
    case 'close': {
      const sock = pick(all, plan.s);
      return sock ? { process: sock.proc, call: { op: 'close', fd: sock.fd } } : null;
    }
    case 'wrong':
      return resolveWrong(state, plan, procs, all);
    case 'stale': {
      const process = pick(procs, plan.p);
      if (!process) return null;
      // The lowest descriptor on that side that is not open: EBADF, whichever side of the boundary.
      const base = plan.dss ? config.fdBoundary : 3;
      let fd = base;
      while (state.socks[`${process}:${fd}`]) fd++;
      const call: Op =
        plan.op === 'send'
          ? { op: 'send', fd, data: '61' }
          : plan.op === 'recv'
            ? { op: 'recv', fd, max: 4 }
            : plan.op === 'close'
              ? { op: 'close', fd }
              : { op: 'accept', fd };
      return { process, call };
    }
  }
}

/**
 * A call aimed at one of its error branches. Each branch builds the call from what the world has
 * (a socket of the right kind, an address of the other family, another STG, a failed one); where
 * the world has nothing to aim that branch at, the call names a bad descriptor instead.
 */
function resolveWrong(state: State, plan: WrongCall, procs: readonly string[], all: readonly SockInfo[]): CallCommand | null {
  const config = state.config;
  const k = Math.abs(plan.k);
  const n = Math.abs(plan.n);
  const ofKind = (keep: (s: SockInfo) => boolean): SockInfo | undefined => pick(all.filter(keep), plan.s);
  const badFd = (): CallCommand | null => {
    const process = pick(procs, plan.s);
    if (!process) return null;
    const fd = strangeFd(state, process, n);
    const op: Op = opOn(plan.op, fd, state, n);
    return { process, call: op };
  };
  const on = (sock: SockInfo | undefined, op: (fd: number) => Op): CallCommand | null => (sock ? { process: sock.proc, call: op(sock.fd) } : badFd());
  const otherStg = (stg: number | undefined): number | undefined => pick(config.stgs.filter((g) => g.id !== stg), n)?.id;
  const unknownStg = Math.max(...config.stgs.map((g) => g.id)) + 1 + (n % 3);
  const failed = state.failedStgs;
  switch (plan.op) {
    case 'bind':
      // 6 aims at branch 2 again (an unknown STG): a world's own sockets never find it.
      switch (k % 8 === 6 ? 2 : k % 8) {
        case 0: {
          // The other family's arguments: an STG for a network socket, none for an STP one (EINVAL).
          const sock = ofKind((s) => s.local === null) ?? pick(all, plan.s);
          if (!sock) return badFd();
          const stg = pick(config.stgs, n)!.id;
          return { process: sock.proc, call: sock.family === 'net' ? { op: 'bind', fd: sock.fd, stg, port: 0 } : { op: 'bind', fd: sock.fd, port: 0 } };
        }
        case 1: {
          // A socket that already has an address (bound, listening, connected, accepted): EINVAL.
          const sock = ofKind((s) => s.local !== null);
          if (!sock) return badFd();
          const port = n % 2 === 0 ? 0 : sock.local!.port;
          return { process: sock.proc, call: sock.family === 'net' ? { op: 'bind', fd: sock.fd, port } : { op: 'bind', fd: sock.fd, stg: sock.local!.stg ?? config.stgs[0]!.id, port } };
        }
        case 2:
          // An STG that is not configured: EADDRNOTAVAIL.
          return on(ofKind((s) => s.family === 'dss' && s.local === null), (fd) => ({ op: 'bind', fd, stg: unknownStg, port: n % 2 === 0 ? 0 : 5000 }));
        case 3: {
          // A failed STG (EIO), when one has failed; else a port of another STG's range (EADDRNOTAVAIL).
          const stg = pick(failed, n) ?? pick(config.stgs, n)!.id;
          const port = failed.length > 0 ? 0 : otherRangePort(config, stg, n);
          return on(ofKind((s) => s.family === 'dss' && s.local === null), (fd) => ({ op: 'bind', fd, stg, port }));
        }
        case 4: {
          // A port another host holds (network: a namespace per host, so it binds) or another STG holds (STP: likewise).
          const sock = ofKind((s) => s.local === null);
          if (!sock) return badFd();
          const host = hostOf(config, sock.proc);
          const elsewhere = Object.values(state.socks)
            .filter((o) => o.local && o.family === sock.family && (sock.family === 'net' ? (o.local as { host: string }).host !== host : true))
            .map((o) => o.local!);
          const addr = pick(elsewhere, n);
          if (sock.family === 'net') return { process: sock.proc, call: { op: 'bind', fd: sock.fd, port: addr?.port ?? config.wkp } };
          const stg = otherStg((addr as { stg?: number } | undefined)?.stg) ?? config.stgs[0]!.id;
          const range = config.stgs.find((g) => g.id === stg)!.ports;
          const port = addr && addr.port >= range[0] && addr.port <= range[1] ? addr.port : range[0];
          return { process: sock.proc, call: { op: 'bind', fd: sock.fd, stg, port } };
        }
        case 5:
          // The edges of the port space: the highest port, or one just below the dynamic range.
          return on(ofKind((s) => s.local === null && s.family === 'net'), (fd) => ({ op: 'bind', fd, port: n % 2 === 0 ? 65535 : config.netPorts[0] - 1 }));
        default:
          return badFd();
      }
    case 'connect':
      // 6 aims at branch 2 again (an unknown host or STG): a world's own sockets never find it.
      switch (k % 8 === 6 ? 2 : k % 8) {
        case 0: {
          // An address of the other family: EINVAL.
          const sock = ofKind((s) => s.state === 'idle') ?? pick(all, plan.s);
          if (!sock) return badFd();
          const to = sock.family === 'net' ? anyAddress(state, 'dss', n) : anyAddress(state, 'net', n);
          return { process: sock.proc, call: { op: 'connect', fd: sock.fd, to } };
        }
        case 1: {
          // A socket bound in one STG connecting through another: EINVAL (DSS-CONNECT).
          const sock = ofKind((s) => s.family === 'dss' && s.state === 'idle' && s.local !== null);
          const stg = otherStg(sock?.local?.stg);
          if (!sock || stg === undefined) return badFd();
          const there = Object.values(state.socks).find((o) => o.state === 'listening' && o.local && (o.local as { stg?: number }).stg === stg);
          const to = there?.local ?? { stg, port: config.stgs.find((g) => g.id === stg)!.ports[0] };
          return { process: sock.proc, call: { op: 'connect', fd: sock.fd, to } };
        }
        case 2: {
          // A host or an STG that is not configured: EADDRNOTAVAIL.
          const sock = ofKind((s) => s.state === 'idle' && s.local === null) ?? ofKind((s) => s.state === 'idle');
          if (!sock) return badFd();
          const to = sock.family === 'net' ? { host: 'nohost', port: config.wkp } : { stg: unknownStg, port: 5000 };
          return { process: sock.proc, call: { op: 'connect', fd: sock.fd, to } };
        }
        case 3: {
          // A socket that listens or is connected: EISCONN.
          const sock = ofKind((s) => s.state === 'listening' || s.state === 'connected');
          if (!sock) return badFd();
          return { process: sock.proc, call: { op: 'connect', fd: sock.fd, to: anyAddress(state, sock.family, n) } };
        }
        case 4: {
          // The address of a socket that holds a port but does not listen: ECONNREFUSED (or a listener there after all).
          const sock = ofKind((s) => s.state === 'idle');
          if (!sock) return badFd();
          const bound = Object.values(state.socks).filter((o) => o.local && o.family === sock.family && o.state !== 'listening').map((o) => o.local!);
          const to = pick(bound, n) ?? anyAddress(state, sock.family, n);
          return { process: sock.proc, call: { op: 'connect', fd: sock.fd, to } };
        }
        case 5: {
          // Through a failed STG (EIO), when one has failed; else a listener of the caller's own process or host.
          const sock = ofKind((s) => s.state === 'idle');
          if (!sock) return badFd();
          const stg = pick(failed, n);
          if (sock.family === 'dss' && stg !== undefined) return { process: sock.proc, call: { op: 'connect', fd: sock.fd, to: { stg, port: config.stgs.find((g) => g.id === stg)!.ports[0] } } };
          const own = Object.values(state.socks).find((o) => o.state === 'listening' && o.family === sock.family && o.proc === sock.proc && o.local);
          return { process: sock.proc, call: { op: 'connect', fd: sock.fd, to: own?.local ?? anyAddress(state, sock.family, n) } };
        }
        default:
          return badFd();
      }
    case 'listen':
      switch (k % 4) {
        case 0:
          // A connected socket: EINVAL.
          return on(ofKind((s) => s.state === 'connected'), (fd) => ({ op: 'listen', fd, backlog: 1 }));
        case 1:
          // An unbound STP socket: EINVAL (nothing names its STG); or a socket listening already (a new backlog).
          return on(ofKind((s) => s.family === 'dss' && s.local === null) ?? ofKind((s) => s.state === 'listening'), (fd) => ({ op: 'listen', fd, backlog: 1 + (n % 3) }));
        case 2:
          // A bound STP socket in a failed STG: EIO; else any socket.
          return on(ofKind((s) => s.family === 'dss' && s.local !== null && failed.includes((s.local as { stg: number }).stg)) ?? pick(all, plan.s), (fd) => ({ op: 'listen', fd, backlog: 1 }));
        default:
          return badFd();
      }
    case 'accept':
      // A socket that does not listen: EINVAL; or a bad descriptor.
      return k % 2 === 0 ? on(ofKind((s) => s.state !== 'listening'), (fd) => ({ op: 'accept', fd })) : badFd();
    case 'send':
    case 'recv':
      // A socket that is not connected: ENOTCONN (EPIPE also allowed on the network); or a bad descriptor.
      return k % 2 === 0 ? on(ofKind((s) => s.state === 'idle' || s.state === 'listening'), (fd) => opOn(plan.op, fd, state, n)) : badFd();
    case 'getsockname':
    case 'close':
      return badFd();
  }
}

/** The call `op` on descriptor `fd`, with harmless arguments. */
function opOn(op: WrongCall['op'], fd: number, state: State, n: number): Op {
  switch (op) {
    case 'bind':
      return n % 2 === 0 ? { op: 'bind', fd, port: 0 } : { op: 'bind', fd, stg: state.config.stgs[0]!.id, port: 0 };
    case 'listen':
      return { op: 'listen', fd, backlog: 1 };
    case 'accept':
      return { op: 'accept', fd };
    case 'connect':
      return { op: 'connect', fd, to: anyAddress(state, n % 2 === 0 ? 'net' : 'dss', n) };
    case 'send':
      return { op: 'send', fd, data: '7a' };
    case 'recv':
      return { op: 'recv', fd, max: 4 };
    case 'getsockname':
      return { op: 'getsockname', fd };
    case 'close':
      return { op: 'close', fd };
  }
}

/**
 * A descriptor not open in `process`: one open only in another process, 0-2 (never sockets), one
 * past the storage-system range, the highest value the wire allows, the last network value
 * below the boundary, or the lowest free value on either side (a closed one, as often as not).
 */
function strangeFd(state: State, process: string, n: number): number {
  const boundary = state.config.fdBoundary;
  const open = (fd: number): boolean => state.socks[`${process}:${fd}`] !== undefined;
  const lowestFree = (base: number): number => {
    let fd = base;
    while (open(fd)) fd++;
    return fd;
  };
  const candidates = [
    ...Object.values(state.socks).filter((s) => s.proc !== process && !open(s.fd)).map((s) => s.fd).slice(0, 1),
    n % 3,
    boundary + 65536,
    0x7fff_ffff,
    open(boundary - 1) ? lowestFree(3) : boundary - 1,
    lowestFree(boundary),
    lowestFree(3),
  ];
  return candidates[n % candidates.length]!;
}

/** Some address of `family`: a socket's, a listener's, or a plausible one nobody holds. */
function anyAddress(state: State, family: 'net' | 'dss', n: number): { host: string; port: number } | { stg: number; port: number } {
  const config = state.config;
  const held = Object.values(state.socks).filter((s) => s.family === family && s.local).map((s) => s.local!);
  const found = pick(held, n);
  if (found && n % 3 !== 2) return found as { host: string; port: number } | { stg: number; port: number };
  if (family === 'net') return { host: pick(config.hosts, n)!.name, port: config.wkp + (n % 3) };
  const stg = pick(config.stgs, n)!;
  return { stg: stg.id, port: stg.ports[0] + (n % (stg.ports[1] - stg.ports[0] + 1)) };
}

/** A port of another STG's range that lies outside `stg`'s own (EADDRNOTAVAIL), or just past its own range. */
function otherRangePort(config: WorldConfig, stg: number, n: number): number {
  const own = config.stgs.find((g) => g.id === stg)!.ports;
  const other = pick(config.stgs.filter((g) => g.id !== stg), n);
  return other ? other.ports[0] + (n % (other.ports[1] - other.ports[0] + 1)) : own[1] + 1;
}

function hasQueued(state: State, sock: SockInfo): boolean {
  return (state.socks[`${sock.proc}:${sock.fd}`]?.queue.length ?? 0) > 0;
}

function maxStgLength(config: WorldConfig): number {
  return Math.max(...config.stgs.map((s) => s.length));
}

function bindPort(state: State, sock: SockInfo, pickKind: PortPick, n: number): number {
  const config = state.config;
  if (pickKind === 'dynamic') return 0;
  if (sock.family === 'net') {
    const host = hostOf(config, sock.proc)!;
    const held = Object.values(state.socks).filter((s) => s.local && 'host' in s.local && s.local.host === host).map((s) => s.local!.port);
    if (pickKind === 'wkp') return config.wkp + (Math.abs(n) % 2);
    if (pickKind === 'held' && held.length > 0) return held[Math.abs(n) % held.length]!;
    const [lo, hi] = config.netPorts;
    return lo + (Math.abs(n) % (hi - lo + 1));
  }
  const stg = config.stgs[Math.abs(n) % config.stgs.length]!;
  const held = Object.values(state.socks).filter((s) => s.local && 'stg' in s.local && s.local.stg === stg.id).map((s) => s.local!.port);
  if (pickKind === 'held' && held.length > 0) return held[Math.abs(n) % held.length]!;
  if (pickKind === 'outside') return stg.ports[1] + 1 + (Math.abs(n) % 3);
  return stg.ports[0] + (Math.abs(n) % (stg.ports[1] - stg.ports[0] + 1));
}

/** A batch: each call from a different idle process. */
export function resolveBatch(state: State, plans: readonly CallPlan[]): CallCommand[] {
  const calls: CallCommand[] = [];
  const used = new Set<string>();
  for (const plan of plans) {
    const procs = idleProcesses(state).filter((p) => !used.has(p));
    const call = resolveCall(state, plan, procs);
    if (!call) continue;
    used.add(call.process);
    calls.push(call);
  }
  return calls;
}

export function resolveFault(state: State, plan: FaultPlan, capabilities: Capabilities): Fault | null {
  const config = state.config;
  const has = (capability: string): boolean => capabilities.faults.includes(capability);
  switch (plan.f) {
    case 'crash': {
      if (!has('crash')) return null;
      const dead = allProcesses(config).filter((p) => !state.procs[p]!.alive);
      if (dead.length > 0) return { kind: 'recover', process: dead[0]! };
      // A crash matters most to a process with connections (its peers see the teardown).
      const connected = allProcesses(config).filter((p) => Object.values(state.socks).some((s) => s.proc === p && s.conn !== null));
      const process = pickPreferring(connected, allProcesses(config), plan.p);
      return process ? { kind: 'crash', process } : null;
    }
    case 'partition': {
      if (!has('partition') || config.hosts.length < 2) return null;
      const a = pick(config.hosts, plan.a)!.name;
      const others = config.hosts.filter((h) => h.name !== a);
      const b = pick(others, plan.b)!.name;
      return { kind: 'partition', hosts: a < b ? [a, b] : [b, a] };
    }
    case 'heal': {
      if (!has('partition')) return null;
      const link = state.partitions[0];
      if (link) {
        const [a, b] = link.split('|') as [string, string];
        return { kind: 'heal', hosts: [a, b] };
      }
      // Nothing partitioned: one selector in four heals two hosts anyway, which must change
      // nothing (FAULT-HEAL-DELIVERS); the others skip the step, as a heal with nothing to heal did.
      const sel = Math.abs(plan.a ?? 0);
      if (sel % 4 !== 3 || config.hosts.length < 2) return null;
      const first = Math.floor(sel / 4) % config.hosts.length;
      const a = config.hosts[first]!.name;
      const b = config.hosts[(first + 1) % config.hosts.length]!.name;
      return { kind: 'heal', hosts: a < b ? [a, b] : [b, a] };
    }
    case 'reset': {
      if (!has('reset')) return null;
      const connected = Object.values(state.socks).filter((s) => s.conn !== null && state.conns[s.conn] && !s.orphan);
      const sock = pick(connected, plan.s);
      return sock ? { kind: 'reset', process: sock.proc, fd: sock.fd } : null;
    }
    case 'stg-fail': {
      if (!has('stg-fail')) return null;
      // An STG carrying connections is the interesting one to fail.
      const busy = config.stgs.filter((g) => Object.values(state.conns).some((c) => c.stg === g.id));
      return { kind: 'stg-fail', stg: pickPreferring(busy, config.stgs, plan.g)!.id };
    }
    case 'stg-repair': {
      const stg = state.failedStgs[0];
      return has('stg-fail') && stg !== undefined ? { kind: 'stg-repair', stg } : null;
    }
    case 'cbt-reserve':
      return has('cbt-reserve') ? { kind: 'cbt-reserve', count: 1 + (Math.abs(plan.n) % config.cbt.capacity) } : null;
    case 'cbt-release':
      return has('cbt-reserve') && state.cbt.includes('#reserved') ? { kind: 'cbt-release' } : null;
    case 'delay':
      // Up to two ticks past the connect timeout: a delayed request can outlast the connect that sent it.
      return has('delay') ? { kind: 'delay', channel: plan.channel, ticks: 1 + (Math.abs(plan.ticks) % (config.ticks.connectTimeout + 2)) } : null;
    case 'undelay':
      return has('delay') && state.delay[plan.channel] > 0 ? { kind: 'undelay', channel: plan.channel } : null;
  }
}

/** Labels of a role at which a scenario may hold it (every step label). */
export function scenarioFor(state: State, plan: HandshakePlan, capabilities: Capabilities, labelsOf: (role: Role) => string[]): Scenario | null {
  const config = state.config;
  const roles = rolesOf(plan.flow);
  const idle = idleProcesses(state);
  const server = pick(idle, plan.server);
  if (!server) return null;
  const serverHost = hostOf(config, server)!;
  const client = pick(
    idle.filter((p) => hostOf(config, p) !== serverHost),
    plan.client,
  );
  if (!client) return null;
  const canServer = capabilities.handshakes.includes(roles.server);
  const canClient = capabilities.handshakes.includes(roles.client);
  let serverBy: 'impl' | 'harness' = plan.impl === 'client' ? 'harness' : 'impl';
  let clientBy: 'impl' | 'harness' = plan.impl === 'server' ? 'harness' : 'impl';
  if (!canServer) serverBy = 'harness';
  if (!canClient) clientBy = 'harness';
  if (serverBy === 'harness' && clientBy === 'harness') return null;
  const stg = pick(config.stgs, plan.server + plan.client)!.id;
  let deviation: Scenario['deviation'] = null;
  if (plan.deviation && (serverBy === 'harness' || clientBy === 'harness')) {
    const playedRole = serverBy === 'harness' ? roles.server : roles.client;
    const label = deviationLabel(plan.flow, playedRole, plan.deviation, plan.deviationAt, labelsOf);
    if (label) deviation = { kind: plan.deviation, label };
    // A deviation this role cannot make (a client sends no STG information): one it can, so a
    // scenario drawn deviant deviates, and the few a client can make (a bad or unused port at
    // 196 or 210, which its peer rejects at 224/238 or is refused at 234/244) come up as often as
    // the server's many.
    else deviation = pick(ownDeviations(playedRole), plan.deviationAt) ?? null;
  }
  let fault: Scenario['fault'] = null;
  if (plan.fault) {
    const side: 'server' | 'client' = serverBy === 'impl' && (clientBy !== 'impl' || plan.faultAt % 2 === 0) ? 'server' : 'client';
    const heldRole = side === 'server' ? roles.server : roles.client;
    const sends = plan.faultOn === 'send' ? SENDS[heldRole].filter((label) => labelsOf(heldRole).includes(label)) : [];
    const labels = sends.length > 0 ? sends : labelsOf(heldRole);
    const at = sends.length > 0 ? Math.floor(Math.abs(plan.faultAt) / 2) : plan.faultAt;
    const needs: Record<ScenarioFault, string> = {
      'crash-self': 'crash',
      'crash-peer': 'crash',
      partition: 'partition',
      reset: 'reset',
      'stg-fail': 'stg-fail',
      'cbt-exhaust': 'cbt-reserve',
      'delay-net': 'delay',
      'delay-dss': 'delay',
    };
    if (capabilities.faults.includes(needs[plan.fault])) {
      // A hold of up to stepTimeout + 1 ticks: long enough that a role counting its time held would time out, and its peer may.
      const hold = Math.abs(plan.holdTicks) % (config.ticks.stepTimeout + 2);
      fault = { kind: plan.fault, side, label: pick(labels, at)!, ticks: Math.abs(plan.faultTicks) % (config.ticks.stepTimeout + 2), ...(hold > 0 ? { hold } : {}) };
    }
  }
  return {
    flow: plan.flow,
    server: { process: server, by: serverBy },
    client: { process: client, by: clientBy },
    stg,
    deviation,
    fault,
    together: plan.together,
  };
}

/** Where each deviation can happen, per played role. */
const DEVIATION_LABELS: Readonly<Record<Role, Partial<Record<Deviation, readonly string[]>>>> = {
  'fs-server': {
    'wrong-string': ['90'],
    'wrong-echo': ['100'],
    'bad-stg-id': ['138'],
    'bad-stg-length': ['138'],
    'swapped-stg': ['138'],
  },
  'fs-client': { 'bad-port': ['170'], 'unused-port': ['170'] },
  'db-server': {
    'wrong-string': ['226'],
    'bad-stg-id': ['236'],
    'bad-stg-length': ['236'],
    'swapped-stg': ['236'],
  },
  'db-client': { 'bad-port': ['196', '210'], 'unused-port': ['196', '210'] },
};

/** Every deviation a played role can make, with each label it can make it at. */
function ownDeviations(role: Role): { kind: Deviation; label: string }[] {
  return Object.entries(DEVIATION_LABELS[role]).flatMap(([kind, labels]) => (labels ?? []).map((label) => ({ kind: kind as Deviation, label })));
}

/**
 * The steps at which each role sends a message its peer's next read waits for (Fig. 4, 4A, 5):
 * a role that crashes held before one of them has left its peer reading a connection that ends
 * (scenario `faultOn: 'send'`). macros.test.ts checks each is a send in reference/roles.ts.
 */
export const SENDS: Readonly<Record<Role, readonly string[]>> = {
  'fs-server': ['90', '100', '138'],
  'fs-client': ['122', '170'],
  'db-server': ['226', '236'],
  'db-client': ['196', '210'],
};

function deviationLabel(flow: 'fs' | 'db', role: Role, deviation: Deviation, at: number, labelsOf: (role: Role) => string[]): string | null {
  void flow;
  if (deviation === 'silent') return pick(labelsOf(role), at) ?? null;
  return pick(DEVIATION_LABELS[role][deviation] ?? [], at) ?? null;
}

export { idleProcesses };
