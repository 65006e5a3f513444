/**
 * The virtual clock: one tick delivers what has come due and times out the
 * connects that waited too long; and a pending call a handshake role gives up
 * on (its step timed out) is cancelled without an answer.
 */
import type { Ctx } from '../context.ts';
import type { State } from '../state.ts';
import { sockOf } from './lookup.ts';
import { err } from './expect.ts';
import { deliverDue, releaseImplicitBind, cancelConnect } from './connections.ts';

/** One tick: deliver what is due, then time out connects that waited too long. */
export function tickWorld(state: State, ctx: Ctx): void {
  state.now += 1;
  deliverDue(state, ctx);
  for (const pending of Object.values(state.pending)) {
    if (pending.op.op !== 'connect' || pending.result) continue;
    if (state.now - pending.issuedAt < state.config.ticks.connectTimeout) continue;
    const sock = sockOf(state, pending.proc, pending.op.fd);
    cancelConnect(state, pending.key);
    const rule = 'host' in pending.op.to ? 'connect.net.timeout→ETIMEDOUT' : 'connect.dss.timeout→ETIMEDOUT';
    pending.result = err('ETIMEDOUT', ['CLOCK-CONNECT-TIMEOUT'], `pending for ${state.config.ticks.connectTimeout} ticks`, rule);
    if (sock) {
      sock.state = 'idle';
      releaseImplicitBind(sock);
    }
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
