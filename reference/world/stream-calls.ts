/**
 * The calls that make connections and move data: connect and send (issued
 * with a transmission, completed once it is decided), accept and recv (they
 * block until a connection is queued, or bytes or an end-of-stream arrive).
 */
import type { Address, Op, Outcome } from '../../spec/messages.ts';
import { bytesToHex, hexToBytes } from '../../spec/bytes.ts';
import { type Family, fdRange, stgOf } from '../../spec/config.ts';
import { type Ctx, Violation } from '../context.ts';
import { describeAddress, describeOutcome } from '../describe.ts';
import { type Conn, type Pending, type State, sockKey } from '../state.ts';
import { hostOfProc, sockOf, endOf, freePorts, dynamicRange, addressIn, sameAddress } from './lookup.ts';
import { decided, err, expectExactly, expectSuccess, chooseFd, choosePort, badFd } from './expect.ts';
import { freeSlots, allocBlock, stgFailed } from './storage.ts';
import { transmit, nextSeq, sendOnConn, admitHeld, pumpSend } from './connections.ts';

export function issueConnect(state: State, ctx: Ctx, pending: Pending, op: Extract<Op, { op: 'connect' }>): void {
  const sock = sockOf(state, pending.proc, op.fd);
  if (!sock) {
    pending.result = err('EBADF', ['DISPATCH-EBADF'], `fd ${op.fd} is not open in ${pending.proc}`, 'connect.no-fd→EBADF');
    return;
  }
  const net = sock.family === 'net';
  if (sock.state !== 'idle') {
    pending.result = err('EISCONN', ['ERR-STATE-ERRORS'], `the socket is ${sock.state}`, net ? 'connect.net.busy→EISCONN' : 'connect.dss.busy→EISCONN');
    return;
  }
  const targetFamily: Family = 'host' in op.to ? 'net' : 'dss';
  if (targetFamily !== sock.family) {
    const rule = net ? 'connect.net.to-dss→EINVAL' : 'connect.dss.to-net→EINVAL';
    pending.result = err('EINVAL', ['DISPATCH-BY-VALUE', 'ERR-STATE-ERRORS'], `a ${sock.family} socket cannot connect to a ${targetFamily} address`, rule);
    return;
  }
  const familyReq = sock.family === 'net' ? 'NET-CONNECT-AUTOBIND' : 'DSS-CONNECT';
  if ('host' in op.to) {
    const to = op.to;
    if (!state.config.hosts.some((h) => h.name === to.host)) {
      pending.result = err('EADDRNOTAVAIL', ['ERR-STATE-ERRORS'], `no host ${to.host}`, 'connect.net.host-unknown→EADDRNOTAVAIL');
      return;
    }
  } else {
    const to = op.to;
    if (!stgOf(state.config, to.stg)) {
      pending.result = err('EADDRNOTAVAIL', ['DSS-CONNECT'], `no STG ${to.stg}`, 'connect.dss.stg-unknown→EADDRNOTAVAIL');
      return;
    }
    if (sock.local && 'stg' in sock.local && sock.local.stg !== to.stg) {
      pending.result = err('EINVAL', ['DSS-CONNECT'], `the socket is bound in stg${sock.local.stg}`, 'connect.dss.other-stg→EINVAL');
      return;
    }
    if (stgFailed(state, to.stg)) {
      pending.result = err('EIO', ['FAULT-STG-FAIL-EIO'], `stg${to.stg} has failed`, 'connect.dss.stg-failed→EIO');
      return;
    }
  }
  if (!sock.local) {
    const scope = 'host' in op.to ? { host: hostOfProc(state, sock.proc) } : { stg: op.to.stg };
    const free = freePorts(state, scope, dynamicRange(state, scope));
    if (free.length === 0) {
      const rule = net ? 'connect.net.implicit-exhausted→EADDRNOTAVAIL' : 'connect.dss.implicit-exhausted→EADDRNOTAVAIL';
      pending.result = err('EADDRNOTAVAIL', [familyReq], 'no dynamic port is free for the implicit bind', rule);
      return;
    }
    const observed = ctx.observed(pending.key);
    const local = observed && 'value' in observed ? (observed.value as { local?: unknown }).local : undefined;
    ctx.touch([familyReq], net ? 'connect.net.implicit-bind' : 'connect.dss.implicit-bind');
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

export function issueSend(state: State, ctx: Ctx, pending: Pending, op: Extract<Op, { op: 'send' }>): void {
  const sock = sockOf(state, pending.proc, op.fd);
  if (!sock) {
    pending.result = err('EBADF', ['DISPATCH-EBADF'], `fd ${op.fd} is not open in ${pending.proc}`, 'send.no-fd→EBADF');
    return;
  }
  const net = sock.family === 'net';
  const end = endOf(state, sock);
  const conn = sock.conn === null ? undefined : state.conns[sock.conn];
  if (!end || !conn) {
    pending.result = {
      outcome: { error: 'ENOTCONN' },
      alternatives: sock.family === 'net' ? [{ error: 'EPIPE' }] : [],
      reqs: ['ERR-STATE-ERRORS'],
      why: `the socket is ${sock.state}${sock.family === 'net' ? ' (POSIX says ENOTCONN, Linux EPIPE: both allowed)' : ''}`,
      rule: net ? 'send.net.unconnected→ENOTCONN' : 'send.dss.unconnected→ENOTCONN',
    };
    return;
  }
  if (end.failed) {
    pending.result = err('EIO', ['FAULT-STG-FAIL-EIO'], `stg${conn.stg} has failed`, 'send.dss.stg-failed→EIO');
    return;
  }
  if (end.err) {
    const rule = !net ? 'send.dss.reset→ECONNRESET' : end.err === 'EPIPE' ? 'send.net.reset-after-eof→EPIPE' : 'send.net.reset→ECONNRESET';
    pending.result = err(end.err, [end.errReq ?? 'FAULT-RESET'], 'the connection was reset', rule);
    end.err = null;
    return;
  }
  if (end.rst) {
    const rule = net ? 'send.net.reset-reported→EPIPE' : 'send.dss.reset-reported→EPIPE';
    pending.result = err('EPIPE', [end.errReq ?? 'FAULT-RESET'], 'the connection was reset and the error reported', rule);
    return;
  }
  const data = hexToBytes(op.data);
  if (conn.family === 'dss') {
    if (end.eof) {
      pending.result = err('EPIPE', ['DSS-CLOSE-GRACEFUL'], 'the peer closed', 'send.dss.peer-closed→EPIPE');
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
    end.eof ? 'send.net.after-peer-close→ok' : 'send.net→ok',
  );
}

export function doAccept(state: State, ctx: Ctx, key: string, proc: string, fd: number): Outcome {
  const sock = sockOf(state, proc, fd);
  if (!sock) return badFd(ctx, key, proc, fd, 'accept.no-fd→EBADF');
  const net = sock.family === 'net';
  if (sock.state !== 'listening') {
    const rule = net ? 'accept.net.not-listening→EINVAL' : 'accept.dss.not-listening→EINVAL';
    return expectExactly(ctx, key, { error: 'EINVAL' }, ['ERR-STATE-ERRORS'], `the socket is ${sock.state}, not listening`, rule);
  }
  const acceptReq = sock.family === 'net' ? 'NET-ACCEPT-FIFO' : 'DSS-ACCEPT';
  if (sock.family === 'dss' && freeSlots(state) === 0) {
    return expectExactly(ctx, key, { error: 'ENOBUFS' }, ['CBT-EXHAUSTED-ENOBUFS'], 'every control block is allocated; the connection stays queued', 'accept.dss.cbt-full→ENOBUFS');
  }
  // Like socket: with every descriptor of the family's range open there is nothing to return (never fd -1).
  const [fdLo, fdHi] = fdRange(state.config, sock.family);
  let fdFree = false;
  for (let candidate = fdLo; candidate <= fdHi && !fdFree; candidate++) fdFree = !state.socks[sockKey(proc, candidate)];
  if (!fdFree) return expectExactly(ctx, key, { error: 'EMFILE' }, ['DISPATCH-FD-RANGE'], `no ${sock.family} descriptor is free; the connection stays queued`, net ? 'accept.net.no-fd→EMFILE' : 'accept.dss.no-fd→EMFILE');
  const connId = sock.queue[0]!;
  const conn = state.conns[connId]!;
  const peer = conn.ends[0].addr;
  const value = expectSuccess(ctx, key, [acceptReq], `the oldest queued connection, from ${describeAddress(peer)}`, net ? 'accept.net→ok' : 'accept.dss→ok');
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

export function doRecv(state: State, ctx: Ctx, key: string, proc: string, fd: number, max: number): Outcome {
  const sock = sockOf(state, proc, fd);
  if (!sock) return badFd(ctx, key, proc, fd, 'recv.no-fd→EBADF');
  const net = sock.family === 'net';
  const conn = sock.conn === null ? undefined : state.conns[sock.conn];
  if (!conn) return expectExactly(ctx, key, { error: 'ENOTCONN' }, ['ERR-STATE-ERRORS'], `the socket is ${sock.state}`, net ? 'recv.net.unconnected→ENOTCONN' : 'recv.dss.unconnected→ENOTCONN');
  const end = conn.ends[sock.side];
  if (end.failed) return expectExactly(ctx, key, { error: 'EIO' }, ['FAULT-STG-FAIL-EIO'], `stg${conn.stg} has failed`, 'recv.dss.stg-failed→EIO');
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
      if (take < most) {
        ctx.touch(['DATA-RECV-GREEDY'], 'recv.fewer-than-readable');
        ctx.soft('DATA-RECV-GREEDY', `${proc}:recv(${fd},${max}) returned ${take} of ${most} readable bytes`);
      }
    }
    ctx.touch(['DATA-RECV-NONEMPTY-PREFIX', 'DATA-PREFIX-IN-ORDER', 'DATA-NO-CROSSTALK', 'DATA-RECV-GREEDY'], net ? 'recv.net.data' : 'recv.dss.data');
    const data = end.rx.slice(0, take);
    end.rx = end.rx.slice(take);
    if (conn.family === 'dss') pumpSend(state, ctx, conn, (1 - sock.side) as 0 | 1);
    return { value: { data: bytesToHex(data) } };
  }
  if (end.eof) return expectExactly(ctx, key, { value: { data: '' } }, ['DATA-EOF-AFTER-DATA'], 'the peer closed and every byte was read', net ? 'recv.net.eof→""' : 'recv.dss.eof→""');
  if (end.err) {
    const error = end.err;
    end.err = null;
    return expectExactly(ctx, key, { error }, [end.errReq ?? 'FAULT-RESET'], 'the connection was reset', net ? 'recv.net.reset→ECONNRESET' : 'recv.dss.reset→ECONNRESET');
  }
  if (end.rst) {
    const rule = net ? 'recv.net.reset-reported→""' : 'recv.dss.reset-reported→""';
    return expectExactly(ctx, key, { value: { data: '' } }, [end.errReq ?? 'FAULT-RESET'], 'reset already reported: end-of-stream', rule);
  }
  throw new Error(`recv ${key} completed while blocked`);
}

/** Do these bytes belong to some other connection's stream? */
function crosstalk(state: State, conn: Conn, got: string): boolean {
  return Object.values(state.conns).some((other) => other.id !== conn.id && other.ends.some((e) => e.rx.length > 0 && e.rx.startsWith(got.slice(0, Math.min(got.length, e.rx.length)))));
}
