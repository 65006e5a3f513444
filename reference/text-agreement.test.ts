/**
 * Why this test? Each row below is a place where SPEC.md or PROTOCOL.md and
 * the model once said different things, so that an implementation written
 * from the text was blamed by the model (or one copied from the model
 * contradicted the text). The rows pin what both say now, quoting the
 * sentence they follow, so that neither drifts again without a failing test.
 *
 * - the `eof` state of an inspection (PROTOCOL.md §inspect);
 * - a connect its process's crash ends (SPEC.md §3.3 connect step 7);
 * - the call a role was blocked in when its process crashed (PROTOCOL.md §handshake);
 * - what an immediate reset does to transmissions in flight (SPEC.md §14, §3.3, §10.1, §10.3);
 * - a blocked STP send when room appears other than by a read (SPEC.md §2.3, §4.3).
 */
import { describe, expect, test } from 'vitest';
import type { Family } from '../spec/config.ts';
import type { Fault, Op, SocketView } from '../spec/messages.ts';
import { Sim, configWith, data, fail, hex, ok } from './testing/sim.ts';

function view(sim: Sim, process: string, fd: number): SocketView {
  const found = sim.inspect().processes.find((p) => p.process === process)!.sockets.find((s) => s.fd === fd);
  if (!found) throw new Error(`${process} has no socket ${fd}`);
  return found;
}

function pair(sim: Sim, family: Family): [number, number] {
  return family === 'net' ? sim.netPair() : sim.dssPair();
}

describe('PROTOCOL.md §inspect: `eof` means "the peer closed and everything it sent has been read"', () => {
  const ROWS: readonly { req: string; family: Family; sent: string; reads: readonly number[]; states: readonly SocketView['state'][] }[] = [
    // states[0] is the state right after the peer's close, states[i] the state after the i-th read.
    { req: 'DATA-EOF-AFTER-DATA', family: 'net', sent: '', reads: [], states: ['eof'] },
    { req: 'DATA-EOF-AFTER-DATA', family: 'net', sent: 'hi', reads: [2], states: ['connected', 'eof'] },
    { req: 'DATA-EOF-AFTER-DATA', family: 'net', sent: 'abc', reads: [1, 2], states: ['connected', 'connected', 'eof'] },
    { req: 'DSS-CLOSE-GRACEFUL', family: 'dss', sent: '', reads: [], states: ['eof'] },
    { req: 'DSS-CLOSE-GRACEFUL', family: 'dss', sent: 'hi', reads: [2], states: ['connected', 'eof'] },
    { req: 'DSS-CLOSE-GRACEFUL', family: 'dss', sent: 'abc', reads: [1, 2], states: ['connected', 'connected', 'eof'] },
  ];

  test.each(ROWS)('WIRE-INSPECT-MATCHES, $req: $family, the peer sent "$sent" and closed, read $reads → $states', ({ family, sent, reads, states }) => {
    const sim = new Sim();
    const [c, s] = pair(sim, family);
    if (sent) sim.value('S', { op: 'send', fd: s, data: hex(sent) });
    sim.value('S', { op: 'close', fd: s });
    const seen: SocketView['state'][] = [view(sim, 'C', c).state];
    for (const max of reads) {
      sim.value('C', { op: 'recv', fd: c, max });
      seen.push(view(sim, 'C', c).state);
    }
    expect(seen).toEqual(states);
    // The state says what the next recv answers: end-of-stream.
    expect(sim.call('C', { op: 'recv', fd: c, max: 8 })).toEqual(data(''));
  });
});

describe('SPEC.md §3.3 connect step 7: a connect ended by its process\'s crash is ECANCELED and releases its implicit bind', () => {
  interface Row {
    readonly name: string;
    /** Build the waiting connect of C; returns the connecting descriptor and the call's id. */
    readonly wait: (sim: Sim) => { fd: number; id: number };
    /** C's socket after the crash, as inspect shows it (null: closed with the process's network sockets). */
    readonly after: Pick<SocketView, 'state' | 'local' | 'peer'> | null;
    /** What may not happen afterwards: a fault and ticks after which the socket must still look the same. */
    readonly later: readonly Fault[];
  }

  /** A STP listener of S on 5000 with one connection queued (backlog 1): the next connect is held. */
  function fullListener(sim: Sim): void {
    const lis = sim.fd('S', 'dss');
    sim.value('S', { op: 'bind', fd: lis, stg: 1, port: 5000 });
    sim.value('S', { op: 'listen', fd: lis, backlog: 1 });
    const first = sim.fd('S2', 'dss');
    sim.value('S2', { op: 'connect', fd: first, to: { stg: 1, port: 5000 } });
  }

  /** `choices`: the implicit bind's port (the first free) if there is one, then "hold, do not queue backlog+1". */
  function heldConnect(sim: Sim, fd: number, choices: readonly number[]): number {
    const id = sim.id();
    sim.adopt(sim.try({ type: 'call', id, process: 'C', call: { op: 'connect', fd, to: { stg: 1, port: 5000 } } }, { choices }));
    sim.settle();
    return id;
  }

  const ROWS: readonly Row[] = [
    {
      name: 'STP, held by a full listener queue, implicit bind',
      wait: (sim) => {
        fullListener(sim);
        const fd = sim.fd('C', 'dss');
        return { fd, id: heldConnect(sim, fd, [0, 1]) };
      },
      after: { state: 'idle', local: null, peer: null },
      later: [{ kind: 'stg-fail', stg: 1 }],
    },
    {
      name: 'STP, held by a full listener queue, explicit bind kept',
      wait: (sim) => {
        fullListener(sim);
        const fd = sim.fd('C', 'dss');
        sim.value('C', { op: 'bind', fd, stg: 1, port: 5005 });
        return { fd, id: heldConnect(sim, fd, [1]) };
      },
      after: { state: 'idle', local: { stg: 1, port: 5005 }, peer: null },
      later: [{ kind: 'stg-fail', stg: 1 }],
    },
    {
      name: 'STP, its request delayed in the storage system',
      wait: (sim) => {
        const lis = sim.fd('S', 'dss');
        sim.value('S', { op: 'bind', fd: lis, stg: 1, port: 5000 });
        sim.value('S', { op: 'listen', fd: lis, backlog: 2 });
        sim.fault({ kind: 'delay', channel: 'dss', ticks: 2 });
        const fd = sim.fd('C', 'dss');
        return { fd, id: sim.start('C', { op: 'connect', fd, to: { stg: 1, port: 5000 } }) };
      },
      after: { state: 'idle', local: null, peer: null },
      later: [],
    },
    {
      name: 'network, its request held by a partition',
      wait: (sim) => {
        const lis = sim.fd('S', 'net');
        sim.value('S', { op: 'bind', fd: lis, port: 7000 });
        sim.value('S', { op: 'listen', fd: lis, backlog: 2 });
        sim.fault({ kind: 'partition', hosts: ['srv', 'cli'] });
        const fd = sim.fd('C', 'net');
        return { fd, id: sim.start('C', { op: 'connect', fd, to: { host: 'srv', port: 7000 } }) };
      },
      after: null,
      later: [{ kind: 'heal', hosts: ['srv', 'cli'] }],
    },
  ];

  test.each(ROWS)('FAULT-CRASH-TEARDOWN: $name', ({ wait, after, later }) => {
    const sim = new Sim();
    const { fd, id } = wait(sim);
    expect(sim.result(id)).toBeUndefined();
    sim.fault({ kind: 'crash', process: 'C' });
    expect(sim.result(id)).toEqual(fail('ECANCELED'));
    const check = (): void => {
      const sockets = sim.inspect().processes.find((p) => p.process === 'C')!.sockets;
      const sock = sockets.find((s) => s.fd === fd);
      if (after === null) expect(sock).toBeUndefined();
      else expect(sock).toMatchObject(after);
      // No port of C's is held but an explicit bind.
      const held = [...sim.inspect().ports.net, ...sim.inspect().ports.dss].filter((p) => p.process === 'C');
      expect(held).toEqual(after?.local ? [{ ...after.local, process: 'C', fd }] : []);
    };
    check();
    // Nothing of the connect is left to arrive, to time out or to fail.
    for (const fault of later) sim.fault(fault);
    sim.tick(6);
    check();
    expect(sim.emissions.filter((e) => e.type === 'result' && e.id === id)).toHaveLength(1);
    // Recover reclaims the socket like any other.
    sim.fault({ kind: 'recover', process: 'C' });
    expect(sim.fds('C')).toEqual([]);
  });
});

describe('PROTOCOL.md §handshake: the call a role was blocked in when its process crashed gets no event', () => {
  const ROWS: readonly { name: string; role: 'fs-client' | 'db-client'; params: Record<string, string>; before: readonly Fault[]; op: Op['op'] }[] = [
    { name: 'fs-client blocked in accept', role: 'fs-client', params: {}, before: [], op: 'accept' },
    { name: 'db-client blocked in a partitioned connect', role: 'db-client', params: { peer: 'srv' }, before: [{ kind: 'partition', hosts: ['srv', 'cli'] }], op: 'connect' },
  ];

  test.each(ROWS)('FAULT-CRASH-TEARDOWN, HS-STEP-ORDER: $name', ({ role, params, before, op }) => {
    const sim = new Sim();
    if (role === 'db-client') {
      const lis = sim.fd('S', 'net');
      sim.value('S', { op: 'bind', fd: lis, port: 7000 });
      sim.value('S', { op: 'listen', fd: lis, backlog: 2 });
    }
    for (const fault of before) sim.fault(fault);
    const hs = sim.handshake('C', role, params);
    expect(sim.done(hs)).toBeUndefined();
    const events = (): string[] => sim.emissions.flatMap((e) => (e.type === 'event' && e.id === hs ? [e.op.op] : []));
    const seen = events();
    expect(seen).not.toContain(op);
    sim.fault({ kind: 'crash', process: 'C' });
    const done = sim.done(hs);
    expect(done).toMatchObject({ status: 'failed', error: 'ECANCELED' });
    // Not a step that completed: no event for it, before or after the done.
    expect(events()).toEqual(seen);
  });
});

describe('SPEC.md §14: an immediate reset and the transmissions in flight on its connection', () => {
  const ROWS: readonly { name: string; req: string; run: (sim: Sim) => { process: string; fd: number } ; inflight: number }[] = [
    {
      // §3.3 close, §14: an immediate reset like the other two — what was in flight is dropped with it.
      name: 'a listener closes with a connection queued: what the connecting side had in flight is gone',
      req: 'DATA-LISTENER-CLOSE-RESETS',
      run: (sim) => {
        const lis = sim.fd('S', 'dss');
        sim.value('S', { op: 'bind', fd: lis, stg: 1, port: 5000 });
        sim.value('S', { op: 'listen', fd: lis, backlog: 2 });
        const c = sim.fd('C', 'dss');
        sim.value('C', { op: 'connect', fd: c, to: { stg: 1, port: 5000 } });
        sim.fault({ kind: 'delay', channel: 'dss', ticks: 2 });
        sim.value('C', { op: 'send', fd: c, data: hex('abcd') });
        sim.value('S', { op: 'close', fd: lis });
        return { process: 'C', fd: c };
      },
      inflight: 0,
    },
    {
      // §10.1: the storage system removes the connection, with the buffers its bytes are in.
      name: 'recover resets a crashed process\'s STP connection: what was in flight is gone',
      req: 'FAULT-RECOVER-RECLAIMS',
      run: (sim) => {
        const [, s] = sim.dssPair();
        sim.fault({ kind: 'delay', channel: 'dss', ticks: 2 });
        sim.value('S', { op: 'send', fd: s, data: hex('abcd') });
        sim.fault({ kind: 'crash', process: 'C' });
        sim.fault({ kind: 'recover', process: 'C' });
        return { process: 'S', fd: s };
      },
      inflight: 0,
    },
    {
      // §10.3: "transmissions still in flight on it are dropped".
      name: 'the reset fault: what was in flight is gone',
      req: 'FAULT-RESET',
      run: (sim) => {
        const [, s] = sim.dssPair();
        sim.fault({ kind: 'delay', channel: 'dss', ticks: 2 });
        sim.value('S', { op: 'send', fd: s, data: hex('abcd') });
        sim.fault({ kind: 'reset', process: 'S', fd: s });
        return { process: 'S', fd: s };
      },
      inflight: 0,
    },
  ];

  test.each(ROWS)('$req: $name', ({ run, inflight }) => {
    const sim = new Sim();
    const { process, fd } = run(sim);
    expect(view(sim, process, fd)).toMatchObject({ state: 'reset', inflight });
    // Whatever was kept arrives at a closed end and is dropped: nothing ever reaches anyone.
    sim.tick(2);
    expect(view(sim, process, fd)).toMatchObject({ state: 'reset', inflight: 0 });
  });
});

describe('SPEC.md §2.3: a blocked STP send moves on whenever room appears, also when the receiver discards', () => {
  interface Row {
    readonly name: string;
    /** The dss delay in force from the start (0: none), and the one set just before S closes. */
    readonly delayFirst: number;
    readonly delayAtClose: number;
    /** What C sent before its blocked send (fills the 16-byte buffer), and the blocked send. */
    readonly fill: number;
    readonly blocked: number;
    /** Ticks between the blocked send and S's close. */
    readonly ticksBeforeClose: number;
    /** The blocked send's result right after the close, and after 4 more ticks. */
    readonly atClose: ReturnType<typeof ok> | undefined;
    readonly later: ReturnType<typeof ok>;
  }

  const ROWS: readonly Row[] = [
    {
      // No delay: the close's end-of-stream arrives with it, and a send blocked then fails (§4.3).
      name: 'no delay: the end-of-stream arrives at once, EPIPE',
      delayFirst: 0, delayAtClose: 0, fill: 16, blocked: 4, ticksBeforeClose: 0,
      atClose: fail('EPIPE'), later: fail('EPIPE'),
    },
    {
      // The unread 16 bytes S discards make room for the blocked 4 before the delayed end-of-stream.
      name: 'the receiver discards unread bytes: the blocked send completes at the close',
      delayFirst: 0, delayAtClose: 2, fill: 16, blocked: 4, ticksBeforeClose: 0,
      atClose: ok({ sent: 4 }), later: ok({ sent: 4 }),
    },
    {
      // Only 16 of the 40 fit before the end-of-stream arrives, two ticks later: EPIPE then.
      name: 'the receiver discards unread bytes, more are left than fit: EPIPE when the end-of-stream arrives',
      delayFirst: 0, delayAtClose: 2, fill: 16, blocked: 40, ticksBeforeClose: 0,
      atClose: undefined, later: fail('EPIPE'),
    },
    {
      // The 16 bytes in flight reach S after it closed and are dropped, a tick before its
      // end-of-stream reaches C: their room takes the blocked 8.
      name: 'bytes in flight dropped at the closed socket: the blocked send completes when they arrive',
      delayFirst: 2, delayAtClose: 2, fill: 16, blocked: 8, ticksBeforeClose: 1,
      atClose: undefined, later: ok({ sent: 8 }),
    },
  ];

  test.each(ROWS)('STG-BACKPRESSURE, DSS-CLOSE-GRACEFUL: $name', ({ delayFirst, delayAtClose, fill, blocked, ticksBeforeClose, atClose, later }) => {
    const sim = new Sim(configWith({}));
    const [c, s] = sim.dssPair();
    if (delayFirst > 0) sim.fault({ kind: 'delay', channel: 'dss', ticks: delayFirst });
    expect(sim.call('C', { op: 'send', fd: c, data: hex('f'.repeat(fill)) })).toEqual(ok({ sent: fill }));
    const send = sim.start('C', { op: 'send', fd: c, data: hex('b'.repeat(blocked)) });
    expect(sim.result(send)).toBeUndefined();
    sim.tick(ticksBeforeClose);
    if (delayAtClose > 0 && delayAtClose !== delayFirst) sim.fault({ kind: 'delay', channel: 'dss', ticks: delayAtClose });
    sim.value('S', { op: 'close', fd: s });
    expect(sim.result(send)).toEqual(atClose);
    sim.tick(4);
    expect(sim.result(send)).toEqual(later);
    // Consistent with a fresh send in the same state: once the end-of-stream is in, EPIPE.
    expect(sim.call('C', { op: 'send', fd: c, data: hex('x') })).toEqual(fail('EPIPE'));
  });
});
