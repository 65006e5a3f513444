/**
 * The checker against hand-built histories: what an implementation answered
 * in one epoch, written out by hand, accepted or rejected for the right
 * reason. Why these tests? The checker is what every verdict rests on: if it
 * accepted a wrong answer the suite would pass broken implementations, and if
 * it rejected a right one (an order the model allows, a choice the spec
 * leaves open) it would blame correct ones.
 */
import { describe, expect, test } from 'vitest';
import { type Action, type State, initialState, settle, step } from '../../reference/index.ts';
import { CONNECTED_PAIR, stateAfter } from '../../reference/testing/sim.ts';
import { DEFAULT_CONFIG, type WorldConfig } from '../../spec/config.ts';
import type { Op, Outcome } from '../../spec/messages.ts';
import { type EpochInput, type Observed, type RoleMessage, checkEpoch } from './checker.ts';
import { fingerprint, inspect } from '../../reference/index.ts';
import type { Inspection } from '../../spec/messages.ts';
import { normalise } from './inspection-diff.ts';
import { resolvePorts } from './renaming.ts';

const hex = (text: string): string => Buffer.from(text, 'latin1').toString('hex');

/** A world built by running calls through the model (canonical answers). */
const world = stateAfter;

function calls(...list: [number, string, Op][]): EpochInput {
  return { first: [], issues: list.map(([id, process, call]): Action => ({ type: 'call', id, process, call })) };
}

function observed(results: [number, Outcome][], pending: number[] = [], roles: Map<number, { messages: RoleMessage[]; consumed: number }> = new Map()): Observed {
  return {
    results: new Map(results),
    roles,
    pending,
    arrival: new Map(results.map(([id], i) => [`r${id}`, i])),
  };
}

const config = (patch: Partial<WorldConfig> = {}): WorldConfig => ({ ...DEFAULT_CONFIG, ...patch });

describe('linearizable batches are accepted', () => {
  test('CBT-UNIQUE-OWNER: two processes allocate at once, each gets a block', () => {
    const verdict = checkEpoch(
      [initialState(config())],
      calls([1, 'S', { op: 'socket', family: 'dss' }], [2, 'C', { op: 'socket', family: 'dss' }]),
      observed([
        [2, { value: { fd: 1024 } }],
        [1, { value: { fd: 1024 } }],
      ]),
    );
    expect(verdict.ok).toBe(true);
  });

  test('NET-CONNECT-QUEUES: an accept answered before the connect it depends on is still explained', () => {
    const start = world(config(), [
      ['S', { op: 'socket', family: 'net' }],
      ['S', { op: 'bind', fd: 3, port: 7000 }],
      ['S', { op: 'listen', fd: 3, backlog: 1 }],
      ['C', { op: 'socket', family: 'net' }],
    ]);
    // Arrival order: the accept's answer first, although only the connect can have enabled it.
    const verdict = checkEpoch(
      [start],
      calls([1, 'S', { op: 'accept', fd: 3 }], [2, 'C', { op: 'connect', fd: 3, to: { host: 'srv', port: 7000 } }]),
      observed([
        [1, { value: { fd: 4, peer: { host: 'cli', port: 40000 } } }],
        [2, { value: { local: { host: 'cli', port: 40000 } } }],
      ]),
    );
    expect(verdict.ok).toBe(true);
  });

  test('NET-LISTEN-QUEUE: two connects to a queue of one both complete (backlog+1) or one waits — both orders are explained', () => {
    const start = world(config(), [
      ['S', { op: 'socket', family: 'net' }],
      ['S', { op: 'bind', fd: 3, port: 7000 }],
      ['S', { op: 'listen', fd: 3, backlog: 1 }],
      ['C', { op: 'socket', family: 'net' }],
      ['C2', { op: 'socket', family: 'net' }],
    ]);
    const input = calls([1, 'C', { op: 'connect', fd: 3, to: { host: 'srv', port: 7000 } }], [2, 'C2', { op: 'connect', fd: 3, to: { host: 'srv', port: 7000 } }]);
    const both = checkEpoch([start], input, observed([[1, { value: { local: { host: 'cli', port: 40000 } } }], [2, { value: { local: { host: 'cli', port: 40001 } } }]]));
    expect(both.ok).toBe(true);
    // The second connect to arrive waits; either one may be second.
    const firstWaits = checkEpoch([start], input, observed([[2, { value: { local: { host: 'cli', port: 40000 } } }]], [1]));
    expect(firstWaits.ok).toBe(true);
  });

  test('DATA-RECV-NONEMPTY-PREFIX: a recv racing a send returns any non-empty prefix of what arrived', () => {
    const start = connectedPair();
    for (const got of ['a', 'ab', 'abc']) {
      const verdict = checkEpoch(
        [start],
        calls([1, 'C', { op: 'send', fd: 3, data: hex('abc') }], [2, 'S', { op: 'recv', fd: 4, max: 8 }]),
        observed([
          [1, { value: { sent: 3 } }],
          [2, { value: { data: hex(got) } }],
        ]),
      );
      expect(verdict.ok, got).toBe(true);
    }
  });
});

describe('non-linearizable answers are rejected, under the requirement they break', () => {
  test('CBT-EXHAUSTED-ENOBUFS: two allocations from a table of one cannot both succeed', () => {
    const verdict = checkEpoch(
      [initialState(config({ cbt: { capacity: 1 } }))],
      calls([1, 'S', { op: 'socket', family: 'dss' }], [2, 'C', { op: 'socket', family: 'dss' }]),
      observed([
        [1, { value: { fd: 1024 } }],
        [2, { value: { fd: 1024 } }],
      ]),
    );
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.failure.reqs[0]).toBe('CBT-EXHAUSTED-ENOBUFS');
  });

  test('NET-ACCEPT-FIFO: an accept cannot complete when no connect was made', () => {
    const start = world(config(), [
      ['S', { op: 'socket', family: 'net' }],
      ['S', { op: 'bind', fd: 3, port: 7000 }],
      ['S', { op: 'listen', fd: 3, backlog: 1 }],
    ]);
    const verdict = checkEpoch([start], calls([1, 'S', { op: 'accept', fd: 3 }]), observed([[1, { value: { fd: 4, peer: { host: 'cli', port: 40000 } } }]]));
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.failure.reqs).toContain('NET-ACCEPT-FIFO');
  });

  test('DATA-PREFIX-IN-ORDER: bytes out of order are rejected', () => {
    const start = withSent(connectedPair(), 'abc');
    const verdict = checkEpoch([start], calls([1, 'S', { op: 'recv', fd: 4, max: 8 }]), observed([[1, { value: { data: hex('bac') } }]]));
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.failure.reqs[0]).toBe('DATA-PREFIX-IN-ORDER');
  });

  test('DATA-RECV-NONEMPTY-PREFIX: more than max bytes are rejected', () => {
    const start = withSent(connectedPair(), 'abcdef');
    const verdict = checkEpoch([start], calls([1, 'S', { op: 'recv', fd: 4, max: 2 }]), observed([[1, { value: { data: hex('abc') } }]]));
    expect(verdict.ok).toBe(false);
  });

  test('CLOCK-SETTLE-EXACT: a completed call listed as pending is rejected', () => {
    const verdict = checkEpoch([initialState(config())], calls([1, 'S', { op: 'socket', family: 'net' }]), observed([[1, { value: { fd: 3 } }]], [1]));
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.failure.reqs[0]).toBe('CLOCK-SETTLE-EXACT');
  });

  test('CLOCK-ONLY-BLOCKING-CALLS-BLOCK: a socket call left unanswered at settle is rejected', () => {
    const verdict = checkEpoch([initialState(config())], calls([1, 'S', { op: 'socket', family: 'net' }]), observed([], [1]));
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.failure.reqs[0]).toBe('CLOCK-ONLY-BLOCKING-CALLS-BLOCK');
  });
});

describe('values the spec leaves open are matched by adopting the implementation\'s choice — never across the boundary', () => {
  test.each([
    { family: 'net' as const, fd: 9, ok: true },
    { family: 'net' as const, fd: 1023, ok: true },
    { family: 'net' as const, fd: 1024, ok: false },
    { family: 'dss' as const, fd: 1024, ok: true },
    { family: 'dss' as const, fd: 2000, ok: true },
    { family: 'dss' as const, fd: 1023, ok: false },
    { family: 'net' as const, fd: 2, ok: false },
  ])('DISPATCH-FD-RANGE: socket($family) answered fd $fd → accepted: $ok', ({ family, fd, ok }) => {
    const verdict = checkEpoch([initialState(config())], calls([1, 'S', { op: 'socket', family }]), observed([[1, { value: { fd } }]]));
    expect(verdict.ok).toBe(ok);
    if (!verdict.ok) expect(verdict.failure.reqs[0]).toBe('DISPATCH-FD-RANGE');
  });

  test('DISPATCH-FD-RANGE: once adopted, a descriptor is judged by what the implementation chose', () => {
    const first = checkEpoch([initialState(config())], calls([1, 'S', { op: 'socket', family: 'net' }]), observed([[1, { value: { fd: 9 } }]]));
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    const ok = checkEpoch(first.frontier, calls([2, 'S', { op: 'getsockname', fd: 9 }]), observed([[2, { value: { local: null } }]]));
    expect(ok.ok).toBe(true);
    const wrong = checkEpoch(first.frontier, calls([3, 'S', { op: 'getsockname', fd: 3 }]), observed([[3, { value: { local: null } }]]));
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) expect(wrong.failure.reqs[0]).toBe('DISPATCH-EBADF');
  });

  test.each([
    { family: 'dss' as const, fd: 1024, op: 'getsockname' as const },
    { family: 'net' as const, fd: 3, op: 'close' as const },
  ])('DISPATCH-BY-VALUE: EBADF for $family descriptor $fd, open in the model, means the call was routed to the wrong table', ({ family, fd, op }) => {
    const start = world(config(), [['S', { op: 'socket', family }]]);
    const call: Op = op === 'close' ? { op: 'close', fd } : { op: 'getsockname', fd };
    const verdict = checkEpoch([start], calls([1, 'S', call]), observed([[1, { error: 'EBADF' }]]));
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.failure.reqs[0]).toBe('DISPATCH-BY-VALUE');
  });

  test('DISPATCH-EBADF, not DISPATCH-BY-VALUE: a descriptor the model has not open is answered EBADF by rule, and a value for it is the violation', () => {
    const start = world(config(), [['S', { op: 'socket', family: 'dss' }]]);
    const right = checkEpoch([start], calls([1, 'S', { op: 'getsockname', fd: 1025 }]), observed([[1, { error: 'EBADF' }]]));
    expect(right.ok).toBe(true);
    const wrong = checkEpoch([start], calls([2, 'S', { op: 'getsockname', fd: 1025 }]), observed([[2, { value: { local: null } }]]));
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) expect(wrong.failure.reqs[0]).not.toBe('DISPATCH-BY-VALUE');
  });

  test.each([
    { port: 40003, ok: true },
    { port: 40007, ok: true },
    { port: 40008, ok: false },
    { port: 7000, ok: false },
  ])('NET-BIND-DYNAMIC: bind(0) answered port $port → accepted: $ok', ({ port, ok }) => {
    const start = world(config(), [['S', { op: 'socket', family: 'net' }]]);
    const verdict = checkEpoch([start], calls([1, 'S', { op: 'bind', fd: 3, port: 0 }]), observed([[1, { value: { local: { host: 'srv', port } } }]]));
    expect(verdict.ok).toBe(ok);
    if (!verdict.ok) expect(verdict.failure.reqs[0]).toBe('NET-BIND-DYNAMIC');
  });
});

describe('handshake events', () => {
  test('HS-STEP-ORDER: events of two roles interleaved in any causal order are explained; a wrong payload is not', () => {
    // Run both file-system roles in the model and collect their events as an implementation would report them.
    let state = initialState(config());
    const start = (id: number, process: string, role: 'fs-client' | 'fs-server', params: object): void => {
      const r = step(state, { type: 'handshake', id, process, role, params, hold: [] });
      if (r.kind !== 'ok') throw new Error('setup');
      state = r.state;
    };
    start(1, 'C', 'fs-client', {});
    start(2, 'S', 'fs-server', { peer: 'cli', stg: 1 });
    const run = settle(state);
    const messages = new Map<number, RoleMessage[]>([
      [1, []],
      [2, []],
    ]);
    for (const e of run.emissions) {
      if (e.type === 'event') messages.get(e.id)!.push({ type: 'event', label: e.label, call: e.op, outcome: e.outcome });
      if (e.type === 'done') messages.get(e.id)!.push({ type: 'done', outcome: e.outcome });
    }
    const input: EpochInput = {
      first: [],
      issues: [
        { type: 'handshake', id: 1, process: 'C', role: 'fs-client', params: {}, hold: [] },
        { type: 'handshake', id: 2, process: 'S', role: 'fs-server', params: { peer: 'cli', stg: 1 }, hold: [] },
      ],
    };
    // All of the server's messages arrive before any of the client's: not the order they happened in.
    const arrival = new Map<string, number>();
    let position = 0;
    for (const hs of [2, 1]) messages.get(hs)!.forEach((_, i) => arrival.set(`h${hs}#${i}`, position++));
    const roles = new Map([...messages].map(([hs, list]) => [hs, { messages: list, consumed: 0 }]));
    const accepted = checkEpoch([initialState(config())], input, { results: new Map(), roles, pending: [], arrival });
    expect(accepted.ok).toBe(true);

    // The server sends its STG information with id and length swapped.
    const swapped = messages.get(2)!.map((m): RoleMessage =>
      m.type === 'event' && m.label === '138' && m.call.op === 'send' ? { ...m, call: { ...m.call, data: '0000001000000001' } } : m,
    );
    const rejected = checkEpoch([initialState(config())], input, {
      results: new Map(),
      roles: new Map([
        [1, { messages: messages.get(1)!, consumed: 0 }],
        [2, { messages: swapped, consumed: 0 }],
      ]),
      pending: [],
      arrival,
    });
    expect(rejected.ok).toBe(false);
    if (!rejected.ok) expect(rejected.failure.reqs[0]).toBe('HS-FS-138-STG-INFO');
  });
});

/** C:3 connected to S:4 (S listened on srv:7000). */
function connectedPair(): State {
  return world(config(), CONNECTED_PAIR);
}

function withSent(state: State, text: string): State {
  const result = step(state, { type: 'call', id: 999, process: 'C', call: { op: 'send', fd: 3, data: hex(text) } });
  if (result.kind !== 'ok') throw new Error('setup');
  return settle(result.state).state;
}

describe('ports nobody has observed are one state until an inspection shows them', () => {
  // Why? A connect held by a delay has taken some free dynamic port for its implicit bind, and
  // nothing shows which. Kept as one state per port, four such connects were 8 × 7 × 6 × 5 states
  // of the world, and the checker gave up on the reference itself (seed 1494825871, faults).
  const listening = (more: [string, Op][] = []): State => ({
    ...world(config(), [
      ['S', { op: 'socket', family: 'net' }],
      ['S', { op: 'bind', fd: 3, port: 7000 }],
      ['S', { op: 'listen', fd: 3, backlog: 4 }],
      ['C', { op: 'socket', family: 'net' }],
      ['C2', { op: 'socket', family: 'net' }],
      ['S2', { op: 'socket', family: 'net' }],
      ...more,
    ]),
    delay: { net: 1, dss: 0 },
  });
  const wkp = { host: 'srv', port: 7000 };
  const portOf = (state: State, key: string): number | undefined => state.socks[key]?.local?.port;

  test('NET-CONNECT-AUTOBIND: three connects held by a delay leave one state per order of their requests, not one per port', () => {
    const verdict = checkEpoch(
      [listening()],
      calls([1, 'C', { op: 'connect', fd: 3, to: wkp }], [2, 'C2', { op: 'connect', fd: 3, to: wkp }], [3, 'S2', { op: 'connect', fd: 3, to: wkp }]),
      observed([], [1, 2, 3]),
    );
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    // The order the requests were sent in is the implementation's, and decides which is queued
    // first; the ports are renamed to the lowest each may be, in socket order: C2 and C share host cli.
    expect(verdict.frontier).toHaveLength(6);
    for (const state of verdict.frontier) expect([portOf(state, 'C2:3'), portOf(state, 'C:3'), portOf(state, 'S2:3')]).toEqual([40000, 40001, 40000]);
    expect(verdict.open[0]).toEqual({ socks: ['C2:3', 'C:3', 'S2:3'], pool: new Map([['h:cli', [40000, 40001, 40002, 40003, 40004, 40005, 40006, 40007]], ['h:srv', [40000, 40001, 40002, 40003, 40004, 40005, 40006, 40007]]]) });
  });

  test('an inspection renames them to the ports the implementation shows, and only to ports they may hold', () => {
    const verdict = checkEpoch([listening()], calls([1, 'C', { op: 'connect', fd: 3, to: wkp }], [2, 'C2', { op: 'connect', fd: 3, to: wkp }]), observed([], [1, 2]));
    if (!verdict.ok) throw new Error('the epoch should be explained');
    const [state, open] = [verdict.frontier[0]!, verdict.open[0]!];
    const shown = (ports: Record<string, number>): Inspection => {
      const socks = { ...state.socks };
      for (const [key, port] of Object.entries(ports)) socks[key] = { ...socks[key]!, local: { host: 'cli', port } };
      return inspect({ ...state, socks });
    };
    const renamed = resolvePorts(state, open, shown({ 'C:3': 40007, 'C2:3': 40003 }));
    expect(renamed && [portOf(renamed, 'C:3'), portOf(renamed, 'C2:3')]).toEqual([40007, 40003]);
    expect(normalise(inspect(renamed!))).toBe(normalise(shown({ 'C:3': 40007, 'C2:3': 40003 })));
    // Two sockets on one port, or a port outside the dynamic range, is no renaming: the
    // inspection is then compared as it is, and the difference reported.
    expect(resolvePorts(state, open, shown({ 'C:3': 40002, 'C2:3': 40002 }))).toBeNull();
    expect(resolvePorts(state, open, shown({ 'C:3': 39999 }))).toBeNull();
  });

  test('the states kept do not depend on the order the answers arrived in', () => {
    // A batch a threaded implementation started in another order: the same answers, arriving
    // reversed, leave the same possible states (the search stops only past its limit of states,
    // which counts states, never the orders that reached them).
    const start = { ...listening(), delay: { net: 0, dss: 0 } };
    const input = calls([1, 'C', { op: 'connect', fd: 3, to: wkp }], [2, 'C2', { op: 'connect', fd: 3, to: wkp }], [3, 'S2', { op: 'connect', fd: 3, to: wkp }], [4, 'S', { op: 'accept', fd: 3 }]);
    const answers: [number, Outcome][] = [
      [1, { value: { local: { host: 'cli', port: 40003 } } }],
      [2, { value: { local: { host: 'cli', port: 40001 } } }],
      [3, { value: { local: { host: 'srv', port: 40007 } } }],
      [4, { value: { fd: 4, peer: { host: 'cli', port: 40001 } } }],
    ];
    const ends = (verdict: ReturnType<typeof checkEpoch>): string[] => (verdict.ok ? verdict.frontier.map(fingerprint).sort() : []);
    const forward = checkEpoch([start], input, observed(answers));
    const backward = checkEpoch([start], input, observed([...answers].reverse()));
    expect(forward.ok).toBe(true);
    expect(ends(backward)).toEqual(ends(forward));
  });

  test('NET-BIND-EXPLICIT: a port a call of the epoch names is never renamed, so its answer still decides', () => {
    const start = listening([['C2', { op: 'socket', family: 'net' }]]);
    const input = calls([1, 'C', { op: 'connect', fd: 3, to: wkp }], [2, 'C2', { op: 'bind', fd: 4, port: 40000 }]);
    // The bind succeeded: the connect took another port, whichever order they ran in.
    const bound = checkEpoch([start], input, observed([[2, { value: { local: { host: 'cli', port: 40000 } } }]], [1]));
    expect(bound.ok && bound.frontier.map((s) => portOf(s, 'C:3'))).toEqual([40001]);
    // The bind was refused: only the connect can hold 40000, and it must have run first.
    const refused = checkEpoch([start], input, observed([[2, { error: 'EADDRINUSE' }]], [1]));
    expect(refused.ok && refused.frontier.map((s) => portOf(s, 'C:3'))).toEqual([40000]);
    expect(refused.ok && refused.open).toEqual([null]);
  });
});
