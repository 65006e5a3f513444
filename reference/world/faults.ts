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
    if (pending.op.op === 'connect' && !pending.result) {
      // SPEC.md §3.3 connect step 7: a connect its process's crash ends leaves the socket as a
      // refused one does — unconnected, its implicit bind released — so nothing of it is left
      // waiting for an arrival, a timeout or an STG failure that no longer concerns it.
      cancelConnect(state, pending.key);
      const sock = sockOf(state, pending.proc, pending.op.fd);
      if (sock && sock.state === 'connecting') {
        sock.state = 'idle';
        releaseImplicitBind(sock);
      }
    }
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
