/**
 * Why this test? When an implementation's inspection differs from the model's, the requirement
 * dualsock names first is what a person reads first: it must point at the cause (a socket born
 * bound, a failed role that kept what it opened), not at a symptom.
 */
import { describe, expect, test } from 'vitest';
import { checkInvariants, inspect } from '../../reference/index.ts';
import { Sim, hex, stateAfter } from '../../reference/testing/sim.ts';
import { DEFAULT_CONFIG } from '../../spec/config.ts';
import type { Fault, Inspection, Op, Reply } from '../../spec/messages.ts';
import { breachReqs, diffInspections } from './inspection-diff.ts';
import { check } from '../cli/check.ts';
import type { Implementation } from '../drive/driver.ts';
import { createReferenceImplementation } from '../drive/reference-implementation.ts';
import closeWithoutEof from '../../fixtures/mutants/close-without-eof/index.ts';

function modelAfter(calls: readonly [string, Op][]): Inspection {
  return inspect(stateAfter(DEFAULT_CONFIG, calls));
}

/** The inspection with one socket of one process changed. */
function withSocket(view: Inspection, process: string, fd: number, patch: Record<string, unknown>): Inspection {
  return {
    ...view,
    processes: view.processes.map((p) => (p.process !== process ? p : { ...p, sockets: p.sockets.map((s) => (s.fd === fd ? { ...s, ...patch } : s)) })),
  };
}

describe('the first requirement named for a differing inspection', () => {
  test('DSS-SOCKET-UNBOUND: a fresh STP socket that shows a local address was born bound', () => {
    const model = modelAfter([['S', { op: 'socket', family: 'dss' }]]);
    const actual = withSocket(model, 'S', 1024, { local: { stg: 1, port: 5000 } });
    const difference = diffInspections(model, actual);
    expect(difference?.reqs[0]).toBe('DSS-SOCKET-UNBOUND');
  });

  test('a network socket with an unexpected local address is not blamed on DSS-SOCKET-UNBOUND', () => {
    const model = modelAfter([['S', { op: 'socket', family: 'net' }]]);
    const actual = withSocket(model, 'S', 3, { local: { host: 'srv', port: 40000 } });
    const difference = diffInspections(model, actual);
    expect(difference).not.toBeNull();
    expect(difference?.reqs[0]).not.toBe('DSS-SOCKET-UNBOUND');
  });

  test.each([
    { role: 'failed' as const, first: 'HS-FAIL-RELEASES' },
    { role: 'established' as const, first: 'FAULT-NO-LEAK' },
    { role: undefined, first: 'FAULT-NO-LEAK' },
  ])('an extra control block held by a process whose role ended $role: $first first', ({ role, first }) => {
    const model = modelAfter([]);
    const leaked: Inspection = {
      ...model,
      cbt: { ...model.cbt, blocks: model.cbt.blocks.map((b, i) => (i === 0 ? { ...b, owner: { process: 'C', fd: 1024 } } : b)) },
    };
    const roles = new Map(role ? [['C', role]] : []);
    const difference = diffInspections(model, leaked, { roles });
    expect(difference?.reqs[0]).toBe(first);
  });
});

/** The model's inspection of a simulated world, with one socket changed, and what the diff says of it. */
function differ(sim: Sim, process: string, fd: number, patch: Record<string, unknown>, fault?: Fault): ReturnType<typeof diffInspections> {
  const model = sim.inspect();
  const command = fault ? { type: 'fault' as const, fault } : null;
  return diffInspections(model, withSocket(model, process, fd, patch), { state: sim.state, command });
}

describe('a socket field that differs names the rule that produced it, or the inspection alone', () => {
  test('an end-of-stream shown where none has arrived names the inspection, its field and both values: no recv has shown DSS-CLOSE-GRACEFUL or DATA-EOF-AFTER-DATA broken', () => {
    const sim = new Sim();
    const [c] = sim.dssPair();
    const difference = differ(sim, 'C', c, { state: 'eof' });
    expect(difference.reqs).toEqual(['WIRE-INSPECT-MATCHES']);
    expect(difference.expected).toBe(`C:${c}.state = "connected"`);
    expect(difference.actual).toBe(`C:${c}.state = "eof"`);
  });

  test('an end-of-stream not shown where one arrived names the inspection too, until a recv shows it never came', () => {
    const sim = new Sim();
    const [c, s] = sim.netPair();
    sim.call('C', { op: 'close', fd: c });
    const difference = differ(sim, 'S', s, { state: 'connected' });
    expect(difference.reqs).toEqual(['WIRE-INSPECT-MATCHES']);
    // The runner makes this call after the failure: a recv that stays blocked shows the behaviour differs too.
    expect(difference.probe).toMatchObject({ process: 'S', call: { op: 'recv', fd: s, max: 1 }, blocked: ['DATA-EOF-AFTER-DATA', 'WIRE-INSPECT-MATCHES'] });
  });

  test('on an STP connection, a recv that stays blocked names the peer\'s close first (DSS-CLOSE-GRACEFUL)', () => {
    const sim = new Sim();
    const [c, s] = sim.dssPair();
    sim.call('C', { op: 'close', fd: c });
    const difference = differ(sim, 'S', s, { state: 'connected' });
    expect(difference.probe?.blocked).toEqual(['DSS-CLOSE-GRACEFUL', 'DATA-EOF-AFTER-DATA', 'WIRE-INSPECT-MATCHES']);
  });

  test('no probe where a recv would not tell: an end-of-stream shown where none arrived, or bytes still unread', () => {
    const shownEarly = new Sim();
    const [c] = shownEarly.dssPair();
    expect(differ(shownEarly, 'C', c, { state: 'eof' }).probe).toBeUndefined();
    const unread = new Sim();
    const [x, y] = unread.netPair();
    unread.call('C', { op: 'send', fd: x, data: hex('a') });
    unread.call('C', { op: 'close', fd: x });
    expect(differ(unread, 'S', y, { state: 'connected' }).probe).toBeUndefined();
  });

  test('bytes in flight after a listener closed name the inspection, not DATA-PREFIX-IN-ORDER', () => {
    const sim = new Sim();
    const lis = sim.fd('S', 'net');
    sim.value('S', { op: 'bind', fd: lis, port: 7000 });
    sim.value('S', { op: 'listen', fd: lis, backlog: 2 });
    const c = sim.fd('C', 'net');
    sim.value('C', { op: 'connect', fd: c, to: { host: 'srv', port: 7000 } });
    sim.call('C', { op: 'send', fd: c, data: hex('ab') });
    sim.call('S', { op: 'close', fd: lis });
    const difference = differ(sim, 'C', c, { inflight: 2 });
    expect(difference.reqs).toEqual(['WIRE-INSPECT-MATCHES']);
    expect(difference.actual).toBe(`C:${c}.inflight = 2`);
  });

  test('FAULT-HEAL-DELIVERS: bytes still in flight on the healed link, right after the heal', () => {
    const sim = new Sim();
    const [, s] = sim.netPair();
    sim.fault({ kind: 'partition', hosts: ['cli', 'srv'] });
    sim.call('S', { op: 'send', fd: s, data: hex('a') });
    const heal: Fault = { kind: 'heal', hosts: ['cli', 'srv'] };
    sim.fault(heal);
    const difference = differ(sim, 'S', s, { inflight: 1 }, heal);
    expect(difference.reqs[0]).toBe('FAULT-HEAL-DELIVERS');
  });

  test('FAULT-DELAY-CHANNEL: an end-of-stream shown while the model holds it on a delayed channel, whatever fault ran last', () => {
    const sim = new Sim();
    const [c, s] = sim.dssPair();
    sim.fault({ kind: 'delay', channel: 'dss', ticks: 3 });
    sim.call('C', { op: 'close', fd: c });
    const [, y] = sim.netPair('C2', 'S2', 7001);
    const reset: Fault = { kind: 'reset', process: 'S2', fd: y };
    sim.fault(reset);
    const difference = differ(sim, 'S', s, { state: 'eof' }, reset);
    expect(difference.reqs[0]).toBe('FAULT-DELAY-CHANNEL');
    expect(difference.reqs).not.toContain('FAULT-RESET');
  });

  test.each([
    { name: 'a listener', delayed: 'net', first: 'WIRE-INSPECT-MATCHES' },
    { name: 'a connected socket of the delayed channel', delayed: 'net', first: 'FAULT-DELAY-CHANNEL' },
    { name: 'a connected socket of the other channel', delayed: 'dss', first: 'WIRE-INSPECT-MATCHES' },
  ] as const)('a delay just injected is named for $name only: it holds transmissions, and only a connection has any', ({ name, delayed, first }) => {
    const sim = new Sim();
    const [, s] = sim.netPair();
    const listener = sim.fd('S2', 'net');
    sim.call('S2', { op: 'listen', fd: listener, backlog: 1 });
    const delay: Fault = { kind: 'delay', channel: delayed, ticks: 3 };
    sim.fault(delay);
    const difference = name === 'a listener' ? differ(sim, 'S2', listener, { state: 'idle' }, delay) : differ(sim, 'S', s, { state: 'eof' }, delay);
    expect(difference.reqs[0]).toBe(first);
  });

  test.each([
    { name: 'the reset socket itself', on: 'S', first: 'FAULT-RESET' },
    { name: 'its peer', on: 'C', first: 'FAULT-RESET' },
    { name: 'a socket of another connection', on: 'C2', first: 'WIRE-INSPECT-MATCHES' },
  ])('a reset just injected is named for $name only', ({ on, first }) => {
    const sim = new Sim();
    const [c, s] = sim.netPair();
    const [other] = sim.netPair('C2', 'S2', 7001);
    const reset: Fault = { kind: 'reset', process: 'S', fd: s };
    const fd = on === 'S' ? s : on === 'C' ? c : other;
    const shown = on === 'C2' ? { state: 'reset' } : { state: 'connected' };
    const difference = differ(sim.fault(reset), on, fd, shown, reset);
    expect(difference.reqs[0]).toBe(first);
  });

  test('CBT-CONSERVATION: fewer blocks reserved than the model has (FAULT-CBT-RESERVE listed too), never CBT-ALLOC-ON-REQUEST', () => {
    const sim = new Sim();
    sim.fault({ kind: 'cbt-reserve', count: 2 });
    sim.fd('S', 'dss');
    const model = sim.inspect();
    // The socket took a reserved block: one block fewer reserved, the same one owned.
    let dropped = false;
    const actual: Inspection = {
      ...model,
      cbt: {
        ...model.cbt,
        blocks: model.cbt.blocks.map((b) => {
          if (dropped || b.owner === null || !('reserved' in b.owner)) return b;
          dropped = true;
          return { ...b, owner: null };
        }),
      },
    };
    const difference = diffInspections(model, actual, { state: sim.state });
    expect(difference.reqs).toEqual(['CBT-CONSERVATION', 'FAULT-CBT-RESERVE']);
    expect(difference.actual).toMatch(/\(1 reserved\)/);
    expect(difference.expected).toMatch(/\(2 reserved\)/);
  });
});

describe('an inspection that breaks an invariant right after blocks were reserved', () => {
  test('CBT-CONSERVATION: a reservation that took a socket\'s block (FAULT-CBT-RESERVE and the invariant listed too)', () => {
    const sim = new Sim();
    sim.fd('S', 'dss');
    const reserve: Fault = { kind: 'cbt-reserve', count: 1 };
    sim.fault(reserve);
    const model = sim.inspect();
    // The implementation reserved the first slots of the table, owned or not.
    const actual: Inspection = { ...model, cbt: { ...model.cbt, blocks: model.cbt.blocks.map((b) => (b.slot === 0 || b.owner === null ? b : { ...b, owner: null })).map((b) => (b.slot === 0 ? { ...b, owner: { reserved: true } } : b)) } };
    const breach = checkInvariants(sim.state.config, actual)[0];
    expect(breach?.req).toBe('CBT-ALLOC-ON-REQUEST');
    expect(breachReqs(breach!, { command: { type: 'fault', fault: reserve } })).toEqual(['CBT-CONSERVATION', 'FAULT-CBT-RESERVE', 'CBT-ALLOC-ON-REQUEST']);
    // Without the reservation just run, the invariant names itself.
    expect(breachReqs(breach!, { command: { type: 'call', process: 'S', call: { op: 'socket', family: 'dss' } } })).toEqual(['CBT-ALLOC-ON-REQUEST']);
  });
});

describe('the runner makes the probe a difference asks for, and names what it shows', () => {
  /** The reference, except that inspect shows a socket at end-of-stream as still connected. */
  function eofHiddenFromInspect(): Implementation {
    const inner = createReferenceImplementation();
    return {
      handle(request, reply) {
        inner.handle(request, (message: Reply) => {
          if (message.type !== 'inspection') return reply(message);
          const processes = message.state.processes.map((p) => ({ ...p, sockets: p.sockets.map((s) => (s.state === 'eof' ? { ...s, state: 'connected' as const } : s)) }));
          reply({ ...message, state: { ...message.state, processes } });
        });
      },
    };
  }

  test.each([
    { name: 'an inspection that hides an end-of-stream the socket has: the recv returns it', factory: eofHiddenFromInspect, first: 'WIRE-INSPECT-MATCHES', probe: /probe after the failure: .*recv\(\d+,1\)->EOF: the inspection alone differs/ },
    { name: 'a close that never sends end-of-stream (close-without-eof): the recv stays blocked', factory: closeWithoutEof, first: 'DSS-CLOSE-GRACEFUL', probe: /probe after the failure: .*recv\(\d+,1\) stays blocked/ },
  ])('$name', async ({ factory, first, probe }) => {
    let log = '';
    const summary = await check(
      { impl: { kind: 'factory', factory }, seed: 1, runs: 200, only: ['streams'], strict: false, expectedFailures: [], reports: [], timeoutMs: 5000, outDir: 'tmp/cx-eof-probe' },
      { out: (t) => void (log += t), err: (t) => void (log += t) },
    );
    expect(summary.exitCode, log).toBe(1);
    const c = summary.failures[0]!.counterexample;
    expect(c.violated[0], log).toBe(first);
    expect(c.trace.flatMap((t) => t.lines).join('\n'), log).toMatch(probe);
  });
});
