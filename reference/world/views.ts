/**
 * Views of the state for inspect and the checker: a socket's state as the
 * wire reports it, its buffer fill per direction, and which family the
 * dispatch layer routes a descriptor value to.
 */
import { type Family, fdRange } from '../../spec/config.ts';
import type { Sock, State } from '../state.ts';
import { endOf } from './lookup.ts';

function familyOfFd(state: State, fd: number): Family | undefined {
  const [netLo, netHi] = fdRange(state.config, 'net');
  const [dssLo, dssHi] = fdRange(state.config, 'dss');
  if (fd >= netLo && fd <= netHi) return 'net';
  if (fd >= dssLo && fd <= dssHi) return 'dss';
  return undefined;
}

export function socketState(state: State, sock: Sock): 'idle' | 'listening' | 'connecting' | 'connected' | 'eof' | 'reset' | 'failed' {
  if (sock.state !== 'connected') return sock.state;
  const end = endOf(state, sock);
  if (!end) return 'connected';
  if (end.failed) return 'failed';
  if (end.rst) return 'reset';
  // `eof` is what recv would answer next (PROTOCOL.md §inspect): the end-of-stream arrived and
  // every byte before it has been read; with bytes still unread the socket reads as connected.
  if (end.eof && end.rx.length === 0) return 'eof';
  return 'connected';
}

export function socketBuffers(state: State, sock: Sock): { rx: number; inflight: number } {
  const end = endOf(state, sock);
  if (!end || sock.conn === null) return { rx: 0, inflight: 0 };
  const to = (1 - sock.side) as 0 | 1;
  const inflight = state.flights.reduce((n, f) => (f.kind === 'data' && f.conn === sock.conn && f.to === to ? n + f.data.length : n), 0);
  return { rx: end.rx.length, inflight };
}

export function dispatchFamily(state: State, fd: number): Family | undefined {
  return familyOfFd(state, fd);
}
