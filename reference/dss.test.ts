/**
 * Storage-system (STP) sockets (SPEC.md chapter 5): sockets that name an STG
 * and a port, connect through the storage system, and push back on a full
 * buffer instead of dropping.
 */
import { describe, expect, test } from 'vitest';
import { hexToBytes } from '../spec/bytes.ts';
import type { Op } from '../spec/messages.ts';
import { Sim, configWith, data, fail, hex, local, ok } from './testing/sim.ts';

const TWO_STGS = configWith({ stgs: [{ id: 1, length: 16, ports: [5000, 5007] }, { id: 2, length: 4, ports: [6000, 6001] }] });

/** S listens on stg1:5000; returns the listener's fd. */
function listener(sim: Sim, backlog = 1, stg = 1, port = 5000): number {
  const lis = sim.fd('S', 'dss');
  sim.value('S', { op: 'bind', fd: lis, stg, port });
  sim.value('S', { op: 'listen', fd: lis, backlog });
  return lis;
}

describe('socket and bind', () => {
  test('DSS-SOCKET-UNBOUND: a new STP socket is bound to no destination address', () => {
    const sim = new Sim();
    const fd = sim.fd('C', 'dss');
    expect(fd).toBe(1024);
    expect(sim.call('C', { op: 'getsockname', fd })).toEqual(local(null));
    expect(sim.inspect().processes.find((p) => p.process === 'C')!.sockets).toEqual([
      { fd, family: 'dss', state: 'idle', local: null, peer: null, rx: 0, inflight: 0, block: 0 },
    ]);
    expect(sim.inspect().ports.dss).toEqual([]);
  });

  test.each([
    ['DSS-BIND-STG-PORT: a free port of the STG\'s range binds', { stg: 1, port: 5003 }, local({ stg: 1, port: 5003 })],
    ['DSS-BIND-STG-PORT: the ends of the range bind', { stg: 2, port: 6001 }, local({ stg: 2, port: 6001 })],
    ['DSS-BIND-DYNAMIC: port 0 takes a free port of that STG', { stg: 2, port: 0 }, local({ stg: 2, port: 6000 })],
    ['DSS-BIND-STG-PORT: a port outside the range is EADDRNOTAVAIL', { stg: 1, port: 6000 }, fail('EADDRNOTAVAIL')],
    ['DSS-BIND-STG-PORT: a port just below the range is EADDRNOTAVAIL', { stg: 1, port: 4999 }, fail('EADDRNOTAVAIL')],
    ['DSS-BIND-STG-PORT: an unknown STG is EADDRNOTAVAIL', { stg: 9, port: 0 }, fail('EADDRNOTAVAIL')],
    ['DSS-BIND-STG-PORT, DISPATCH-BY-VALUE: an STP bind without an STG is EINVAL', { port: 5000 }, fail('EINVAL')],
  ])('%s', (_name, address, expected) => {
    const sim = new Sim(TWO_STGS);
    const fd = sim.fd('C', 'dss');
    expect(sim.call('C', { op: 'bind', fd, ...address })).toEqual(expected);
    expect(sim.call('C', { op: 'getsockname', fd })).toEqual('value' in expected ? expected : local(null));
  });

  test('DSS-BIND-DYNAMIC: dynamic binds skip held ports and fail EADDRINUSE when the STG has none left', () => {
    const sim = new Sim(TWO_STGS);
    sim.value('S', { op: 'bind', fd: sim.fd('S', 'dss'), stg: 2, port: 6000 });
    expect(sim.call('C', { op: 'bind', fd: sim.fd('C', 'dss'), stg: 2, port: 0 })).toEqual(local({ stg: 2, port: 6001 }));
    expect(sim.call('C', { op: 'bind', fd: sim.fd('C', 'dss'), stg: 2, port: 0 })).toEqual(fail('EADDRINUSE'));
    expect(sim.call('C', { op: 'bind', fd: sim.fd('C', 'dss'), stg: 1, port: 0 })).toEqual(local({ stg: 1, port: 5000 }));
  });

  test.each([
    ['bound', (sim: Sim) => sim.value('S', { op: 'bind', fd: sim.fd('S', 'dss'), stg: 1, port: 5000 })],
    ['listening', (sim: Sim) => listener(sim)],
    ['connected from it', (sim: Sim) => {
      listener(sim, 1, 1, 5001);
      const fd = sim.fd('S2', 'dss');
      sim.value('S2', { op: 'bind', fd, stg: 1, port: 5000 });
      sim.value('S2', { op: 'connect', fd, to: { stg: 1, port: 5001 } });
    }],
  ])('DSS-BIND-INUSE: a port %s in that STG is EADDRINUSE, from any host', (_name, hold) => {
    const sim = new Sim();
    hold(sim);
    expect(sim.call('C', { op: 'bind', fd: sim.fd('C', 'dss'), stg: 1, port: 5000 })).toEqual(fail('EADDRINUSE'));
  });

  test('DSS-BIND-INUSE: an STP port only accepted sockets use binds once their listener has closed; dynamic binds skip it', () => {
    const sim = new Sim();
    sim.dssPair('C', 'S', 1, 5000);
    expect(sim.call('S2', { op: 'bind', fd: sim.fd('S2', 'dss'), stg: 1, port: 5000 })).toEqual(local({ stg: 1, port: 5000 }));
    // 5000 is now held by that bind; the client's implicit bind took 5001 and the accepted socket uses 5000.
    expect(sim.call('C', { op: 'bind', fd: sim.fd('C', 'dss'), stg: 1, port: 0 })).toEqual(local({ stg: 1, port: 5002 }));
  });

  test('DSS-BIND-INUSE: bind on a bound STP socket is EINVAL', () => {
    const sim = new Sim();
    const fd = sim.fd('C', 'dss');
    sim.value('C', { op: 'bind', fd, stg: 1, port: 5000 });
    expect(sim.call('C', { op: 'bind', fd, stg: 1, port: 5001 })).toEqual(fail('EINVAL'));
  });

  test('DSS-LISTEN-NEEDS-BIND: listen on an unbound STP socket is EINVAL; after bind it listens', () => {
    const sim = new Sim();
    const fd = sim.fd('S', 'dss');
    expect(sim.call('S', { op: 'listen', fd, backlog: 1 })).toEqual(fail('EINVAL'));
    expect(sim.inspect().ports.dss).toEqual([]);
    sim.value('S', { op: 'bind', fd, stg: 1, port: 0 });
    expect(sim.call('S', { op: 'listen', fd, backlog: 1 })).toEqual(local({ stg: 1, port: 5000 }));
  });

  test('DSS-GETSOCKNAME: reports (stg, port) of bound, connected and accepted sockets', () => {
    const sim = new Sim();
    const [c, s] = sim.dssPair();
    expect(sim.call('C', { op: 'getsockname', fd: c })).toEqual(local({ stg: 1, port: 5001 }));
    expect(sim.call('S', { op: 'getsockname', fd: s })).toEqual(local({ stg: 1, port: 5000 }));
  });
});

describe('connect and accept', () => {
  test('DSS-CONNECT: connect binds an unbound socket to a dynamic port of that STG and completes once queued', () => {
    const sim = new Sim(TWO_STGS);
    listener(sim, 1, 2, 6000);
    const fd = sim.fd('C', 'dss');
    expect(sim.call('C', { op: 'connect', fd, to: { stg: 2, port: 6000 } })).toEqual(local({ stg: 2, port: 6001 }));
  });

  test('DSS-CONNECT, WORLD-SHARED-STORAGE: processes of one host connect through the storage system too', () => {
    const sim = new Sim();
    const [c, s] = sim.dssPair('S2', 'S');
    sim.value('S2', { op: 'send', fd: c, data: hex('same host') });
    expect(sim.call('S', { op: 'recv', fd: s, max: 64 })).toEqual(data('same host'));
  });

  test.each([
    ['nobody listens: ECONNREFUSED, the implicit bind released', (fd: number): Op => ({ op: 'connect', fd, to: { stg: 1, port: 5003 } }), 'ECONNREFUSED'],
    ['an unknown STG is EADDRNOTAVAIL', (fd: number): Op => ({ op: 'connect', fd, to: { stg: 7, port: 5000 } }), 'EADDRNOTAVAIL'],
    ['a network address is EINVAL', (fd: number): Op => ({ op: 'connect', fd, to: { host: 'srv', port: 7000 } }), 'EINVAL'],
  ] as const)('DSS-CONNECT: %s', (_name, call, error) => {
    const sim = new Sim();
    listener(sim);
    const fd = sim.fd('C', 'dss');
    expect(sim.call('C', call(fd))).toEqual(fail(error));
    expect(sim.call('C', { op: 'getsockname', fd })).toEqual(local(null));
    expect(sim.inspect().ports.dss.map((p) => p.process)).toEqual(['S']);
  });

  test('DSS-CONNECT: a socket bound in another STG cannot connect (EINVAL); its bind is kept', () => {
    const sim = new Sim(TWO_STGS);
    listener(sim);
    const fd = sim.fd('C', 'dss');
    sim.value('C', { op: 'bind', fd, stg: 2, port: 6000 });
    expect(sim.call('C', { op: 'connect', fd, to: { stg: 1, port: 5000 } })).toEqual(fail('EINVAL'));
    expect(sim.call('C', { op: 'getsockname', fd })).toEqual(local({ stg: 2, port: 6000 }));
  });

  test('DSS-ACCEPT, CBT-ALLOC-ON-REQUEST: accept returns a new STP descriptor owning a block of its own, oldest first', () => {
    const sim = new Sim();
    const lis = listener(sim, 2);
    const from = ['C', 'C2'].map((process) => sim.value<{ local: unknown }>(process, { op: 'connect', fd: sim.fd(process, 'dss'), to: { stg: 1, port: 5000 } }).local);
    const first = sim.value<{ fd: number; peer: unknown }>('S', { op: 'accept', fd: lis });
    const second = sim.value<{ fd: number; peer: unknown }>('S', { op: 'accept', fd: lis });
    expect([first.peer, second.peer]).toEqual(from);
    expect([first.fd, second.fd]).toEqual([1025, 1026]);
    expect(sim.owners()).toEqual(['C2:1024', 'C:1024', 'S:1024', 'S:1025', 'S:1026']);
  });

  test('CBT-EXHAUSTED-ENOBUFS, DSS-ACCEPT: an accept that meets a reserved table leaves the connection queued until release', () => {
    const sim = new Sim();
    const lis = listener(sim);
    sim.value('C', { op: 'connect', fd: sim.fd('C', 'dss'), to: { stg: 1, port: 5000 } });
    sim.fault({ kind: 'cbt-reserve', count: 8 });
    expect(sim.call('S', { op: 'accept', fd: lis })).toEqual(fail('ENOBUFS'));
    sim.fault({ kind: 'cbt-release' });
    expect(sim.call('S', { op: 'accept', fd: lis })).toEqual(ok({ fd: 1025, peer: { stg: 1, port: 5001 } }));
  });
});

describe('data through the storage system', () => {
  test('DSS-CLOSE-GRACEFUL: close with unread bytes on the closing side still ends the stream gracefully', () => {
    const sim = new Sim();
    const [c, s] = sim.dssPair();
    sim.value('C', { op: 'send', fd: c, data: hex('unread by S') });
    sim.value('S', { op: 'send', fd: s, data: hex('bye') });
    sim.value('S', { op: 'close', fd: s });
    expect(sim.call('C', { op: 'recv', fd: c, max: 64 })).toEqual(data('bye'));
    expect(sim.call('C', { op: 'recv', fd: c, max: 64 })).toEqual(data(''));
    expect(sim.call('C', { op: 'send', fd: c, data: hex('x') })).toEqual(fail('EPIPE'));
    expect(sim.call('C', { op: 'send', fd: c, data: hex('x') })).toEqual(fail('EPIPE'));
  });

  test('DSS-CLOSE-GRACEFUL, STG-BACKPRESSURE: a send blocked on a full buffer fails EPIPE when the peer closes', () => {
    const sim = new Sim();
    const [c, s] = sim.dssPair();
    const send = sim.start('C', { op: 'send', fd: c, data: hex('y'.repeat(20)) });
    expect(sim.result(send)).toBeUndefined();
    sim.value('S', { op: 'close', fd: s });
    expect(sim.result(send)).toEqual(fail('EPIPE'));
  });

  test.each([
    [40, 3],
    [100, 5],
    [33, 16],
    [17, 1],
  ])('STG-BACKPRESSURE, DATA-PREFIX-IN-ORDER: %i bytes through a 16-byte STG, read %i at a time, arrive whole and in order', (size, piece) => {
    const sim = new Sim();
    const [c, s] = sim.dssPair();
    const message = Array.from({ length: size }, (_, i) => String.fromCharCode(33 + (i % 90))).join('');
    const send = sim.start('C', { op: 'send', fd: c, data: hex(message) });
    let got = '';
    for (let reads = 0; got.length < size && reads < size; reads++) {
      const buffered = sim.inspect().processes.find((p) => p.process === 'S')!.sockets.find((x) => x.fd === s)!.rx;
      // Back-pressure: never more than the STG length buffered in one direction.
      expect(buffered).toBeLessThanOrEqual(16);
      const outcome = sim.call('S', { op: 'recv', fd: s, max: piece });
      got += hexToBytes((outcome as { value: { data: string } }).value.data);
      if (got.length < size - 16) expect(sim.result(send)).toBeUndefined();
    }
    expect(got).toBe(message);
    expect(sim.result(send)).toEqual(ok({ sent: size }));
  });
});
