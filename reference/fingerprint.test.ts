/**
 * Why this test? The checker prunes its search with fingerprint(): two states with one
 * fingerprint are explored once. A field the fingerprint forgets would merge states that answer
 * differently, and the checker could then blame a correct implementation (or pass a wrong one).
 * So every field of every record is either read by the fingerprint or listed here as left out,
 * with the reason; a new field fails this test until someone decides which. And changing a field
 * the fingerprint reads changes the fingerprint.
 */
import { describe, expect, test } from 'vitest';
import { type Conn, type Pending, type State, fingerprint } from './state.ts';
import { CONFIG, CONNECTED_PAIR, stateAfter } from './testing/sim.ts';

/** Read by fingerprint(), and left out of it with the reason. */
const FIELDS = {
  state: {
    read: ['cbt', 'conns', 'delay', 'failedStgs', 'flights', 'now', 'partitions', 'pending', 'procs', 'roles', 'socks'],
    leftOut: { config: 'the same for every state of a world', nextConn: 'numbering only', seq: 'numbering only' },
  },
  proc: { read: ['alive', 'busy'], leftOut: { host: 'fixed by the config' } },
  sock: {
    read: ['backlog', 'conn', 'held', 'holdsPort', 'implicit', 'local', 'orphan', 'peer', 'queue', 'side', 'state'],
    leftOut: { family: 'follows from fd and the boundary (dispatch by value)', fd: 'part of the key', proc: 'part of the key' },
  },
  conn: { read: ['ends', 'family', 'hosts', 'stg'], leftOut: { id: 'numbering only: a connection is named by its connecting end' } },
  end: { read: ['addr', 'eof', 'err', 'errReq', 'failed', 'fd', 'open', 'proc', 'rst', 'rx', 'sendKey'], leftOut: {} },
  pending: {
    read: ['issuedAt', 'op', 'proc', 'result', 'role', 'sendLeft'],
    leftOut: { key: 'the key it is stored under' },
  },
} as const;

/** A world with a listener, a connection with bytes unread on it, an STP socket, and an accept blocked. */
function busyWorld(): State {
  return stateAfter(CONFIG, [
    ...CONNECTED_PAIR,
    ['C', { op: 'send', fd: 3, data: '6162' }],
    ['S2', { op: 'socket', family: 'dss' }],
    ['S', { op: 'accept', fd: 3 }],
  ]);
}

const keysOf = (record: object): string[] => Object.keys(record).sort();
const classified = (kind: keyof typeof FIELDS): string[] => [...FIELDS[kind].read, ...Object.keys(FIELDS[kind].leftOut)].sort();

describe('fingerprint reads every field that changes how a state answers', () => {
  test('every field of every record is read or left out for a stated reason', () => {
    const state = busyWorld();
    const conn = Object.values(state.conns)[0]!;
    const pending = Object.values(state.pending)[0];
    expect(pending, 'the world has a pending call').toBeDefined();
    expect(keysOf(state)).toEqual(classified('state'));
    expect(keysOf(Object.values(state.procs)[0]!)).toEqual(classified('proc'));
    for (const sock of Object.values(state.socks)) expect(keysOf(sock)).toEqual(classified('sock'));
    expect(keysOf(conn)).toEqual(classified('conn'));
    for (const end of conn.ends) expect(keysOf(end)).toEqual(classified('end'));
    expect(keysOf(pending!)).toEqual(classified('pending'));
  });

  /** One edit per field the fingerprint reads, each to a value the world did not have (readonly fields too: a test may). */
  type Writable<T> = { -readonly [K in keyof T]: T[K] };
  const EDITS: readonly [string, (s: State) => void][] = [
    ['now', (s) => (s.now += 1)],
    ['proc.alive', (s) => (s.procs['C']!.alive = false)],
    ['proc.busy', (s) => (s.procs['S']!.busy = 'x')],
    ['sock.state', (s) => (s.socks['S:3']!.state = 'idle')],
    ['sock.local', (s) => (s.socks['S:3']!.local = { host: 'srv', port: 7001 })],
    ['sock.peer', (s) => (s.socks['C:3']!.peer = { host: 'srv', port: 7001 })],
    ['sock.backlog', (s) => (s.socks['S:3']!.backlog = 5)],
    ['sock.holdsPort', (s) => (s.socks['S:3']!.holdsPort = !s.socks['S:3']!.holdsPort)],
    ['sock.implicit', (s) => (s.socks['S:3']!.implicit = !s.socks['S:3']!.implicit)],
    ['sock.orphan', (s) => (s.socks['S:3']!.orphan = !s.socks['S:3']!.orphan)],
    ['sock.held', (s) => (s.socks['S:3']!.held = ['k'])],
    ['sock.side', (s) => (s.socks['C:3']!.side = 1)],
    ['end.rx', (s) => (Object.values(s.conns)[0]!.ends[1].rx += '00')],
    ['end.eof', (s) => (Object.values(s.conns)[0]!.ends[1].eof = true)],
    ['end.rst', (s) => (Object.values(s.conns)[0]!.ends[1].rst = true)],
    ['end.open', (s) => (Object.values(s.conns)[0]!.ends[1].open = false)],
    ['end.failed', (s) => (Object.values(s.conns)[0]!.ends[1].failed = true)],
    ['end.err', (s) => (Object.values(s.conns)[0]!.ends[1].err = 'EIO')],
    ['conn.stg', (s) => ((Object.values(s.conns)[0] as Writable<Conn>).stg = 1)],
    ['cbt', (s) => (s.cbt[s.cbt.indexOf(null)] = 'C:1025')],
    ['partitions', (s) => (s.partitions = [...s.partitions, 'cli|srv'])],
    ['failedStgs', (s) => (s.failedStgs = [1])],
    ['pending.issuedAt', (s) => ((Object.values(s.pending)[0] as Writable<Pending>).issuedAt += 1)],
    ['pending.sendLeft', (s) => (Object.values(s.pending)[0]!.sendLeft = 'ff')],
  ];

  test.each(EDITS)('an edit of %s changes the fingerprint', (_field, edit) => {
    const state = busyWorld();
    const before = fingerprint(state);
    const edited = structuredClone(state);
    edit(edited);
    expect(fingerprint(edited)).not.toBe(before);
  });
});
