/**
 * The calls that act on one socket of one process: socket, bind, listen,
 * getsockname and close, for both families. None of them blocks.
 */
import type { Op, Outcome } from '../../spec/messages.ts';
import { type Family, fdRange, stgOf } from '../../spec/config.ts';
import type { Ctx } from '../context.ts';
import { describeAddress } from '../describe.ts';
import { type State, sockKey } from '../state.ts';
import { hostOfProc, sockOf, portHeld, freePorts, dynamicRange, addressIn } from './lookup.ts';
import { expectExactly, expectSuccess, chooseFd, choosePort, badFd } from './expect.ts';
import { freeSlots, allocBlock, stgFailed } from './storage.ts';
import { admitHeld, closeSocket } from './connections.ts';

export function doSocket(state: State, ctx: Ctx, key: string, proc: string, family: Family): Outcome {
  if (family === 'dss' && freeSlots(state) === 0) {
    return expectExactly(ctx, key, { error: 'ENOBUFS' }, ['CBT-EXHAUSTED-ENOBUFS'], 'every control block is allocated', 'socket.dss.cbt-full→ENOBUFS');
  }
  const [lo, hi] = fdRange(state.config, family);
  let anyFree = false;
  for (let fd = lo; fd <= hi && !anyFree; fd++) anyFree = !state.socks[sockKey(proc, fd)];
  if (!anyFree) return expectExactly(ctx, key, { error: 'EMFILE' }, ['DISPATCH-FD-RANGE'], `no ${family} descriptor is free`, family === 'net' ? 'socket.net.no-fd→EMFILE' : 'socket.dss.no-fd→EMFILE');
  const reqs = family === 'dss' ? ['CBT-ALLOC-ON-REQUEST'] : ['NET-SOCKET-FRESH'];
  const value = expectSuccess(ctx, key, reqs, `a new ${family} descriptor`, family === 'net' ? 'socket.net→ok' : 'socket.dss→ok');
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

export function doBind(state: State, ctx: Ctx, key: string, proc: string, op: Extract<Op, { op: 'bind' }>): Outcome {
  const sock = sockOf(state, proc, op.fd);
  if (!sock) return badFd(ctx, key, proc, op.fd, 'bind.no-fd→EBADF');
  if (sock.family === 'net' && op.stg !== undefined) {
    return expectExactly(ctx, key, { error: 'EINVAL' }, ['DISPATCH-BY-VALUE', 'ERR-STATE-ERRORS'], 'a network socket binds a port, not an STG', 'bind.net.stg-given→EINVAL');
  }
  if (sock.family === 'dss' && op.stg === undefined) {
    return expectExactly(ctx, key, { error: 'EINVAL' }, ['DISPATCH-BY-VALUE', 'DSS-BIND-STG-PORT'], 'a storage-system socket must name its STG', 'bind.dss.stg-missing→EINVAL');
  }
  const onceReq = sock.family === 'net' ? 'NET-BIND-ONCE' : 'DSS-BIND-INUSE';
  if (sock.local) {
    const rule = sock.family === 'net' ? 'bind.net.bound→EINVAL' : 'bind.dss.bound→EINVAL';
    return expectExactly(ctx, key, { error: 'EINVAL' }, [onceReq], `the socket is already bound to ${describeAddress(sock.local)}`, rule);
  }
  let scope: { host: string } | { stg: number };
  if (sock.family === 'net') {
    scope = { host: hostOfProc(state, proc) };
  } else {
    const stg = stgOf(state.config, op.stg!);
    if (!stg) return expectExactly(ctx, key, { error: 'EADDRNOTAVAIL' }, ['DSS-BIND-STG-PORT'], `no STG ${op.stg}`, 'bind.dss.stg-unknown→EADDRNOTAVAIL');
    if (stgFailed(state, stg.id)) return expectExactly(ctx, key, { error: 'EIO' }, ['FAULT-STG-FAIL-EIO'], `stg${stg.id} has failed`, 'bind.dss.stg-failed→EIO');
    if (op.port !== 0 && (op.port < stg.ports[0] || op.port > stg.ports[1])) {
      return expectExactly(ctx, key, { error: 'EADDRNOTAVAIL' }, ['DSS-BIND-STG-PORT'], `port ${op.port} is outside stg${stg.id}'s ${stg.ports[0]}..${stg.ports[1]}`, 'bind.dss.port-outside→EADDRNOTAVAIL');
    }
    scope = { stg: stg.id };
  }
  let port = op.port;
  if (port === 0) {
    const dynReq = sock.family === 'net' ? 'NET-BIND-DYNAMIC' : 'DSS-BIND-DYNAMIC';
    const net = sock.family === 'net';
    if (freePorts(state, scope, dynamicRange(state, scope)).length === 0) {
      return expectExactly(ctx, key, { error: 'EADDRINUSE' }, [dynReq], 'no dynamic port is free', net ? 'bind.net.dynamic-exhausted→EADDRINUSE' : 'bind.dss.dynamic-exhausted→EADDRINUSE');
    }
    const value = expectSuccess(ctx, key, [dynReq], 'a free dynamic port', net ? 'bind.net.dynamic→ok' : 'bind.dss.dynamic→ok');
    port = choosePort(state, ctx, key, scope, value ? value.local : undefined, [dynReq]);
  } else {
    const inUseReq = sock.family === 'net' ? 'NET-BIND-INUSE' : 'DSS-BIND-INUSE';
    if (portHeld(state, scope, port, true)) {
      const rule = sock.family === 'net' ? 'bind.net.port-held→EADDRINUSE' : 'bind.dss.port-held→EADDRINUSE';
      return expectExactly(ctx, key, { error: 'EADDRINUSE' }, [inUseReq], `${describeAddress(addressIn(scope, port))} is held`, rule);
    }
    const explicitReq = sock.family === 'net' ? 'NET-BIND-EXPLICIT' : 'DSS-BIND-STG-PORT';
    const value = { value: { local: addressIn(scope, port) } };
    if (portHeld(state, scope, port)) {
      // Only sockets accepted from a closed listener use it (§3.4): a refusal breaks the reuse rule first.
      const rule = sock.family === 'net' ? 'bind.net.shared-by-accepted' : 'bind.dss.shared-by-accepted';
      expectExactly(ctx, key, value, [inUseReq, explicitReq], 'only sockets accepted from a closed listener use the port', rule);
    } else {
      expectExactly(ctx, key, value, [explicitReq], 'the port is free', sock.family === 'net' ? 'bind.net.explicit→ok' : 'bind.dss.explicit→ok');
    }
  }
  if ('stg' in scope && Object.values(state.socks).some((s) => s !== sock && s.local && 'stg' in s.local && s.local.stg === scope.stg)) {
    ctx.touch(['STG-PORTS-PER-STG'], 'bind.dss.stg-shared');
  }
  sock.local = addressIn(scope, port);
  sock.holdsPort = true;
  return { value: { local: sock.local } };
}

export function doListen(state: State, ctx: Ctx, key: string, proc: string, op: Extract<Op, { op: 'listen' }>): Outcome {
  const sock = sockOf(state, proc, op.fd);
  if (!sock) return badFd(ctx, key, proc, op.fd, 'listen.no-fd→EBADF');
  if (sock.state === 'connected' || sock.state === 'connecting') {
    const rule = sock.family === 'net' ? 'listen.net.connected→EINVAL' : 'listen.dss.connected→EINVAL';
    return expectExactly(ctx, key, { error: 'EINVAL' }, ['ERR-STATE-ERRORS'], `the socket is ${sock.state}`, rule);
  }
  if (sock.family === 'dss') {
    if (!sock.local) return expectExactly(ctx, key, { error: 'EINVAL' }, ['DSS-LISTEN-NEEDS-BIND'], 'an unbound storage-system socket names no STG', 'listen.dss.unbound→EINVAL');
    const stg = (sock.local as { stg: number }).stg;
    if (stgFailed(state, stg)) return expectExactly(ctx, key, { error: 'EIO' }, ['FAULT-STG-FAIL-EIO'], `stg${stg} has failed`, 'listen.dss.stg-failed→EIO');
  } else if (!sock.local) {
    const scope = { host: hostOfProc(state, proc) };
    if (freePorts(state, scope, state.config.netPorts).length === 0) {
      return expectExactly(ctx, key, { error: 'EADDRINUSE' }, ['NET-LISTEN-QUEUE'], 'no dynamic port is free for the implicit bind', 'listen.net.implicit-exhausted→EADDRINUSE');
    }
    const value = expectSuccess(ctx, key, ['NET-LISTEN-QUEUE'], 'listening, on a dynamic port', 'listen.net.implicit-bind');
    const port = choosePort(state, ctx, key, scope, value ? value.local : undefined, ['NET-LISTEN-QUEUE']);
    sock.local = addressIn(scope, port);
    sock.holdsPort = true;
  }
  const outcome: Outcome = { value: { local: sock.local } };
  const again = sock.state === 'listening';
  const rule = sock.family === 'net' ? (again ? 'listen.net.again→ok' : 'listen.net→ok') : again ? 'listen.dss.again→ok' : 'listen.dss→ok';
  expectExactly(ctx, key, outcome, [sock.family === 'net' ? 'NET-LISTEN-QUEUE' : 'DSS-CONNECT'], 'the socket can listen', rule);
  sock.state = 'listening';
  sock.backlog = op.backlog;
  admitHeld(state, ctx, sock);
  return outcome;
}

export function doGetsockname(state: State, ctx: Ctx, key: string, proc: string, fd: number): Outcome {
  const sock = sockOf(state, proc, fd);
  if (!sock) return badFd(ctx, key, proc, fd, 'getsockname.no-fd→EBADF');
  const reqs = sock.family === 'net' ? ['NET-GETSOCKNAME'] : sock.local ? ['DSS-GETSOCKNAME'] : ['DSS-SOCKET-UNBOUND', 'DSS-GETSOCKNAME'];
  const rule =
    sock.family === 'net' ? (sock.local ? 'getsockname.net.bound→ok' : 'getsockname.net.unbound→ok') : sock.local ? 'getsockname.dss.bound→ok' : 'getsockname.dss.unbound→ok';
  return expectExactly(ctx, key, { value: { local: sock.local } }, reqs, sock.local ? 'its local address' : 'the socket is unbound', rule);
}

export function doClose(state: State, ctx: Ctx, key: string, proc: string, fd: number): Outcome {
  const sock = sockOf(state, proc, fd);
  if (!sock) return badFd(ctx, key, proc, fd, 'close.no-fd→EBADF');
  closeSocket(state, ctx, sock);
  const rule = sock.family === 'dss' ? 'close.dss→ok' : 'close.net→ok';
  return expectExactly(ctx, key, { value: {} }, [sock.family === 'dss' ? 'CBT-FREE-ON-CLOSE' : 'NET-CLOSE-FREES-PORT'], 'close always succeeds on an open descriptor', rule);
}
