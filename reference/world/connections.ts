/**
 * Connections and the two channels that carry them. Every transmission — a
 * connect request, data, end-of-stream, a reset — goes through `transmit`:
 * at once when its channel is clear, else it waits in `flights` (a delay, a
 * partition) and `deliverDue` delivers it later, in order per lane. On
 * arrival a connect request is queued at its listener (or held while the
 * queue is full, or refused), data lands in the end's receive buffer, and a
 * storage-system send moves its bytes into the STG buffer as room allows.
 * Closing a socket ends its side of the connection (or resets what queues at
 * a listener); a connection is forgotten once both ends are closed and
 * nothing of it is in flight.
 */
import type { Address } from '../../spec/messages.ts';
import { hexToBytes } from '../../spec/bytes.ts';
import type { Family } from '../../spec/config.ts';
import type { Ctx } from '../context.ts';
import type { RuleId } from '../rules.ts';
import { describeAddress } from '../describe.ts';
import { type Conn, type Decided, type End, type Flight, type Pending, type Sock, type State, linkKey, sockKey } from '../state.ts';
import { hostOfProc, sockOf, findListener } from './lookup.ts';
import { decided, err } from './expect.ts';
import { freeBlock, spaceToward } from './storage.ts';

export function partitioned(state: State, channel: Family, link: readonly [string, string]): boolean {
  return channel === 'net' && link[0] !== link[1] && state.partitions.includes(linkKey(link[0], link[1]));
}

function laneOf(flight: Flight): string {
  return flight.kind === 'syn' ? `syn:${flight.key}` : `${flight.conn}>${flight.to}`;
}

/** Send one transmission: at once when its channel is clear, else it waits in flights. */
export function transmit(state: State, ctx: Ctx, flight: Flight): void {
  const lane = laneOf(flight);
  const waiting = state.flights.filter((f) => laneOf(f) === lane);
  const delay = state.delay[flight.channel];
  if (waiting.length === 0 && delay === 0 && !partitioned(state, flight.channel, flight.link)) {
    arrive(state, ctx, flight);
    return;
  }
  if (waiting.length > 0) ctx.touch(['DATA-PREFIX-IN-ORDER'], 'transmit.behind');
  else if (partitioned(state, flight.channel, flight.link)) ctx.touch(['FAULT-PARTITION-HOLDS'], 'transmit.net.partitioned');
  else ctx.touch(['FAULT-DELAY-CHANNEL'], flight.channel === 'net' ? 'transmit.net.delayed' : 'transmit.dss.delayed');
  const lastDue = waiting.reduce((due, f) => Math.max(due, f.due), 0);
  flight.due = Math.max(state.now + delay, lastDue);
  state.flights.push(flight);
}

export function nextSeq(state: State): number {
  state.seq += 1;
  return state.seq;
}

export function sendOnConn(state: State, ctx: Ctx, conn: Conn, from: 0 | 1, kind: 'data' | 'fin' | 'rst', data = ''): void {
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

/**
 * Deliver every held transmission whose time has come and whose link is open, in order per lane;
 * then those the arrivals themselves sent that are due at once, until nothing more is due.
 */
export function deliverDue(state: State, ctx: Ctx): void {
  for (;;) {
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
    if (ready.length === 0) return;
    // What is still to arrive stays in flights while the ones before it arrive: a transmission an
    // arrival sends (the reset that data reaching a closed socket provokes) waits behind its lane's
    // flights — the closed end's FIN comes first (§3.2, in order per connection and direction).
    state.flights = [...ready, ...remaining];
    for (const flight of ready) {
      state.flights = state.flights.filter((f) => f !== flight);
      ctx.touch(flight.channel === 'net' ? ['FAULT-DELAY-CHANNEL'] : ['FAULT-DELAY-CHANNEL', 'DSS-STORAGE-ONLY'], flight.channel === 'net' ? 'deliver.net.late' : 'deliver.dss.late');
      arrive(state, ctx, flight);
    }
    // Bytes that reached a closed STP socket were dropped, and the room they took in the STG
    // buffer is free again: a send blocked on it moves on (SPEC.md §2.3). Elsewhere a delivery
    // only moves bytes from in flight to unread, which leaves the room as it was.
    for (const flight of ready) {
      if (flight.kind !== 'data' || flight.channel !== 'dss') continue;
      const conn = state.conns[flight.conn];
      if (conn && !conn.ends[flight.to].open) pumpSend(state, ctx, conn, (1 - flight.to) as 0 | 1);
    }
  }
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
      if (conn.family === 'net' && back.open && !back.rst) {
        ctx.touch(['NET-SEND-AFTER-PEER-CLOSE'], 'arrive.net.data-at-closed→reset');
        sendOnConn(state, ctx, conn, flight.to, 'rst', 'NET-SEND-AFTER-PEER-CLOSE');
      } else if (conn.family === 'dss') {
        ctx.touch(['DSS-CLOSE-GRACEFUL'], 'arrive.dss.data-at-closed-dropped');
      }
      return;
    }
    if (end.failed || end.rst) {
      ctx.touch([end.failed ? 'FAULT-STG-FAIL-EIO' : 'FAULT-RESET'], 'arrive.data-at-broken-dropped');
      return;
    }
    ctx.touch(['DATA-PREFIX-IN-ORDER'], conn.family === 'net' ? 'arrive.net.data' : 'arrive.dss.data');
    end.rx += flight.data;
    return;
  }
  if (flight.kind === 'fin') {
    if (!end.open || end.eof) return;
    end.eof = true;
    ctx.touch([conn.family === 'net' ? 'DATA-EOF-AFTER-DATA' : 'DSS-CLOSE-GRACEFUL'], conn.family === 'net' ? 'arrive.net.fin' : 'arrive.dss.fin');
    if (conn.family === 'dss') breakSend(state, end, err('EPIPE', ['DSS-CLOSE-GRACEFUL'], 'the peer closed', 'send.dss.blocked-peer-closed→EPIPE'));
    return;
  }
  // rst: the data field carries the requirement that caused it.
  if (!end.open || end.rst) return;
  ctx.touch([flight.data || 'NET-CLOSE-UNREAD-RESETS'], end.eof ? 'arrive.net.rst-after-eof' : 'arrive.net.rst');
  end.rst = true;
  end.err = end.eof ? 'EPIPE' : 'ECONNRESET';
  end.errReq = flight.data || 'NET-CLOSE-UNREAD-RESETS';
  gcConn(state, conn);
}

export function breakSend(state: State, end: End, result: Decided): void {
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
    const rule = family === 'net' ? 'connect.net.refused→ECONNREFUSED' : 'connect.dss.refused→ECONNREFUSED';
    refuse(state, pending, sock, family === 'net' ? 'NET-CONNECT-REFUSED' : 'DSS-CONNECT', `nobody listens at ${describeAddress(to)}`, rule);
    return;
  }
  admitOrHold(state, ctx, listener, key);
}

export function refuse(state: State, pending: Pending, sock: Sock, req: string, why: string, rule: RuleId): void {
  pending.result = err('ECONNREFUSED', [req], why, rule);
  sock.state = 'idle';
  releaseImplicitBind(sock);
}

export function releaseImplicitBind(sock: Sock): void {
  if (sock.holdsPort && sock.implicit) {
    sock.local = null;
    sock.holdsPort = false;
    sock.implicit = false;
  }
}

function admitOrHold(state: State, ctx: Ctx, listener: Sock, key: string): void {
  const queued = listener.queue.length;
  // The queue holds at least backlog and at most backlog+1 (Linux holds backlog+1).
  const admit = queued < listener.backlog || (queued === listener.backlog && ctx.pick(2, 'pick.backlog-plus-one') === 0);
  if (admit) admitConnection(state, ctx, listener, key);
  else {
    ctx.touch(['NET-CONNECT-QUEUE-FULL', 'NET-LISTEN-QUEUE'], listener.family === 'net' ? 'connect.net.held' : 'connect.dss.held');
    // Held connects are a set: which one is admitted when room frees is open (admitHeld), so
    // the order they arrived in is not part of the state.
    listener.held = [...listener.held, key].sort();
  }
}

function admitConnection(state: State, ctx: Ctx, listener: Sock, key: string): void {
  const pending = state.pending[key]!;
  const sock = sockOf(state, pending.proc, (pending.op as { fd: number }).fd)!;
  const crossHost = hostOfProc(state, sock.proc) !== hostOfProc(state, listener.proc);
  if (sock.family === 'net') ctx.touch(['NET-CONNECT-NETWORK-ONLY'], 'connect.net.queued→ok');
  else if (crossHost) ctx.touch(['DSS-STORAGE-ONLY', 'WORLD-SHARED-STORAGE'], 'connect.dss.cross-host');
  else ctx.touch(['DSS-STORAGE-ONLY'], 'connect.dss.queued→ok');
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
  const rule = sock.family === 'net' ? 'connect.net.queued→ok' : 'connect.dss.queued→ok';
  pending.result = decided({ value: { local: sock.local } }, [sock.family === 'net' ? 'NET-CONNECT-QUEUES' : 'DSS-CONNECT'], `queued at ${describeAddress(listener.local)}`, rule);
}

function newEnd(proc: string, fd: number | null, addr: Address): End {
  return { proc, fd, open: true, addr, rx: '', eof: false, rst: false, err: null, errReq: null, failed: false, sendKey: null };
}

/** After accept took a connection: admit connects that were held while the queue was full. */
export function admitHeld(state: State, ctx: Ctx, listener: Sock): void {
  while (listener.held.length > 0) {
    const queued = listener.queue.length;
    if (queued > listener.backlog) return;
    if (queued === listener.backlog && ctx.pick(2, 'pick.held-backlog-plus-one') !== 0) return;
    // Any held connect may be the one admitted (a real stack admits whichever retries first).
    const at = ctx.pick(listener.held.length, 'pick.held-which');
    const key = listener.held[at];
    listener.held = listener.held.filter((_, i) => i !== at);
    if (key && state.pending[key] && !state.pending[key]!.result) {
      ctx.touch(['NET-CONNECT-QUEUE-FULL'], 'connect.held-admitted');
      admitConnection(state, ctx, listener, key);
    }
  }
}

export function gcConn(state: State, conn: Conn): void {
  if (conn.ends[0].open || conn.ends[1].open) return;
  if (state.flights.some((f) => f.kind !== 'syn' && f.conn === conn.id)) return;
  delete state.conns[conn.id];
}

export function gcConns(state: State): void {
  for (const conn of Object.values(state.conns)) gcConn(state, conn);
}

/**
 * Move bytes of the pending send at end `from` into the buffer toward its peer, as space allows.
 * Bytes that arrive at once at a closed STP socket are dropped there and free their room again,
 * so the send goes on moving until it is done or the buffer is really full.
 */
export function pumpSend(state: State, ctx: Ctx, conn: Conn, from: 0 | 1): void {
  const end = conn.ends[from];
  if (!end.sendKey) return;
  const key = end.sendKey;
  const pending = state.pending[key];
  if (!pending || pending.result) {
    end.sendKey = null;
    return;
  }
  const to = (1 - from) as 0 | 1;
  while (pending.sendLeft.length > 0 && end.sendKey === key) {
    const move = Math.min(spaceToward(state, conn, to), pending.sendLeft.length);
    if (move <= 0) {
      ctx.touch(['STG-BACKPRESSURE'], 'send.dss.blocked');
      return;
    }
    const chunk = pending.sendLeft.slice(0, move);
    pending.sendLeft = pending.sendLeft.slice(move);
    sendOnConn(state, ctx, conn, from, 'data', chunk);
  }
  if (end.sendKey !== key) return;
  if (pending.sendLeft.length === 0) {
    const total = hexToBytes((pending.op as { data: string }).data).length;
    pending.result = decided({ value: { sent: total } }, ['STG-BACKPRESSURE', 'DATA-SEND-COMPLETE'], 'all bytes are buffered', 'send.dss→ok');
    end.sendKey = null;
  }
}

/** Close as close(2) does — also used when a crash closes a process's network sockets. */
export function closeSocket(state: State, ctx: Ctx, sock: Sock): void {
  const key = sockKey(sock.proc, sock.fd);
  delete state.socks[key];
  if (sock.family === 'dss') freeBlock(state, key);
  if (sock.state === 'listening') {
    if (sock.queue.length > 0 || sock.held.length > 0) {
      ctx.touch(['DATA-LISTENER-CLOSE-RESETS'], sock.family === 'net' ? 'close.net.listener-resets-queue' : 'close.dss.listener-resets-queue');
    }
    for (const connId of sock.queue) {
      const conn = state.conns[connId];
      if (!conn) continue;
      conn.ends[1].open = false;
      // An immediate reset, like the reset fault's and recover's: what is in flight on the connection is dropped (SPEC.md §14).
      state.flights = state.flights.filter((f) => f.kind === 'syn' || f.conn !== conn.id);
      resetEnd(state, conn, 0, 'DATA-LISTENER-CLOSE-RESETS');
      gcConn(state, conn);
    }
    for (const heldKey of sock.held) {
      const pending = state.pending[heldKey];
      const connector = pending ? sockOf(state, pending.proc, (pending.op as { fd: number }).fd) : undefined;
      if (pending && connector && !pending.result) {
        const rule = sock.family === 'net' ? 'connect.net.listener-closed→ECONNREFUSED' : 'connect.dss.listener-closed→ECONNREFUSED';
        refuse(state, pending, connector, 'DATA-LISTENER-CLOSE-RESETS', 'the listener closed', rule);
      }
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
    const rule = conn.family === 'dss' ? (unread ? 'close.dss.unread-discarded' : 'close.dss.fin') : unread ? 'close.net.unread→reset' : 'close.net.fin';
    ctx.touch([conn.family === 'dss' ? 'DSS-CLOSE-GRACEFUL' : unread ? 'NET-CLOSE-UNREAD-RESETS' : 'DATA-EOF-AFTER-DATA'], rule);
  } else {
    ctx.touch([end.failed ? 'FAULT-STG-FAIL-EIO' : 'FAULT-RESET'], 'close.after-reset');
  }
  // The unread bytes just discarded freed their room in the STG buffer (SPEC.md §2.3, §4.3): a
  // send blocked at the peer moves on, as a fresh send would. The end-of-stream went first, so
  // where it arrives at once the blocked send has already failed with EPIPE and nothing moves.
  if (conn.family === 'dss' && unread) pumpSend(state, ctx, conn, (1 - sock.side) as 0 | 1);
  gcConn(state, conn);
}

/** Reset one end now (the storage system, or the fault injector, acts without the channel). */
export function resetEnd(state: State, conn: Conn, side: 0 | 1, req: string): void {
  const end = conn.ends[side];
  if (!end.open || end.rst) return;
  end.rst = true;
  end.err = 'ECONNRESET';
  end.errReq = req;
  if (end.sendKey) {
    breakSend(state, end, err('ECONNRESET', [req], 'the connection was reset', 'send.dss.blocked-reset→ECONNRESET'));
    end.err = null;
  }
}

/** Forget a connect's request wherever it waits (in flight, or held by a full listener). */
export function cancelConnect(state: State, key: string): void {
  state.flights = state.flights.filter((f) => !(f.kind === 'syn' && f.key === key));
  for (const sock of Object.values(state.socks)) {
    if (sock.held.includes(key)) sock.held = sock.held.filter((k) => k !== key);
  }
}
