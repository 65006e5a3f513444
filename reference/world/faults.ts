/**
 * The faults the harness injects: crash and recover of a process, partition
 * and heal of two hosts, a reset connection, an STG that fails and is
 * repaired, control blocks reserved and released, a delayed channel.
 */
import type { Fault } from '../../spec/messages.ts';
import { stgOf } from '../../spec/config.ts';
import { type Ctx, Illegal } from '../context.ts';
import { RESERVED, type State, linkKey, sockKey } from '../state.ts';
import { sockOf } from './lookup.ts';
import { err } from './expect.ts';
import { freeBlock } from './storage.ts';
import { deliverDue, breakSend, refuse, releaseImplicitBind, gcConn, closeSocket, resetEnd, cancelConnect } from './connections.ts';

export function applyFault(state: State, ctx: Ctx, fault: Fault): void {
  switch (fault.kind) {
    case 'crash':
      return crash(state, ctx, fault.process);
    case 'recover':
      return recover(state, ctx, fault.process);
    case 'partition': {
      const [a, b] = fault.hosts;
      requireHost(state, a);
      requireHost(state, b);
      if (a === b) throw new Illegal('a host cannot be partitioned from itself');
      const link = linkKey(a, b);
      if (!state.partitions.includes(link)) state.partitions.push(link);
      else ctx.touch(['FAULT-PARTITION-HOLDS'], 'fault.partition.again');
      return;
    }
    case 'heal': {
      const link = linkKey(fault.hosts[0], fault.hosts[1]);
      if (!state.partitions.includes(link)) ctx.touch(['FAULT-HEAL-DELIVERS'], 'fault.heal.not-partitioned');
      state.partitions = state.partitions.filter((p) => p !== link);
      deliverDue(state, ctx);
      return;
    }
    case 'reset': {
      const sock = sockOf(state, fault.process, fault.fd);
      const conn = sock && sock.conn !== null ? state.conns[sock.conn] : undefined;
      if (!sock || !conn) throw new Illegal(`reset: ${fault.process}:${fault.fd} is not connected`);
      if (state.flights.some((f) => f.kind !== 'syn' && f.conn === conn.id)) ctx.touch(['FAULT-RESET'], 'fault.reset.drops-in-flight');
      state.flights = state.flights.filter((f) => f.kind === 'syn' || f.conn !== conn.id);
      resetEnd(state, conn, 0, 'FAULT-RESET');
      resetEnd(state, conn, 1, 'FAULT-RESET');
      gcConn(state, conn);
      return;
    }
    case 'stg-fail': {
      if (!stgOf(state.config, fault.stg)) throw new Illegal(`no STG ${fault.stg}`);
      if (!state.failedStgs.includes(fault.stg)) state.failedStgs.push(fault.stg);
      else ctx.touch(['FAULT-STG-FAIL-EIO'], 'fault.stg-fail.again');
      for (const conn of Object.values(state.conns)) {
        if (conn.stg !== fault.stg) continue;
        ctx.touch(['FAULT-STG-FAIL-EIO'], 'fault.stg-fail.connection');
        state.flights = state.flights.filter((f) => f.kind === 'syn' || f.conn !== conn.id);
        for (const end of conn.ends) {
          end.failed = true;
          end.rx = '';
          breakSend(state, end, err('EIO', ['FAULT-STG-FAIL-EIO'], `stg${fault.stg} failed`, 'send.dss.blocked-stg-failed→EIO'));
        }
      }
      for (const pending of Object.values(state.pending)) {
        if (pending.op.op === 'connect' && !pending.result && 'stg' in pending.op.to && pending.op.to.stg === fault.stg) {
          ctx.touch(['FAULT-STG-FAIL-EIO'], 'fault.stg-fail.pending-connect');
          cancelConnect(state, pending.key);
          pending.result = err('EIO', ['FAULT-STG-FAIL-EIO'], `stg${fault.stg} failed`, 'connect.dss.stg-failed-pending→EIO');
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
      if (state.failedStgs.includes(fault.stg)) ctx.touch(['FAULT-STG-FAIL-EIO'], 'fault.stg-repair.was-failed');
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
      if (!state.cbt.includes(null)) ctx.touch(['FAULT-CBT-RESERVE', 'CBT-EXHAUSTED-ENOBUFS'], 'fault.cbt-reserve.fills-table');
      return;
    }
    case 'cbt-release':
      if (state.cbt.includes(RESERVED)) ctx.touch(['FAULT-CBT-RESERVE', 'CBT-CONSERVATION'], 'fault.cbt-release.frees');
      state.cbt = state.cbt.map((slot) => (slot === RESERVED ? null : slot));
      return;
    case 'delay':
      if (fault.ticks > 0) ctx.touch(['FAULT-DELAY-CHANNEL'], fault.channel === 'net' ? 'fault.delay.net' : 'fault.delay.dss');
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
    if (pending.op.op === 'connect' && !pending.result) {
      // SPEC.md §3.3 connect step 7: a connect its process's crash ends leaves the socket as a
      // refused one does — unconnected, its implicit bind released — so nothing of it is left
      // waiting for an arrival, a timeout or an STG failure that no longer concerns it.
      ctx.touch(['FAULT-CRASH-TEARDOWN'], 'fault.crash.pending-connect');
      cancelConnect(state, pending.key);
      const sock = sockOf(state, pending.proc, pending.op.fd);
      if (sock && sock.state === 'connecting') {
        sock.state = 'idle';
        releaseImplicitBind(sock);
      }
    }
    if (pending.role) {
      ctx.touch(['FAULT-CRASH-TEARDOWN'], 'fault.crash.role-call');
      delete state.pending[pending.key];
    } else {
      ctx.touch(['FAULT-CRASH-TEARDOWN'], 'fault.crash.pending-call');
      pending.result = err('ECANCELED', ['FAULT-CRASH-TEARDOWN'], `${proc} crashed`, 'call.crashed→ECANCELED');
      pending.sendLeft = '';
    }
  }
  for (const conn of Object.values(state.conns)) for (const end of conn.ends) if (end.proc === proc) end.sendKey = null;
  for (const sock of Object.values(state.socks)) {
    if (sock.proc !== proc) continue;
    // The operating system closes a dead process's network sockets; the storage system does not know yet.
    if (sock.family === 'net') {
      ctx.touch(['FAULT-CRASH-TEARDOWN'], 'fault.crash.net-socket');
      closeSocket(state, ctx, sock);
    } else {
      ctx.touch(['FAULT-CRASH-TEARDOWN'], 'fault.crash.dss-socket');
      sock.orphan = true;
    }
  }
}

function recover(state: State, ctx: Ctx, proc: string): void {
  const p = state.procs[proc];
  if (!p) throw new Illegal(`no process ${proc}`);
  if (p.alive) throw new Illegal(`process ${proc} has not crashed`);
  for (const sock of Object.values(state.socks)) {
    if (sock.proc !== proc) continue;
    const key = sockKey(sock.proc, sock.fd);
    ctx.touch(['FAULT-RECOVER-RECLAIMS'], 'fault.recover.socket');
    delete state.socks[key];
    freeBlock(state, key);
    if (sock.state === 'listening') {
      if (sock.queue.length > 0 || sock.held.length > 0) ctx.touch(['FAULT-RECOVER-RECLAIMS'], 'fault.recover.listener');
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
        if (pending && connector && !pending.result) {
          const rule = sock.family === 'net' ? 'connect.net.listener-recovered→ECONNREFUSED' : 'connect.dss.listener-recovered→ECONNREFUSED';
          refuse(state, pending, connector, 'FAULT-RECOVER-RECLAIMS', `${proc} was recovered`, rule);
        }
      }
      continue;
    }
    const conn = sock.conn === null ? undefined : state.conns[sock.conn];
    if (!conn) continue;
    const end = conn.ends[sock.side];
    ctx.touch(['FAULT-RECOVER-RECLAIMS'], 'fault.recover.connection');
    end.open = false;
    end.fd = null;
    end.rx = '';
    resetEnd(state, conn, (1 - sock.side) as 0 | 1, 'FAULT-RECOVER-RECLAIMS');
    state.flights = state.flights.filter((f) => f.kind === 'syn' || f.conn !== conn.id);
    gcConn(state, conn);
  }
  p.alive = true;
}
