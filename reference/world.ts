/**
 * The socket world: the nine calls of both families, the two channels that
 * carry their transmissions, and the faults that act on them (SPEC.md
 * chapters 2-6 and 10).
 *
 * Every function here edits a state that the caller has already cloned.
 * A call is first issued (`issue`), then completed (`complete`) when
 * `completable` says it can: calls that never block complete at once, the
 * others when the event they wait for has happened.
 */
import type { Address, ErrorCode, Fault, Op, Outcome } from '../spec/messages.ts';
import { bytesToHex, hexToBytes } from '../spec/bytes.ts';
import { type Family, fdRange, stgOf } from '../spec/config.ts';
import { type Ctx, Illegal, Violation } from './context.ts';
import { deepEqual } from './equal.ts';
import { describeAddress, describeOutcome } from './describe.ts';
import {
  type Conn,
  type Decided,
  type End,
  type Flight,
  type Pending,
  RESERVED,
  type Sock,
  type State,
  linkKey,
  sockKey,
} from './state.ts';

// ── small helpers ─────────────────────────────────────────────────────────

function decided(outcome: Outcome, reqs: readonly string[], why: string): Decided {
  return { outcome, reqs, why };
}

function err(error: ErrorCode, reqs: readonly string[], why: string): Decided {
  return decided({ error }, reqs, why);
}

function sameOutcome(a: Outcome, b: Outcome): boolean {
  return deepEqual(a, b);
}

export function hostOfProc(state: State, proc: string): string {
  const found = state.procs[proc];
  if (!found) throw new Illegal(`no process ${proc}`);
  return found.host;
}

export function sockOf(state: State, proc: string, fd: number): Sock | undefined {
  return state.socks[sockKey(proc, fd)];
}

function familyOfFd(state: State, fd: number): Family | undefined {
  const [netLo, netHi] = fdRange(state.config, 'net');
  const [dssLo, dssHi] = fdRange(state.config, 'dss');
  if (fd >= netLo && fd <= netHi) return 'net';
  if (fd >= dssLo && fd <= dssHi) return 'dss';
  return undefined;
}

/** The end of its connection a socket holds, if it is connected. */
export function endOf(state: State, sock: Sock): End | undefined {
  if (sock.conn === null) return undefined;
  return state.conns[sock.conn]?.ends[sock.side];
}

function freeSlots(state: State): number {
  return state.cbt.filter((slot) => slot === null).length;
}

function allocBlock(state: State, owner: string): void {
  const slot = state.cbt.indexOf(null);
  if (slot < 0) throw new Error('allocBlock without a free slot');
  state.cbt[slot] = owner;
}

function freeBlock(state: State, owner: string): void {
  const slot = state.cbt.indexOf(owner);
  if (slot >= 0) state.cbt[slot] = null;
}

function stgFailed(state: State, stg: number): boolean {
  return state.failedStgs.includes(stg);
}

/** Is the port held in this scope (a host's network ports, or an STG's ports)? */
function portHeld(state: State, scope: { host: string } | { stg: number }, port: number): boolean {
  for (const sock of Object.values(state.socks)) {
    if (!sock.local || sock.local.port !== port) continue;
    if ('host' in scope && 'host' in sock.local && sock.local.host === scope.host) return true;
    if ('stg' in scope && 'stg' in sock.local && sock.local.stg === scope.stg) return true;
  }
  return false;
}

function freePorts(state: State, scope: { host: string } | { stg: number }, range: readonly [number, number]): number[] {
  const free: number[] = [];
  for (let port = range[0]; port <= range[1]; port++) if (!portHeld(state, scope, port)) free.push(port);
  return free;
}

function dynamicRange(state: State, scope: { host: string } | { stg: number }): readonly [number, number] {
  if ('host' in scope) return state.config.netPorts;
  const stg = stgOf(state.config, scope.stg);
  if (!stg) throw new Error(`no STG ${scope.stg}`);
  return stg.ports;
}

function addressIn(scope: { host: string } | { stg: number }, port: number): Address {
  return 'host' in scope ? { host: scope.host, port } : { stg: scope.stg, port };
}

function sameAddress(a: Address | null | undefined, b: Address | null | undefined): boolean {
  return deepEqual(a ?? null, b ?? null);
}

// ── expectations: the implementation's answer against the allowed set ────

/** The outcome is fixed: the observed one must be exactly it. */
function expectExactly(ctx: Ctx, key: string, outcome: Outcome, reqs: readonly string[], why: string): Outcome {
  ctx.touch(reqs);
  const observed = ctx.observed(key);
  if (observed !== undefined && !sameOutcome(observed, outcome)) {
    throw new Violation(reqs, `${describeOutcome(outcome)} (${why})`, describeOutcome(observed), key);
  }
  return outcome;
}

/** The outcome is one of several errors (POSIX and Linux differ). */
function expectOneOf(ctx: Ctx, key: string, outcomes: readonly Outcome[], reqs: readonly string[], why: string): Outcome {
  ctx.touch(reqs);
  const observed = ctx.observed(key);
  if (observed === undefined) return outcomes[0]!;
  if (outcomes.some((o) => sameOutcome(o, observed))) return observed;
  throw new Violation(reqs, `${outcomes.map(describeOutcome).join(' or ')} (${why})`, describeOutcome(observed), key);
}

/** The call succeeds; returns the observed value, if any, for the caller to check. */
function expectSuccess(ctx: Ctx, key: string, reqs: readonly string[], expected: string): Record<string, unknown> | undefined {
  ctx.touch(reqs);
  const observed = ctx.observed(key);
  if (observed === undefined) return undefined;
  if ('error' in observed) throw new Violation(reqs, expected, observed.error, key);
  return observed.value as Record<string, unknown>;
}

/** A new descriptor: any free value of the family's range; canonical is the lowest. */
function chooseFd(state: State, ctx: Ctx, key: string, proc: string, family: Family, value: Record<string, unknown> | undefined): number {
  const [lo, hi] = fdRange(state.config, family);
  let lowest = -1;
  for (let fd = lo; fd <= hi; fd++) {
    if (!state.socks[sockKey(proc, fd)]) {
      lowest = fd;
      break;
    }
  }
  if (value === undefined) return lowest;
  ctx.touch(['DISPATCH-FD-RANGE', 'DISPATCH-FD-UNIQUE', 'DISPATCH-FD-LOWEST']);
  const fd = value.fd;
  if (typeof fd !== 'number' || fd < lo || fd > hi) {
    throw new Violation(['DISPATCH-FD-RANGE'], `a ${family} descriptor in [${lo}, ${hi}]`, `fd ${String(fd)}`, key);
  }
  if (state.socks[sockKey(proc, fd)]) {
    throw new Violation(['DISPATCH-FD-UNIQUE'], `a descriptor not open in ${proc}`, `fd ${fd}, already open`, key);
  }
  if (fd !== lowest) ctx.soft('DISPATCH-FD-LOWEST', `${proc} got fd ${fd} where ${lowest} was the lowest free`);
  return fd;
}

/** A dynamic port: any free one of the range; canonical is the lowest. */
function choosePort(
  state: State,
  ctx: Ctx,
  key: string,
  scope: { host: string } | { stg: number },
  observedLocal: unknown,
  reqs: readonly string[],
): number {
  const range = dynamicRange(state, scope);
  const free = freePorts(state, scope, range);
  if (observedLocal === undefined) {
    // Not observable here (a connect still pending): every free port is possible.
    return free[ctx.pick(free.length)]!;
  }
  const local = observedLocal as Address | null;
  const port = local?.port ?? -1;
  const expected = `a free dynamic port of ${'host' in scope ? scope.host : `stg${scope.stg}`} in ${range[0]}..${range[1]}`;
  if (!local || !sameAddress(local, addressIn(scope, port)) || !free.includes(port)) {
    const why = local && free.length && port >= range[0] && port <= range[1] ? ' (already held)' : '';
    throw new Violation(reqs, expected, describeAddress(local) + why, key);
  }
  return port;
}

// ── transport: the two channels ───────────────────────────────────────────

function partitioned(state: State, channel: Family, link: readonly [string, string]): boolean {
  return channel === 'net' && link[0] !== link[1] && state.partitions.includes(linkKey(link[0], link[1]));
}

function laneOf(flight: Flight): string {
  return flight.kind === 'syn' ? `syn:${flight.key}` : `${flight.conn}>${flight.to}`;
}

/** Send one transmission: at once when its channel is clear, else it waits in flights. */
function transmit(state: State, ctx: Ctx, flight: Flight): void {
  const lane = laneOf(flight);
  const waiting = state.flights.filter((f) => laneOf(f) === lane);
  const delay = state.delay[flight.channel];
  if (waiting.length === 0 && delay === 0 && !partitioned(state, flight.channel, flight.link)) {
    arrive(state, ctx, flight);
    return;
  }
  const lastDue = waiting.reduce((due, f) => Math.max(due, f.due), 0);
  flight.due = Math.max(state.now + delay, lastDue);
  state.flights.push(flight);
}

function nextSeq(state: State): number {
  state.seq += 1;
  return state.seq;
}

function sendOnConn(state: State, ctx: Ctx, conn: Conn, from: 0 | 1, kind: 'data' | 'fin' | 'rst', data = ''): void {
  const to = (1 - from) as 0 | 1;
  transmit(state, ctx, {
    seq: nextSeq(state),
    kind,
    channel: conn.family,
    conn: conn.id,
    to,
    link: [conn.hosts[from], conn.hosts[to]],
    data,
    due: state.now,
  });
}

/** Deliver every held transmission whose time has come and whose link is open, in order per lane. */
export function deliverDue(state: State, ctx: Ctx): void {
  const blocked = new Set<string>();
  const remaining: Flight[] = [];
  const ready: Flight[] = [];
  for (const flight of state.flights) {
    const lane = laneOf(flight);
    if (blocked.has(lane) || flight.due > state.now || partitioned(state, flight.channel, flight.link)) {
      blocked.add(lane);
      remaining.push(flight);
    } else {
      ready.push(flight);
    }
  }
  state.flights = remaining;
  for (const flight of ready) arrive(state, ctx, flight);
}

function arrive(state: State, ctx: Ctx, flight: Flight): void {
  if (flight.kind === 'syn') {
    arriveSyn(state, ctx, flight.key);
    return;
  }
  const conn = state.conns[flight.conn];
  if (!conn) return;
  const end = conn.ends[flight.to];
  if (flight.kind === 'data') {
    if (!end.open) {
      // A network socket that no longer exists answers data with a reset (RFC 793); the storage system drops it.
      const back = conn.ends[(1 - flight.to) as 0 | 1];
      if (conn.family === 'net' && back.open && !back.rst) sendOnConn(state, ctx, conn, flight.to, 'rst', 'NET-SEND-AFTER-PEER-CLOSE');
      return;
    }
    if (end.failed || end.rst) return;
    end.rx += flight.data;
    return;
  }
  if (flight.kind === 'fin') {
    if (!end.open || end.eof) return;
    end.eof = true;
    if (conn.family === 'dss') breakSend(state, end, err('EPIPE', ['DSS-CLOSE-GRACEFUL'], 'the peer closed'));
    return;
  }
  // rst: the data field carries the requirement that caused it.
  if (!end.open || end.rst) return;
  end.rst = true;
  end.err = end.eof ? 'EPIPE' : 'ECONNRESET';
  end.errReq = flight.data || 'NET-CLOSE-UNREAD-RESETS';
  gcConn(state, conn);
}

function breakSend(state: State, end: End, result: Decided): void {
  if (!end.sendKey) return;
  const pending = state.pending[end.sendKey];
  end.sendKey = null;
  if (pending && !pending.result) pending.result = result;
}

function arriveSyn(state: State, ctx: Ctx, key: string): void {
  const pending = state.pending[key];
  if (!pending || pending.result || pending.op.op !== 'connect') return;
  const to = pending.op.to;
  const listener = findListener(state, to);
  const sock = sockOf(state, pending.proc, pending.op.fd)!;
  const family = sock.family;
  if (!listener) {
    refuse(state, pending, sock, family === 'net' ? 'NET-CONNECT-REFUSED' : 'DSS-CONNECT', `nobody listens at ${describeAddress(to)}`);
    return;
  }
  admitOrHold(state, ctx, listener, key);
}

/** The socket listening on an address, if any. */
export function findListener(state: State, to: Address): Sock | undefined {
  return Object.values(state.socks).find((s) => s.state === 'listening' && sameAddress(s.local, to));
}

function refuse(state: State, pending: Pending, sock: Sock, req: string, why: string): void {
  pending.result = err('ECONNREFUSED', [req], why);
  sock.state = 'idle';
  releaseImplicitBind(sock);
}

function releaseImplicitBind(sock: Sock): void {
  if (sock.holdsPort && sock.implicit) {
    sock.local = null;
    sock.holdsPort = false;
    sock.implicit = false;
  }
}

function admitOrHold(state: State, ctx: Ctx, listener: Sock, key: string): void {
  const queued = listener.queue.length;
  // The queue holds at least backlog and at most backlog+1 (Linux holds backlog+1).
  const admit = queued < listener.backlog || (queued === listener.backlog && ctx.pick(2) === 0);
  if (admit) admitConnection(state, ctx, listener, key);
  else {
    ctx.touch(['NET-CONNECT-QUEUE-FULL', 'NET-LISTEN-QUEUE']);
    // Held connects are a set: which one is admitted when room frees is open (admitHeld), so
    // the order they arrived in is not part of the state.
    listener.held = [...listener.held, key].sort();
  }
}

function admitConnection(state: State, ctx: Ctx, listener: Sock, key: string): void {
  const pending = state.pending[key]!;
  const sock = sockOf(state, pending.proc, (pending.op as { fd: number }).fd)!;
  const crossHost = hostOfProc(state, sock.proc) !== hostOfProc(state, listener.proc);
  ctx.touch(sock.family === 'net' ? ['NET-CONNECT-NETWORK-ONLY'] : crossHost ? ['DSS-STORAGE-ONLY', 'WORLD-SHARED-STORAGE'] : ['DSS-STORAGE-ONLY']);
  const id = state.nextConn++;
  const conn: Conn = {
    id,
    family: sock.family,
    stg: listener.local && 'stg' in listener.local ? listener.local.stg : null,
    hosts: [hostOfProc(state, sock.proc), hostOfProc(state, listener.proc)],
    ends: [newEnd(sock.proc, sock.fd, sock.local!), newEnd(listener.proc, null, listener.local!)],
  };
  state.conns[id] = conn;
  listener.queue = [...listener.queue, id];
  sock.state = 'connected';
  sock.conn = id;
  sock.side = 0;
  sock.peer = listener.local;
  pending.result = decided({ value: { local: sock.local } }, [sock.family === 'net' ? 'NET-CONNECT-QUEUES' : 'DSS-CONNECT'], `queued at ${describeAddress(listener.local)}`);
}

function newEnd(proc: string, fd: number | null, addr: Address): End {
  return { proc, fd, open: true, addr, rx: '', eof: false, rst: false, err: null, errReq: null, failed: false, sendKey: null };
}

/** After accept took a connection: admit connects that were held while the queue was full. */
function admitHeld(state: State, ctx: Ctx, listener: Sock): void {
  while (listener.held.length > 0) {
    const queued = listener.queue.length;
    if (queued > listener.backlog) return;
    if (queued === listener.backlog && ctx.pick(2) !== 0) return;
    // Any held connect may be the one admitted (a real stack admits whichever retries first).
    const at = ctx.pick(listener.held.length);
    const key = listener.held[at];
    listener.held = listener.held.filter((_, i) => i !== at);
    if (key && state.pending[key] && !state.pending[key]!.result) admitConnection(state, ctx, listener, key);
  }
}

function gcConn(state: State, conn: Conn): void {
  if (conn.ends[0].open || conn.ends[1].open) return;
  if (state.flights.some((f) => f.kind !== 'syn' && f.conn === conn.id)) return;
  delete state.conns[conn.id];
}

export function gcConns(state: State): void {
  for (const conn of Object.values(state.conns)) gcConn(state, conn);
}

/** Space left in the direction that ends at `to` of a storage-system connection. */
function spaceToward(state: State, conn: Conn, to: 0 | 1): number {
  const stg = stgOf(state.config, conn.stg!)!;
  const inFlight = state.flights.reduce((n, f) => (f.kind === 'data' && f.conn === conn.id && f.to === to ? n + f.data.length : n), 0);
  return stg.length - inFlight - conn.ends[to].rx.length;
}

/** Move bytes of the pending send at end `from` into the buffer toward its peer, as space allows. */
function pumpSend(state: State, ctx: Ctx, conn: Conn, from: 0 | 1): void {
  const end = conn.ends[from];
  if (!end.sendKey) return;
  const pending = state.pending[end.sendKey];
  if (!pending || pending.result) {
    end.sendKey = null;
    return;
  }
  const to = (1 - from) as 0 | 1;
  const space = spaceToward(state, conn, to);
  const move = Math.min(space, pending.sendLeft.length);
  if (move > 0) {
    const chunk = pending.sendLeft.slice(0, move);
    pending.sendLeft = pending.sendLeft.slice(move);
    sendOnConn(state, ctx, conn, from, 'data', chunk);
  }
  if (pending.sendLeft.length === 0) {
    const total = hexToBytes((pending.op as { data: string }).data).length;
    pending.result = decided({ value: { sent: total } }, ['STG-BACKPRESSURE', 'DATA-SEND-COMPLETE'], 'all bytes are buffered');
    end.sendKey = null;
  }
}

// ── issuing and completing calls ──────────────────────────────────────────

export function issue(state: State, ctx: Ctx, key: string, proc: string, op: Op, role: string | null): void {
  const p = state.procs[proc];
  if (!p) throw new Illegal(`no process ${proc}`);
  if (!p.alive) throw new Illegal(`process ${proc} has crashed and was not recovered`);
  const pending: Pending = { key, proc, op, issuedAt: state.now, role, result: null, sendLeft: '' };
  state.pending[key] = pending;
  if (op.op !== 'socket') ctx.touch(['WORLD-PROCESS-ISOLATION', 'DISPATCH-BY-VALUE']);
  if (op.op === 'connect') issueConnect(state, ctx, pending, op);
  else if (op.op === 'send') issueSend(state, ctx, pending, op);
}

function issueConnect(state: State, ctx: Ctx, pending: Pending, op: Extract<Op, { op: 'connect' }>): void {
  const sock = sockOf(state, pending.proc, op.fd);
  if (!sock) {
    pending.result = err('EBADF', ['DISPATCH-EBADF'], `fd ${op.fd} is not open in ${pending.proc}`);
    return;
  }
  if (sock.state !== 'idle') {
    pending.result = err('EISCONN', ['ERR-STATE-ERRORS'], `the socket is ${sock.state}`);
    return;
  }
  const targetFamily: Family = 'host' in op.to ? 'net' : 'dss';
  if (targetFamily !== sock.family) {
    pending.result = err('EINVAL', ['DISPATCH-BY-VALUE', 'ERR-STATE-ERRORS'], `a ${sock.family} socket cannot connect to a ${targetFamily} address`);
    return;
  }
  const familyReq = sock.family === 'net' ? 'NET-CONNECT-AUTOBIND' : 'DSS-CONNECT';
  if ('host' in op.to) {
    const to = op.to;
    if (!state.config.hosts.some((h) => h.name === to.host)) {
      pending.result = err('EADDRNOTAVAIL', ['ERR-STATE-ERRORS'], `no host ${to.host}`);
      return;
    }
  } else {
    const to = op.to;
    if (!stgOf(state.config, to.stg)) {
      pending.result = err('EADDRNOTAVAIL', ['DSS-CONNECT'], `no STG ${to.stg}`);
      return;
    }
    if (sock.local && 'stg' in sock.local && sock.local.stg !== to.stg) {
      pending.result = err('EINVAL', ['DSS-CONNECT'], `the socket is bound in stg${sock.local.stg}`);
      return;
    }
    if (stgFailed(state, to.stg)) {
      pending.result = err('EIO', ['FAULT-STG-FAIL-EIO'], `stg${to.stg} has failed`);
      return;
    }
  }
  if (!sock.local) {
    const scope = 'host' in op.to ? { host: hostOfProc(state, sock.proc) } : { stg: op.to.stg };
    const free = freePorts(state, scope, dynamicRange(state, scope));
    if (free.length === 0) {
      pending.result = err('EADDRNOTAVAIL', [familyReq], 'no dynamic port is free for the implicit bind');
      return;
    }
    const observed = ctx.observed(pending.key);
    const local = observed && 'value' in observed ? (observed.value as { local?: unknown }).local : undefined;
    ctx.touch([familyReq]);
    const port = choosePort(state, ctx, pending.key, scope, local, [familyReq]);
    sock.local = addressIn(scope, port);
    sock.holdsPort = true;
    sock.implicit = true;
  }
  sock.state = 'connecting';
  const link: [string, string] =
    'host' in op.to ? [hostOfProc(state, sock.proc), op.to.host] : [hostOfProc(state, sock.proc), hostOfProc(state, sock.proc)];
  transmit(state, ctx, { seq: nextSeq(state), kind: 'syn', channel: sock.family, link, key: pending.key, due: state.now });
}

function issueSend(state: State, ctx: Ctx, pending: Pending, op: Extract<Op, { op: 'send' }>): void {
  const sock = sockOf(state, pending.proc, op.fd);
  if (!sock) {
    pending.result = err('EBADF', ['DISPATCH-EBADF'], `fd ${op.fd} is not open in ${pending.proc}`);
    return;
  }
  const end = endOf(state, sock);
  const conn = sock.conn === null ? undefined : state.conns[sock.conn];
  if (!end || !conn) {
    pending.result = {
      outcome: { error: 'ENOTCONN' },
      alternatives: sock.family === 'net' ? [{ error: 'EPIPE' }] : [],
      reqs: ['ERR-STATE-ERRORS'],
      why: `the socket is ${sock.state}${sock.family === 'net' ? ' (POSIX says ENOTCONN, Linux EPIPE: both allowed)' : ''}`,
    };
    return;
  }
  if (end.failed) {
    pending.result = err('EIO', ['FAULT-STG-FAIL-EIO'], `stg${conn.stg} has failed`);
    return;
  }
  if (end.err) {
    pending.result = err(end.err, [end.errReq ?? 'FAULT-RESET'], 'the connection was reset');
    end.err = null;
    return;
  }
  if (end.rst) {
    pending.result = err('EPIPE', [end.errReq ?? 'FAULT-RESET'], 'the connection was reset and the error reported');
    return;
  }
  const data = hexToBytes(op.data);
  if (conn.family === 'dss') {
    if (end.eof) {
      pending.result = err('EPIPE', ['DSS-CLOSE-GRACEFUL'], 'the peer closed');
      return;
    }
    pending.sendLeft = data;
    end.sendKey = pending.key;
    pumpSend(state, ctx, conn, sock.side);
    return;
  }
  sendOnConn(state, ctx, conn, sock.side, 'data', data);
  pending.result = decided(
    { value: { sent: data.length } },
    [end.eof ? 'NET-SEND-AFTER-PEER-CLOSE' : 'DATA-SEND-COMPLETE'],
    end.eof ? 'the first send after the peer closed succeeds' : 'network sends do not block',
  );
}

/** Can the pending call complete now, without the clock advancing? */
export function completable(state: State, key: string): boolean {
  const pending = state.pending[key];
  if (!pending) return false;
  if (pending.result) return true;
  const op = pending.op;
  if (op.op === 'connect' || op.op === 'send') return false;
  if (op.op === 'socket') return true;
  const sock = sockOf(state, pending.proc, op.fd);
  if (op.op === 'accept') return !sock || sock.state !== 'listening' || sock.queue.length > 0;
  if (op.op === 'recv') {
    const end = sock ? endOf(state, sock) : undefined;
    if (!sock || !end) return true;
    return end.failed || end.rx.length > 0 || end.eof || end.err !== null || end.rst;
  }
  return true;
}

/** Why a blocked call is blocked — the requirements a premature answer would break. */
export function blockedReason(state: State, key: string): { reqs: string[]; why: string } {
  const pending = state.pending[key]!;
  const op = pending.op;
  if (op.op === 'connect') {
    const syn = state.flights.find((f) => f.kind === 'syn' && f.key === key);
    if (syn && partitioned(state, syn.channel, syn.link)) return { reqs: ['FAULT-PARTITION-HOLDS'], why: `${syn.link[0]} and ${syn.link[1]} are partitioned` };
    if (syn) return { reqs: ['FAULT-DELAY-CHANNEL'], why: `the ${syn.channel} channel is delayed until tick ${syn.due}` };
    return { reqs: ['NET-CONNECT-QUEUE-FULL'], why: `the listener's queue at ${describeAddress(op.to)} is full` };
  }
  if (op.op === 'send') return { reqs: ['STG-BACKPRESSURE'], why: `${pending.sendLeft.length} bytes do not fit the STG buffer yet` };
  const sock = 'fd' in op ? sockOf(state, pending.proc, op.fd) : undefined;
  // What the call waits for may already be on its way, held by a partition or a delay.
  const held = sock ? heldToward(state, sock) : undefined;
  if (held) {
    const partition = partitioned(state, held.channel, held.link);
    return partition
      ? { reqs: ['FAULT-PARTITION-HOLDS'], why: `what it waits for is held: ${held.link[0]} and ${held.link[1]} are partitioned` }
      : { reqs: ['FAULT-DELAY-CHANNEL'], why: `what it waits for is delayed on the ${held.channel} channel until tick ${held.due}` };
  }
  if (op.op === 'accept') return { reqs: [sock?.family === 'dss' ? 'DSS-ACCEPT' : 'NET-ACCEPT-FIFO'], why: 'no connection is queued' };
  return { reqs: ['DATA-RECV-NONEMPTY-PREFIX', 'DATA-PREFIX-IN-ORDER'], why: 'nothing is readable and the stream has not ended' };
}

/** A transmission in flight toward this socket: data or end-of-stream for a connected one, a connect for a listener. */
function heldToward(state: State, sock: Sock): Flight | undefined {
  if (sock.state === 'listening') {
    return state.flights.find((f) => f.kind === 'syn' && sameAddress((state.pending[f.key]?.op as { to?: Address } | undefined)?.to, sock.local));
  }
  if (sock.conn === null) return undefined;
  return state.flights.find((f) => f.kind !== 'syn' && f.conn === sock.conn && f.to === sock.side);
}

/** Complete a pending call: decide its outcome (checked against the observed one) and apply its effects. */
export function complete(state: State, ctx: Ctx, key: string): Outcome {
  const pending = state.pending[key];
  if (!pending) throw new Error(`complete: no pending call ${key}`);
  delete state.pending[key];
  if (pending.result) {
    const { outcome, alternatives, reqs, why } = pending.result;
    if (alternatives?.length) return expectOneOf(ctx, key, [outcome, ...alternatives], reqs, why);
    return expectExactly(ctx, key, outcome, reqs, why);
  }
  const op = pending.op;
  const proc = pending.proc;
  if (op.op !== 'accept' && op.op !== 'recv') ctx.touch(['CLOCK-ONLY-BLOCKING-CALLS-BLOCK']);
  switch (op.op) {
    case 'socket':
      return doSocket(state, ctx, key, proc, op.family);
    case 'bind':
      return doBind(state, ctx, key, proc, op);
    case 'listen':
      return doListen(state, ctx, key, proc, op);
    case 'accept':
      return doAccept(state, ctx, key, proc, op.fd);
    case 'recv':
      return doRecv(state, ctx, key, proc, op.fd, op.max);
    case 'getsockname':
      return doGetsockname(state, ctx, key, proc, op.fd);
    case 'close':
      return doClose(state, ctx, key, proc, op.fd);
    case 'connect':
    case 'send':
      throw new Error(`complete: ${op.op} ${key} has no decided result`);
  }
}

function badFd(ctx: Ctx, key: string, proc: string, fd: number): Outcome {
  return expectExactly(ctx, key, { error: 'EBADF' }, ['DISPATCH-EBADF'], `fd ${fd} is not open in ${proc}`);
}

function doSocket(state: State, ctx: Ctx, key: string, proc: string, family: Family): Outcome {
  if (family === 'dss' && freeSlots(state) === 0) {
    return expectExactly(ctx, key, { error: 'ENOBUFS' }, ['CBT-EXHAUSTED-ENOBUFS'], 'every control block is allocated');
  }
  const [lo, hi] = fdRange(state.config, family);
  let anyFree = false;
  for (let fd = lo; fd <= hi && !anyFree; fd++) anyFree = !state.socks[sockKey(proc, fd)];
  if (!anyFree) return expectExactly(ctx, key, { error: 'EMFILE' }, ['DISPATCH-FD-RANGE'], `no ${family} descriptor is free`);
  const reqs = family === 'dss' ? ['CBT-ALLOC-ON-REQUEST'] : ['NET-SOCKET-FRESH'];
  const value = expectSuccess(ctx, key, reqs, `a new ${family} descriptor`);
  const fd = chooseFd(state, ctx, key, proc, family, value);
  state.socks[sockKey(proc, fd)] = {
    proc,
    fd,
    family,
    state: 'idle',
    local: null,
    holdsPort: false,
    implicit: false,
    peer: null,
    backlog: 0,
    queue: [],
    held: [],
    conn: null,
    side: 0,
    orphan: false,
  };
  if (family === 'dss') allocBlock(state, sockKey(proc, fd));
  return { value: { fd } };
}

function doBind(state: State, ctx: Ctx, key: string, proc: string, op: Extract<Op, { op: 'bind' }>): Outcome {
  const sock = sockOf(state, proc, op.fd);
  if (!sock) return badFd(ctx, key, proc, op.fd);
  if (sock.family === 'net' && op.stg !== undefined) {
    return expectExactly(ctx, key, { error: 'EINVAL' }, ['DISPATCH-BY-VALUE', 'ERR-STATE-ERRORS'], 'a network socket binds a port, not an STG');
  }
  if (sock.family === 'dss' && op.stg === undefined) {
    return expectExactly(ctx, key, { error: 'EINVAL' }, ['DISPATCH-BY-VALUE', 'DSS-BIND-STG-PORT'], 'a storage-system socket must name its STG');
  }
  const onceReq = sock.family === 'net' ? 'NET-BIND-ONCE' : 'DSS-BIND-INUSE';
  if (sock.local) return expectExactly(ctx, key, { error: 'EINVAL' }, [onceReq], `the socket is already bound to ${describeAddress(sock.local)}`);
  let scope: { host: string } | { stg: number };
  if (sock.family === 'net') {
    scope = { host: hostOfProc(state, proc) };
  } else {
    const stg = stgOf(state.config, op.stg!);
    if (!stg) return expectExactly(ctx, key, { error: 'EADDRNOTAVAIL' }, ['DSS-BIND-STG-PORT'], `no STG ${op.stg}`);
    if (stgFailed(state, stg.id)) return expectExactly(ctx, key, { error: 'EIO' }, ['FAULT-STG-FAIL-EIO'], `stg${stg.id} has failed`);
    if (op.port !== 0 && (op.port < stg.ports[0] || op.port > stg.ports[1])) {
      return expectExactly(ctx, key, { error: 'EADDRNOTAVAIL' }, ['DSS-BIND-STG-PORT'], `port ${op.port} is outside stg${stg.id}'s ${stg.ports[0]}..${stg.ports[1]}`);
    }
    scope = { stg: stg.id };
  }
  let port = op.port;
  if (port === 0) {
    const dynReq = sock.family === 'net' ? 'NET-BIND-DYNAMIC' : 'DSS-BIND-DYNAMIC';
    if (freePorts(state, scope, dynamicRange(state, scope)).length === 0) {
      return expectExactly(ctx, key, { error: 'EADDRINUSE' }, [dynReq], 'no dynamic port is free');
    }
    const value = expectSuccess(ctx, key, [dynReq], 'a free dynamic port');
    port = choosePort(state, ctx, key, scope, value ? value.local : undefined, [dynReq]);
  } else {
    const inUseReq = sock.family === 'net' ? 'NET-BIND-INUSE' : 'DSS-BIND-INUSE';
    if (portHeld(state, scope, port)) {
      return expectExactly(ctx, key, { error: 'EADDRINUSE' }, [inUseReq], `${describeAddress(addressIn(scope, port))} is held`);
    }
    const explicitReq = sock.family === 'net' ? 'NET-BIND-EXPLICIT' : 'DSS-BIND-STG-PORT';
    expectExactly(ctx, key, { value: { local: addressIn(scope, port) } }, [explicitReq], 'the port is free');
  }
  if ('stg' in scope && Object.values(state.socks).some((s) => s !== sock && s.local && 'stg' in s.local && s.local.stg === scope.stg)) {
    ctx.touch(['STG-PORTS-PER-STG']);
  }
  sock.local = addressIn(scope, port);
  sock.holdsPort = true;
  return { value: { local: sock.local } };
}

function doListen(state: State, ctx: Ctx, key: string, proc: string, op: Extract<Op, { op: 'listen' }>): Outcome {
  const sock = sockOf(state, proc, op.fd);
  if (!sock) return badFd(ctx, key, proc, op.fd);
  if (sock.state === 'connected' || sock.state === 'connecting') {
    return expectExactly(ctx, key, { error: 'EINVAL' }, ['ERR-STATE-ERRORS'], `the socket is ${sock.state}`);
  }
  if (sock.family === 'dss') {
    if (!sock.local) return expectExactly(ctx, key, { error: 'EINVAL' }, ['DSS-LISTEN-NEEDS-BIND'], 'an unbound storage-system socket names no STG');
    const stg = (sock.local as { stg: number }).stg;
    if (stgFailed(state, stg)) return expectExactly(ctx, key, { error: 'EIO' }, ['FAULT-STG-FAIL-EIO'], `stg${stg} has failed`);
  } else if (!sock.local) {
    const scope = { host: hostOfProc(state, proc) };
    if (freePorts(state, scope, state.config.netPorts).length === 0) {
      return expectExactly(ctx, key, { error: 'EADDRINUSE' }, ['NET-LISTEN-QUEUE'], 'no dynamic port is free for the implicit bind');
    }
    const value = expectSuccess(ctx, key, ['NET-LISTEN-QUEUE'], 'listening, on a dynamic port');
    const port = choosePort(state, ctx, key, scope, value ? value.local : undefined, ['NET-LISTEN-QUEUE']);
    sock.local = addressIn(scope, port);
    sock.holdsPort = true;
  }
  const outcome: Outcome = { value: { local: sock.local } };
  expectExactly(ctx, key, outcome, [sock.family === 'net' ? 'NET-LISTEN-QUEUE' : 'DSS-CONNECT'], 'the socket can listen');
  sock.state = 'listening';
  sock.backlog = op.backlog;
  admitHeld(state, ctx, sock);
  return outcome;
}

function doAccept(state: State, ctx: Ctx, key: string, proc: string, fd: number): Outcome {
  const sock = sockOf(state, proc, fd);
  if (!sock) return badFd(ctx, key, proc, fd);
  if (sock.state !== 'listening') return expectExactly(ctx, key, { error: 'EINVAL' }, ['ERR-STATE-ERRORS'], `the socket is ${sock.state}, not listening`);
  const acceptReq = sock.family === 'net' ? 'NET-ACCEPT-FIFO' : 'DSS-ACCEPT';
  if (sock.family === 'dss' && freeSlots(state) === 0) {
    return expectExactly(ctx, key, { error: 'ENOBUFS' }, ['CBT-EXHAUSTED-ENOBUFS'], 'every control block is allocated; the connection stays queued');
  }
  // Like socket: with every descriptor of the family's range open there is nothing to return (never fd -1).
  const [fdLo, fdHi] = fdRange(state.config, sock.family);
  let fdFree = false;
  for (let candidate = fdLo; candidate <= fdHi && !fdFree; candidate++) fdFree = !state.socks[sockKey(proc, candidate)];
  if (!fdFree) return expectExactly(ctx, key, { error: 'EMFILE' }, ['DISPATCH-FD-RANGE'], `no ${sock.family} descriptor is free; the connection stays queued`);
  const connId = sock.queue[0]!;
  const conn = state.conns[connId]!;
  const peer = conn.ends[0].addr;
  const value = expectSuccess(ctx, key, [acceptReq], `the oldest queued connection, from ${describeAddress(peer)}`);
  const newFd = chooseFd(state, ctx, key, proc, sock.family, value);
  if (value && !sameAddress(value.peer as Address, peer)) {
    throw new Violation([acceptReq], `peer ${describeAddress(peer)} (the oldest queued connection)`, `peer ${describeAddress(value.peer as Address)}`, key);
  }
  sock.queue = sock.queue.slice(1);
  conn.ends[1].fd = newFd;
  state.socks[sockKey(proc, newFd)] = {
    proc,
    fd: newFd,
    family: sock.family,
    state: 'connected',
    local: sock.local,
    holdsPort: false,
    implicit: false,
    peer,
    backlog: 0,
    queue: [],
    held: [],
    conn: connId,
    side: 1,
    orphan: false,
  };
  if (sock.family === 'dss') allocBlock(state, sockKey(proc, newFd));
  admitHeld(state, ctx, sock);
  return { value: { fd: newFd, peer } };
}

function doRecv(state: State, ctx: Ctx, key: string, proc: string, fd: number, max: number): Outcome {
  const sock = sockOf(state, proc, fd);
  if (!sock) return badFd(ctx, key, proc, fd);
  const conn = sock.conn === null ? undefined : state.conns[sock.conn];
  if (!conn) return expectExactly(ctx, key, { error: 'ENOTCONN' }, ['ERR-STATE-ERRORS'], `the socket is ${sock.state}`);
  const end = conn.ends[sock.side];
  if (end.failed) return expectExactly(ctx, key, { error: 'EIO' }, ['FAULT-STG-FAIL-EIO'], `stg${conn.stg} has failed`);
  if (end.rx.length > 0) {
    const observed = ctx.observed(key);
    const most = Math.min(max, end.rx.length);
    let take = most;
    if (observed !== undefined) {
      if ('error' in observed) {
        throw new Violation(['DATA-RECV-NONEMPTY-PREFIX'], `1..${most} of the ${end.rx.length} readable bytes`, observed.error, key);
      }
      const got = hexToBytes((observed.value as { data: string }).data);
      if (got.length === 0) {
        throw new Violation(['DATA-RECV-NONEMPTY-PREFIX'], `1..${most} of the ${end.rx.length} readable bytes`, 'EOF (no bytes)', key);
      }
      if (got.length > most || got !== end.rx.slice(0, got.length)) {
        const reqs = crosstalk(state, conn, got) ? ['DATA-NO-CROSSTALK'] : ['DATA-PREFIX-IN-ORDER'];
        throw new Violation(reqs, `a non-empty prefix of ${describeOutcome({ value: { data: bytesToHex(end.rx.slice(0, most)) } })}`, describeOutcome(observed), key);
      }
      take = got.length;
      if (take < most) ctx.soft('DATA-RECV-GREEDY', `${proc}:recv(${fd},${max}) returned ${take} of ${most} readable bytes`);
    }
    ctx.touch(['DATA-RECV-NONEMPTY-PREFIX', 'DATA-PREFIX-IN-ORDER', 'DATA-NO-CROSSTALK', 'DATA-RECV-GREEDY']);
    const data = end.rx.slice(0, take);
    end.rx = end.rx.slice(take);
    if (conn.family === 'dss') pumpSend(state, ctx, conn, (1 - sock.side) as 0 | 1);
    return { value: { data: bytesToHex(data) } };
  }
  if (end.eof) return expectExactly(ctx, key, { value: { data: '' } }, ['DATA-EOF-AFTER-DATA'], 'the peer closed and every byte was read');
  if (end.err) {
    const error = end.err;
    end.err = null;
    return expectExactly(ctx, key, { error }, [end.errReq ?? 'FAULT-RESET'], 'the connection was reset');
  }
  if (end.rst) return expectExactly(ctx, key, { value: { data: '' } }, [end.errReq ?? 'FAULT-RESET'], 'reset already reported: end-of-stream');
  throw new Error(`recv ${key} completed while blocked`);
}

/** Do these bytes belong to some other connection's stream? */
function crosstalk(state: State, conn: Conn, got: string): boolean {
  return Object.values(state.conns).some((other) => other.id !== conn.id && other.ends.some((e) => e.rx.length > 0 && e.rx.startsWith(got.slice(0, Math.min(got.length, e.rx.length)))));
}

function doGetsockname(state: State, ctx: Ctx, key: string, proc: string, fd: number): Outcome {
  const sock = sockOf(state, proc, fd);
  if (!sock) return badFd(ctx, key, proc, fd);
  const reqs = sock.family === 'net' ? ['NET-GETSOCKNAME'] : sock.local ? ['DSS-GETSOCKNAME'] : ['DSS-SOCKET-UNBOUND', 'DSS-GETSOCKNAME'];
  return expectExactly(ctx, key, { value: { local: sock.local } }, reqs, sock.local ? 'its local address' : 'the socket is unbound');
}

function doClose(state: State, ctx: Ctx, key: string, proc: string, fd: number): Outcome {
  const sock = sockOf(state, proc, fd);
  if (!sock) return badFd(ctx, key, proc, fd);
  closeSocket(state, ctx, sock);
  return expectExactly(ctx, key, { value: {} }, [sock.family === 'dss' ? 'CBT-FREE-ON-CLOSE' : 'NET-CLOSE-FREES-PORT'], 'close always succeeds on an open descriptor');
}

/** Close as close(2) does — also used when a crash closes a process's network sockets. */
export function closeSocket(state: State, ctx: Ctx, sock: Sock): void {
  const key = sockKey(sock.proc, sock.fd);
  delete state.socks[key];
  if (sock.family === 'dss') freeBlock(state, key);
  if (sock.state === 'listening') {
    if (sock.queue.length > 0 || sock.held.length > 0) ctx.touch(['DATA-LISTENER-CLOSE-RESETS']);
    for (const connId of sock.queue) {
      const conn = state.conns[connId];
      if (!conn) continue;
      conn.ends[1].open = false;
      resetEnd(state, conn, 0, 'DATA-LISTENER-CLOSE-RESETS');
      gcConn(state, conn);
    }
    for (const heldKey of sock.held) {
      const pending = state.pending[heldKey];
      const connector = pending ? sockOf(state, pending.proc, (pending.op as { fd: number }).fd) : undefined;
      if (pending && connector && !pending.result) refuse(state, pending, connector, 'DATA-LISTENER-CLOSE-RESETS', 'the listener closed');
    }
    return;
  }
  const conn = sock.conn === null ? undefined : state.conns[sock.conn];
  if (!conn) return;
  const end = conn.ends[sock.side];
  const unread = end.rx.length > 0;
  end.open = false;
  end.fd = null;
  end.rx = '';
  end.sendKey = null;
  if (!end.rst && !end.failed) {
    if (conn.family === 'net' && unread) sendOnConn(state, ctx, conn, sock.side, 'rst', 'NET-CLOSE-UNREAD-RESETS');
    else sendOnConn(state, ctx, conn, sock.side, 'fin');
    ctx.touch([conn.family === 'dss' ? 'DSS-CLOSE-GRACEFUL' : unread ? 'NET-CLOSE-UNREAD-RESETS' : 'DATA-EOF-AFTER-DATA']);
  }
  gcConn(state, conn);
}

/** Reset one end now (the storage system, or the fault injector, acts without the channel). */
function resetEnd(state: State, conn: Conn, side: 0 | 1, req: string): void {
  const end = conn.ends[side];
  if (!end.open || end.rst) return;
  end.rst = true;
  end.err = 'ECONNRESET';
  end.errReq = req;
  if (end.sendKey) {
    breakSend(state, end, err('ECONNRESET', [req], 'the connection was reset'));
    end.err = null;
  }
}

// ── the clock and faults ──────────────────────────────────────────────────

/** One tick: deliver what is due, then time out connects that waited too long. */
export function tickWorld(state: State, ctx: Ctx): void {
  state.now += 1;
  deliverDue(state, ctx);
  for (const pending of Object.values(state.pending)) {
    if (pending.op.op !== 'connect' || pending.result) continue;
    if (state.now - pending.issuedAt < state.config.ticks.connectTimeout) continue;
    const sock = sockOf(state, pending.proc, pending.op.fd);
    cancelConnect(state, pending.key);
    pending.result = err('ETIMEDOUT', ['CLOCK-CONNECT-TIMEOUT'], `pending for ${state.config.ticks.connectTimeout} ticks`);
    if (sock) {
      sock.state = 'idle';
      releaseImplicitBind(sock);
    }
  }
}

/** Forget a connect's request wherever it waits (in flight, or held by a full listener). */
export function cancelConnect(state: State, key: string): void {
  state.flights = state.flights.filter((f) => !(f.kind === 'syn' && f.key === key));
  for (const sock of Object.values(state.socks)) {
    if (sock.held.includes(key)) sock.held = sock.held.filter((k) => k !== key);
  }
}

/** Cancel a pending call without an answer (a handshake role gave up on it). */
export function abandon(state: State, key: string): void {
  const pending = state.pending[key];
  if (!pending) return;
  delete state.pending[key];
  if (pending.op.op === 'connect') {
    cancelConnect(state, key);
    const sock = sockOf(state, pending.proc, pending.op.fd);
    if (sock && sock.state === 'connecting') {
      sock.state = 'idle';
      releaseImplicitBind(sock);
    }
  }
  if (pending.op.op === 'send') {
    for (const conn of Object.values(state.conns)) for (const end of conn.ends) if (end.sendKey === key) end.sendKey = null;
  }
}

export function applyFault(state: State, ctx: Ctx, fault: Fault): void {
  switch (fault.kind) {
    case 'crash':
      return crash(state, ctx, fault.process);
    case 'recover':
      return recover(state, fault.process);
    case 'partition': {
      const [a, b] = fault.hosts;
      requireHost(state, a);
      requireHost(state, b);
      if (a === b) throw new Illegal('a host cannot be partitioned from itself');
      const link = linkKey(a, b);
      if (!state.partitions.includes(link)) state.partitions.push(link);
      return;
    }
    case 'heal': {
      const link = linkKey(fault.hosts[0], fault.hosts[1]);
      state.partitions = state.partitions.filter((p) => p !== link);
      deliverDue(state, ctx);
      return;
    }
    case 'reset': {
      const sock = sockOf(state, fault.process, fault.fd);
      const conn = sock && sock.conn !== null ? state.conns[sock.conn] : undefined;
      if (!sock || !conn) throw new Illegal(`reset: ${fault.process}:${fault.fd} is not connected`);
      state.flights = state.flights.filter((f) => f.kind === 'syn' || f.conn !== conn.id);
      resetEnd(state, conn, 0, 'FAULT-RESET');
      resetEnd(state, conn, 1, 'FAULT-RESET');
      gcConn(state, conn);
      return;
    }
    case 'stg-fail': {
      if (!stgOf(state.config, fault.stg)) throw new Illegal(`no STG ${fault.stg}`);
      if (!state.failedStgs.includes(fault.stg)) state.failedStgs.push(fault.stg);
      for (const conn of Object.values(state.conns)) {
        if (conn.stg !== fault.stg) continue;
        state.flights = state.flights.filter((f) => f.kind === 'syn' || f.conn !== conn.id);
        for (const end of conn.ends) {
          end.failed = true;
          end.rx = '';
          breakSend(state, end, err('EIO', ['FAULT-STG-FAIL-EIO'], `stg${fault.stg} failed`));
        }
      }
      for (const pending of Object.values(state.pending)) {
        if (pending.op.op === 'connect' && !pending.result && 'stg' in pending.op.to && pending.op.to.stg === fault.stg) {
          cancelConnect(state, pending.key);
          pending.result = err('EIO', ['FAULT-STG-FAIL-EIO'], `stg${fault.stg} failed`);
          const sock = sockOf(state, pending.proc, pending.op.fd);
          if (sock) {
            sock.state = 'idle';
            releaseImplicitBind(sock);
          }
        }
      }
      return;
    }
    case 'stg-repair':
      state.failedStgs = state.failedStgs.filter((s) => s !== fault.stg);
      return;
    case 'cbt-reserve': {
      let left = fault.count;
      for (let slot = 0; slot < state.cbt.length && left > 0; slot++) {
        if (state.cbt[slot] === null) {
          state.cbt[slot] = RESERVED;
          left -= 1;
        }
      }
      return;
    }
    case 'cbt-release':
      state.cbt = state.cbt.map((slot) => (slot === RESERVED ? null : slot));
      return;
    case 'delay':
      state.delay[fault.channel] = fault.ticks;
      return;
    case 'undelay':
      state.delay[fault.channel] = 0;
      return;
  }
}

function requireHost(state: State, host: string): void {
  if (!state.config.hosts.some((h) => h.name === host)) throw new Illegal(`no host ${host}`);
}

function crash(state: State, ctx: Ctx, proc: string): void {
  const p = state.procs[proc];
  if (!p) throw new Illegal(`no process ${proc}`);
  if (!p.alive) throw new Illegal(`process ${proc} has already crashed`);
  p.alive = false;
  for (const pending of Object.values(state.pending)) {
    if (pending.proc !== proc) continue;
    if (pending.op.op === 'connect') cancelConnect(state, pending.key);
    if (pending.role) {
      delete state.pending[pending.key];
    } else {
      pending.result = err('ECANCELED', ['FAULT-CRASH-TEARDOWN'], `${proc} crashed`);
      pending.sendLeft = '';
    }
  }
  for (const conn of Object.values(state.conns)) for (const end of conn.ends) if (end.proc === proc) end.sendKey = null;
  for (const sock of Object.values(state.socks)) {
    if (sock.proc !== proc) continue;
    // The operating system closes a dead process's network sockets; the storage system does not know yet.
    if (sock.family === 'net') closeSocket(state, ctx, sock);
    else sock.orphan = true;
  }
}

function recover(state: State, proc: string): void {
  const p = state.procs[proc];
  if (!p) throw new Illegal(`no process ${proc}`);
  if (p.alive) throw new Illegal(`process ${proc} has not crashed`);
  for (const sock of Object.values(state.socks)) {
    if (sock.proc !== proc) continue;
    const key = sockKey(sock.proc, sock.fd);
    delete state.socks[key];
    freeBlock(state, key);
    if (sock.state === 'listening') {
      for (const connId of sock.queue) {
        const conn = state.conns[connId];
        if (!conn) continue;
        conn.ends[1].open = false;
        resetEnd(state, conn, 0, 'FAULT-RECOVER-RECLAIMS');
        gcConn(state, conn);
      }
      for (const heldKey of sock.held) {
        const pending = state.pending[heldKey];
        const connector = pending ? sockOf(state, pending.proc, (pending.op as { fd: number }).fd) : undefined;
        if (pending && connector && !pending.result) refuse(state, pending, connector, 'FAULT-RECOVER-RECLAIMS', `${proc} was recovered`);
      }
      continue;
    }
    const conn = sock.conn === null ? undefined : state.conns[sock.conn];
    if (!conn) continue;
    const end = conn.ends[sock.side];
    end.open = false;
    end.fd = null;
    end.rx = '';
    resetEnd(state, conn, (1 - sock.side) as 0 | 1, 'FAULT-RECOVER-RECLAIMS');
    state.flights = state.flights.filter((f) => f.kind === 'syn' || f.conn !== conn.id);
    gcConn(state, conn);
  }
  p.alive = true;
}

// ── views used by inspect and the checker ─────────────────────────────────

export function socketState(state: State, sock: Sock): 'idle' | 'listening' | 'connecting' | 'connected' | 'eof' | 'reset' | 'failed' {
  if (sock.state !== 'connected') return sock.state;
  const end = endOf(state, sock);
  if (!end) return 'connected';
  if (end.failed) return 'failed';
  if (end.rst) return 'reset';
  if (end.eof) return 'eof';
  return 'connected';
}

export function socketBuffers(state: State, sock: Sock): { rx: number; inflight: number } {
  const end = endOf(state, sock);
  if (!end || sock.conn === null) return { rx: 0, inflight: 0 };
  const to = (1 - sock.side) as 0 | 1;
  const inflight = state.flights.reduce((n, f) => (f.kind === 'data' && f.conn === sock.conn && f.to === to ? n + f.data.length : n), 0);
  return { rx: end.rx.length, inflight };
}

export function dispatchFamily(state: State, fd: number): Family | undefined {
  return familyOfFd(state, fd);
}
