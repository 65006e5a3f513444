/**
 * Why this test? A failure names a requirement and says in one line what was observed; a person
 * reads those two first and goes looking for the bug there. Each test here feeds the checker an
 * epoch, built by hand on the model, in which an implementation answered what one bug makes it
 * answer, and pins the requirement named first and the words that explain it.
 */
import { describe, expect, test } from 'vitest';
import { type Emission, type State, initialState, settle, step } from '../../reference/index.ts';
import { CONFIG, Sim, configWith, hex } from '../../reference/testing/sim.ts';
import type { Outcome } from '../../spec/messages.ts';
import { type EpochInput, type Observed, type RoleMessage, checkEpoch } from './checker.ts';
import { unexplainedMessage } from './attribution.ts';

const NOTHING_SENT: EpochInput = { first: [], issues: [] };

function observed(results: [number, Outcome][], pending: number[] = []): Observed {
  return { results: new Map(results), roles: new Map(), pending, arrival: new Map(results.map(([id], i) => [`r${id}`, i])) };
}

function failureOf(frontier: readonly State[], input: EpochInput, seen: Observed): { reqs: readonly string[]; expected: string; actual: string } {
  const verdict = checkEpoch(frontier, input, seen);
  if (verdict.ok) throw new Error('the checker explained an epoch it should have rejected');
  return verdict.failure;
}

describe('a send answered while the model has it blocked says what the STG buffer holds', () => {
  const fourBytes = configWith({ stgs: [{ id: 1, length: 4, ports: [5000, 5007] }] });

  test('a send larger than the whole buffer says so', () => {
    const sim = new Sim(fourBytes);
    const [c] = sim.dssPair();
    const send = sim.start('C', { op: 'send', fd: c, data: hex('abcdef') });
    expect(sim.result(send)).toBeUndefined();
    const failure = failureOf([sim.state], NOTHING_SENT, observed([[send, { value: { sent: 6 } }]]));
    expect(failure.reqs[0]).toBe('STG-BACKPRESSURE');
    expect(failure.expected).toMatch(/the send of 6 bytes is larger than the 4-byte buffer of stg1 toward the peer, which holds 4 bytes unread: 2 bytes of the send wait for the peer to read/);
  });

  test('a buffer with nothing unread is not called full: the bytes on their way are named', () => {
    // The storage channel is delayed: what C sent is on its way, so S's side shows nothing unread.
    const sim = new Sim(fourBytes);
    const [c] = sim.dssPair();
    sim.fault({ kind: 'delay', channel: 'dss', ticks: 5 });
    sim.call('C', { op: 'send', fd: c, data: hex('abc') });
    const send = sim.start('C', { op: 'send', fd: c, data: hex('xy') });
    expect(sim.result(send)).toBeUndefined();
    const failure = failureOf([sim.state], NOTHING_SENT, observed([[send, { value: { sent: 2 } }]]));
    expect(failure.reqs[0]).toBe('STG-BACKPRESSURE');
    expect(failure.expected).toMatch(/the 4-byte buffer of stg1 toward the peer holds 0 bytes unread and 4 bytes on the way: 1 byte of the send waits for room/);
    expect(failure.expected).not.toMatch(/do not fit/);
  });
});

describe('the failure named is the one at the earliest answer no order explains', () => {
  test('two allocations from a table of one: the answer that arrived second is the one no order matches', () => {
    const sim = new Sim(configWith({ cbt: { capacity: 1 } }));
    const input: EpochInput = {
      first: [],
      issues: [
        { type: 'call', id: 1, process: 'S', call: { op: 'socket', family: 'dss' } },
        { type: 'call', id: 2, process: 'C', call: { op: 'socket', family: 'dss' } },
      ],
    };
    // C's answer arrived first: the order that explains it fails at S's, which arrived after it.
    const failure = failureOf([sim.state], input, observed([
      [2, { value: { fd: 1024 } }],
      [1, { value: { fd: 1024 } }],
    ]));
    expect(failure.reqs[0]).toBe('CBT-EXHAUSTED-ENOBUFS');
    expect(failure.actual).toBe('S:socket(dss)->1024');
  });

  test('FAULT-HEAL-DELIVERS: a connect the partition held, left pending after the heal, names the heal before the connect', () => {
    const sim = new Sim();
    const lis = sim.fd('S', 'net');
    sim.value('S', { op: 'bind', fd: lis, port: 7000 });
    sim.value('S', { op: 'listen', fd: lis, backlog: 2 });
    const c = sim.fd('C', 'net');
    sim.fault({ kind: 'partition', hosts: ['cli', 'srv'] });
    const connect = sim.start('C', { op: 'connect', fd: c, to: { host: 'srv', port: 7000 } });
    expect(sim.result(connect)).toBeUndefined();
    const heal: EpochInput = { first: [{ type: 'fault', fault: { kind: 'heal', hosts: ['cli', 'srv'] } }], issues: [] };
    const failure = failureOf([sim.state], heal, observed([], [connect]));
    expect(failure.reqs[0]).toBe('FAULT-HEAL-DELIVERS');
    expect(failure.reqs).toContain('NET-CONNECT-QUEUES');
  });
});

describe('EBADF for a descriptor the model has open is a dispatch fault, for a handshake role as for a call', () => {
  test('DISPATCH-BY-VALUE: a role whose call on its open STP socket answered EBADF', () => {
    // Both file-system roles run in the model; the client's first call on a storage-system
    // descriptor it holds answers EBADF, and the role fails there, as a lost descriptor makes it.
    let state = initialState(CONFIG);
    const roles: { id: number; process: string; role: 'fs-client' | 'fs-server'; params: Record<string, unknown> }[] = [
      { id: 1, process: 'C', role: 'fs-client', params: {} },
      { id: 2, process: 'S', role: 'fs-server', params: { peer: 'cli', stg: 1 } },
    ];
    for (const r of roles) {
      const started = step(state, { type: 'handshake', id: r.id, process: r.process, role: r.role, params: r.params as never, hold: [] });
      if (started.kind !== 'ok') throw new Error('the model refused to start a role');
      state = started.state;
    }
    const events = settle(state).emissions.filter((e): e is Extract<Emission, { type: 'event' }> => e.type === 'event');
    const lost = events.findIndex((e) => e.id === 1 && 'fd' in e.op && e.op.fd >= CONFIG.fdBoundary && e.op.op !== 'close');
    expect(lost, 'the client makes a call on an STP descriptor').toBeGreaterThanOrEqual(0);
    const messages = new Map<number, RoleMessage[]>([[1, []], [2, []]]);
    const arrival = new Map<string, number>();
    events.slice(0, lost + 1).forEach((e, position) => {
      const list = messages.get(e.id)!;
      arrival.set(`h${e.id}#${list.length}`, position);
      list.push({ type: 'event', label: e.label, call: e.op, outcome: position === lost ? { error: 'EBADF' } : e.outcome });
    });
    const input: EpochInput = { first: [], issues: roles.map((r) => ({ type: 'handshake', id: r.id, process: r.process, role: r.role, params: r.params as never, hold: [] })) };
    const verdict = checkEpoch([initialState(CONFIG)], input, { results: new Map(), roles: new Map([...messages].map(([hs, list]) => [hs, { messages: list, consumed: 0 }])), pending: [], arrival });
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.failure.reqs[0], `${verdict.failure.reqs.join(', ')}: ${verdict.failure.expected} / ${verdict.failure.actual}`).toBe('DISPATCH-BY-VALUE');
  });
});

describe('an answer a fault of the epoch made due names that fault first', () => {
  test('FAULT-HEAL-DELIVERS: a recv whose bytes the partition held, left pending after the heal', () => {
    const sim = new Sim();
    const [c, s] = sim.netPair();
    sim.fault({ kind: 'partition', hosts: ['cli', 'srv'] });
    sim.call('C', { op: 'send', fd: c, data: hex('ab') });
    const recv = sim.start('S', { op: 'recv', fd: s, max: 8 });
    expect(sim.result(recv)).toBeUndefined();
    const heal: EpochInput = { first: [{ type: 'fault', fault: { kind: 'heal', hosts: ['cli', 'srv'] } }], issues: [] };
    const failure = failureOf([sim.state], heal, observed([], [recv]));
    expect(failure.reqs[0]).toBe('FAULT-HEAL-DELIVERS');
  });

  test('a recv the fault did not concern keeps its own requirement', () => {
    const sim = new Sim();
    const [c, s] = sim.netPair();
    sim.call('C', { op: 'send', fd: c, data: hex('ab') });
    // The recv's bytes were there before the epoch; the fault is on another link.
    const recv = sim.start('S', { op: 'recv', fd: s, max: 8 });
    expect(sim.result(recv)).toEqual({ value: { data: hex('ab') } });
    const recv2 = sim.start('S', { op: 'recv', fd: s, max: 8 });
    const partition: EpochInput = { first: [{ type: 'fault', fault: { kind: 'partition', hosts: ['cli', 'srv'] } }], issues: [] };
    const failure = failureOf([sim.state], partition, observed([[recv2, { value: { data: hex('zz') } }]]));
    expect(failure.reqs[0]).toBe('DATA-RECV-NONEMPTY-PREFIX');
  });
});

describe('a role that gives its step up on the step timeout too soon names the step timeout first', () => {
  /** The file-system client alone in the model: it listens and waits at 118 for a server that never comes. */
  function clientWaitingAt118(): State {
    const started = step(initialState(CONFIG), { type: 'handshake', id: 1, process: 'C', role: 'fs-client', params: {}, hold: [] });
    if (started.kind !== 'ok') throw new Error('the model refused to start the client');
    const state = settle(started.state).state;
    expect(state.roles['1']?.label, 'the client waits at its accept').toBe('118');
    return state;
  }

  test('HS-STEP-TIMEOUT: done failed@118 ETIMEDOUT before stepTimeout ticks, whatever keeps the accept blocked', () => {
    const blame = unexplainedMessage(clientWaitingAt118(), 1, { type: 'done', outcome: { status: 'failed', label: '118', error: 'ETIMEDOUT' } });
    expect(blame.reqs[0]).toBe('HS-STEP-TIMEOUT');
    expect(blame.reqs).toContain('HS-STEP-ORDER');
    expect(blame.expected).toMatch(/^C at step 118 stays blocked: /);
    expect(blame.actual).toBe('C:done failed@118 ETIMEDOUT');
  });

  test('another error, or a timeout at a step the role is not at, keeps the blocked call\'s own requirements', () => {
    const state = clientWaitingAt118();
    for (const outcome of [
      { status: 'failed', label: '118', error: 'ECONNABORTED' },
      { status: 'failed', label: '120', error: 'ETIMEDOUT' },
    ] as const) {
      expect(unexplainedMessage(state, 1, { type: 'done', outcome }).reqs[0]).not.toBe('HS-STEP-TIMEOUT');
    }
  });
});
