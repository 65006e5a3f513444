/**
 * The socket world: the nine calls of both families, the two channels that
 * carry their transmissions, and the faults that act on them (SPEC.md
 * chapters 2-6 and 10).
 *
 * Every function here edits a state that the caller has already cloned.
 * A call is first issued (`issue`), then completed (`complete`) when
 * `completable` says it can: calls that never block complete at once, the
 * others when the event they wait for has happened.
 *
 * The chapters, in world/ (each imports only chapters listed above it):
 * - lookup.ts: reading the state — a process's host, the socket a descriptor
 *   names, its connection end, the listener on an address, free ports.
 * - expect.ts: the implementation's answer against the allowed set (exact,
 *   one of several, a free descriptor or dynamic port).
 * - storage.ts: the control block table, failed STGs, room in an STG buffer.
 * - connections.ts: connections and the two channels — transmit, deliver,
 *   queue at a listener, back-pressure, close, reset.
 * - setup-calls.ts: socket, bind, listen, getsockname, close.
 * - stream-calls.ts: connect, send, accept, recv.
 * - calls.ts: a call's life — issue, completable, blockedReason, complete.
 * - clock.ts: a tick, and a call a role gives up on.
 * - faults.ts: the injected faults.
 * - views.ts: what inspect and the checker read off a socket.
 *
 * Below, the part of the world the rest of the model (and the mutants'
 * toolkit) uses.
 */
export { issue, completable, blockedReason, complete } from './world/calls.ts';
export { closeSocket, cancelConnect, deliverDue, gcConns } from './world/connections.ts';
export { abandon, tickWorld } from './world/clock.ts';
export { applyFault } from './world/faults.ts';
export { endOf, findListener, hostOfProc, sockOf } from './world/lookup.ts';
export { dispatchFamily, socketBuffers, socketState } from './world/views.ts';
