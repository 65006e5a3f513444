/**
 * A call's life: `issue` records it as pending (connect and send start their
 * transmission at once), `completable` says whether it can finish now without
 * the clock advancing, `blockedReason` says why it waits, and `complete`
 * decides its outcome and applies its effects — through setup-calls.ts for
 * the calls on one socket, stream-calls.ts for those that move connections
 * and data.
 */
import type { Address, Op, Outcome } from '../../spec/messages.ts';
import { type Ctx, Illegal } from '../context.ts';
import { describeAddress } from '../describe.ts';
import { hexToBytes } from '../../spec/bytes.ts';
import { stgOf } from '../../spec/config.ts';
import type { Flight, Pending, Sock, State } from '../state.ts';
import { sockOf, endOf, sameAddress } from './lookup.ts';
import { expectExactly, expectOneOf } from './expect.ts';
import { partitioned } from './connections.ts';
import { doSocket, doBind, doListen, doGetsockname, doClose } from './setup-calls.ts';
import { issueConnect, issueSend, doAccept, doRecv } from './stream-calls.ts';

export function issue(state: State, ctx: Ctx, key: string, proc: string, op: Op, role: string | null): void {
  const p = state.procs[proc];
  if (!p) throw new Illegal(`no process ${proc}`);
  if (!p.alive) throw new Illegal(`process ${proc} has crashed and was not recovered`);
  const pending: Pending = { key, proc, op, issuedAt: state.now, role, result: null, sendLeft: '' };
  state.pending[key] = pending;
  if (op.op !== 'socket') ctx.touch(['WORLD-PROCESS-ISOLATION', 'DISPATCH-BY-VALUE'], 'call.dispatch');
  if (op.op === 'connect') issueConnect(state, ctx, pending, op);
  else if (op.op === 'send') issueSend(state, ctx, pending, op);
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
  if (op.op === 'send') return { reqs: ['STG-BACKPRESSURE'], why: sendWaits(state, pending, op) };
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

/**
 * Why a send on an STP connection waits, from what the buffer toward the peer holds: a person
 * reading "bytes do not fit" of an empty buffer is sent looking for the wrong bug, so the words
 * give the buffer's length, what is unread in it and on its way to it, and say so when the send is
 * larger than the whole buffer or queued behind another send.
 */
function sendWaits(state: State, pending: Pending, op: Extract<Op, { op: 'send' }>): string {
  const left = pending.sendLeft.length;
  const sock = sockOf(state, pending.proc, op.fd);
  const conn = sock && sock.conn !== null ? state.conns[sock.conn] : undefined;
  const stg = conn && conn.stg !== null ? stgOf(state.config, conn.stg) : undefined;
  if (!sock || !conn || !stg) return `${bytes(left)} of the send are not buffered yet`;
  const ahead = conn.ends[sock.side].sendKey;
  if (ahead !== null && ahead !== pending.key) return `another send on this connection (call ${ahead}) is still being buffered ahead of it`;
  const to: 0 | 1 = sock.side === 0 ? 1 : 0;
  const unread = conn.ends[to].rx.length;
  const onTheWay = state.flights.reduce((n, f) => (f.kind === 'data' && f.conn === conn.id && f.to === to ? n + f.data.length : n), 0);
  const holds = `${bytes(unread)} unread${onTheWay > 0 ? ` and ${bytes(onTheWay)} on the way` : ''}`;
  const buffer = `the ${stg.length}-byte buffer of stg${stg.id} toward the peer`;
  const total = hexToBytes(op.data).length;
  const wait = `${bytes(left)} of the send ${left === 1 ? 'waits' : 'wait'}`;
  if (total > stg.length) return `the send of ${bytes(total)} is larger than ${buffer}, which holds ${holds}: ${wait} for the peer to read`;
  return `${buffer} holds ${holds}: ${wait} for room`;
}

function bytes(n: number): string {
  return n === 1 ? '1 byte' : `${n} bytes`;
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
    const { outcome, alternatives, reqs, why, rule } = pending.result;
    if (alternatives?.length) return expectOneOf(ctx, key, [outcome, ...alternatives], reqs, why, rule);
    return expectExactly(ctx, key, outcome, reqs, why, rule);
  }
  const op = pending.op;
  const proc = pending.proc;
  if (op.op !== 'accept' && op.op !== 'recv') ctx.touch(['CLOCK-ONLY-BLOCKING-CALLS-BLOCK'], 'call.completes-at-once');
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
