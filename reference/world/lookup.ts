/**
 * Reading the socket world: which host a process runs on, which socket a
 * descriptor names, which end of its connection a socket holds, who listens
 * on an address, and which ports of a host or an STG are free.
 */
import type { Address } from '../../spec/messages.ts';
import { stgOf } from '../../spec/config.ts';
import { Illegal } from '../context.ts';
import { deepEqual } from '../equal.ts';
import { type End, type Sock, type State, sockKey } from '../state.ts';

export function hostOfProc(state: State, proc: string): string {
  const found = state.procs[proc];
  if (!found) throw new Illegal(`no process ${proc}`);
  return found.host;
}

export function sockOf(state: State, proc: string, fd: number): Sock | undefined {
  return state.socks[sockKey(proc, fd)];
}

/** The end of its connection a socket holds, if it is connected. */
export function endOf(state: State, sock: Sock): End | undefined {
  if (sock.conn === null) return undefined;
  return state.conns[sock.conn]?.ends[sock.side];
}

/**
 * Is the port used in this scope (a host's network ports, or an STG's ports)? With `bound`, only
 * by a socket that holds it itself (bound, listening, connecting or connected by its own connect):
 * sockets accepted from a listener share its port and keep no later bind off it once the listener
 * has closed (SPEC.md §3.4), so that the next session can listen on the WKP while the sessions
 * before it are still established. Dynamic choices avoid every port in use, accepted or not.
 */
export function portHeld(state: State, scope: { host: string } | { stg: number }, port: number, bound = false): boolean {
  for (const sock of Object.values(state.socks)) {
    if (!sock.local || sock.local.port !== port) continue;
    if (bound && !sock.holdsPort) continue;
    if ('host' in scope && 'host' in sock.local && sock.local.host === scope.host) return true;
    if ('stg' in scope && 'stg' in sock.local && sock.local.stg === scope.stg) return true;
  }
  return false;
}

export function freePorts(state: State, scope: { host: string } | { stg: number }, range: readonly [number, number]): number[] {
  const free: number[] = [];
  for (let port = range[0]; port <= range[1]; port++) if (!portHeld(state, scope, port)) free.push(port);
  return free;
}

export function dynamicRange(state: State, scope: { host: string } | { stg: number }): readonly [number, number] {
  if ('host' in scope) return state.config.netPorts;
  const stg = stgOf(state.config, scope.stg);
  if (!stg) throw new Error(`no STG ${scope.stg}`);
  return stg.ports;
}

export function addressIn(scope: { host: string } | { stg: number }, port: number): Address {
  return 'host' in scope ? { host: scope.host, port } : { stg: scope.stg, port };
}

export function sameAddress(a: Address | null | undefined, b: Address | null | undefined): boolean {
  return deepEqual(a ?? null, b ?? null);
}

/** The socket listening on an address, if any. */
export function findListener(state: State, to: Address): Sock | undefined {
  return Object.values(state.socks).find((s) => s.state === 'listening' && sameAddress(s.local, to));
}
