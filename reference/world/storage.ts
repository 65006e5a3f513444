/**
 * The storage system's shared state: the control block table (one block per
 * STP socket, allocated on socket and accept, freed on close and recover),
 * which STGs have failed, and the room left in an STG's buffer for one
 * direction of a connection.
 */
import { stgOf } from '../../spec/config.ts';
import type { Conn, State } from '../state.ts';

export function freeSlots(state: State): number {
  return state.cbt.filter((slot) => slot === null).length;
}

export function allocBlock(state: State, owner: string): void {
  const slot = state.cbt.indexOf(null);
  if (slot < 0) throw new Error('allocBlock without a free slot');
  state.cbt[slot] = owner;
}

export function freeBlock(state: State, owner: string): void {
  const slot = state.cbt.indexOf(owner);
  if (slot >= 0) state.cbt[slot] = null;
}

export function stgFailed(state: State, stg: number): boolean {
  return state.failedStgs.includes(stg);
}

/** Space left in the direction that ends at `to` of a storage-system connection. */
export function spaceToward(state: State, conn: Conn, to: 0 | 1): number {
  const stg = stgOf(state.config, conn.stg!)!;
  const inFlight = state.flights.reduce((n, f) => (f.kind === 'data' && f.conn === conn.id && f.to === to ? n + f.data.length : n), 0);
  return stg.length - inFlight - conn.ends[to].rx.length;
}
