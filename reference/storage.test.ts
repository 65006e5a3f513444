/**
 * The storage system (SPEC.md chapter 2): the control block table and STGs,
 * as the model keeps them. Owners are read through inspect, the way a
 * checker reads an implementation's.
 */
import { describe, expect, test } from 'vitest';
import { Sim, configWith, fail, hex, ok } from './testing/sim.ts';

const small = configWith({ cbt: { capacity: 2 } });

describe('control block table', () => {
  test('CBT-ALLOC-ON-REQUEST: socket(dss) allocates exactly one block, from any host', () => {
    const sim = new Sim();
    const s = sim.fd('S', 'dss');
    const c = sim.fd('C', 'dss');
    expect(sim.owners()).toEqual([`C:${c}`, `S:${s}`]);
    expect(sim.inspect().cbt.blocks.filter((b) => b.owner === null)).toHaveLength(6);
  });

  test('CBT-NET-OWNS-NONE: network sockets, listeners and connections own no block', () => {
    const sim = new Sim();
    sim.netPair();
    expect(sim.owners()).toEqual([]);
  });

  test('CBT-ALLOC-ON-REQUEST, DSS-ACCEPT: accept on an STP listener allocates the accepted socket its own block', () => {
    const sim = new Sim();
    const [client, accepted] = sim.dssPair();
    // The listener was closed by dssPair: its block is back.
    expect(sim.owners()).toEqual([`C:${client}`, `S:${accepted}`]);
  });

  test.each([
    ['socket(dss)', 0],
    ['socket(dss) after a reservation', 1],
  ])('CBT-EXHAUSTED-ENOBUFS: %s on a full table fails and changes nothing', (_name, reserved) => {
    const sim = new Sim(small);
    if (reserved) sim.fault({ kind: 'cbt-reserve', count: reserved });
    for (let i = reserved; i < 2; i++) sim.fd('S', 'dss');
    const before = sim.inspect();
    expect(sim.call('C', { op: 'socket', family: 'dss' })).toEqual(fail('ENOBUFS'));
    expect(sim.inspect()).toEqual(before);
    // Network sockets do not need the table.
    expect(sim.call('C', { op: 'socket', family: 'net' })).toEqual(ok({ fd: 3 }));
  });

  test('CBT-EXHAUSTED-ENOBUFS: accept on a full table fails, the connection stays queued, a later accept takes it', () => {
    const sim = new Sim(small);
    const lis = sim.fd('S', 'dss');
    sim.value('S', { op: 'bind', fd: lis, stg: 1, port: 5000 });
    sim.value('S', { op: 'listen', fd: lis, backlog: 1 });
    const c = sim.fd('C', 'dss');
    sim.value('C', { op: 'connect', fd: c, to: { stg: 1, port: 5000 } });
    expect(sim.call('S', { op: 'accept', fd: lis })).toEqual(fail('ENOBUFS'));
    expect(sim.state.socks[`S:${lis}`]!.queue).toHaveLength(1);
    // Closing the client's socket frees a block; its connection stays queued at the listener.
    sim.value('C', { op: 'close', fd: c });
    const accepted = sim.value<{ fd: number; peer: unknown }>('S', { op: 'accept', fd: lis });
    expect(accepted.peer).toEqual({ stg: 1, port: 5001 });
    expect(sim.owners()).toEqual([`S:${lis}`, `S:${accepted.fd}`].sort());
    // The connection's client side closed before accept: the accepted socket reads end-of-stream.
    expect(sim.call('S', { op: 'recv', fd: accepted.fd, max: 4 })).toEqual(ok({ data: '' }));
  });

  test('CBT-EXHAUSTED-ENOBUFS: an accept with nothing queued blocks as usual, and answers ENOBUFS once a connection is queued on a full table', () => {
    const sim = new Sim(small);
    const lis = sim.fd('S', 'dss');
    sim.value('S', { op: 'bind', fd: lis, stg: 1, port: 5000 });
    sim.value('S', { op: 'listen', fd: lis, backlog: 1 });
    const c = sim.fd('C', 'dss');
    const accept = sim.start('S', { op: 'accept', fd: lis });
    expect(sim.result(accept)).toBeUndefined();
    sim.value('C', { op: 'connect', fd: c, to: { stg: 1, port: 5000 } });
    expect(sim.result(accept)).toEqual(fail('ENOBUFS'));
    expect(sim.state.socks[`S:${lis}`]!.queue).toHaveLength(1);
  });

  test('CBT-FREE-ON-CLOSE: close returns the block at once, and the slot is reused', () => {
    const sim = new Sim(small);
    const a = sim.fd('S', 'dss');
    const b = sim.fd('S', 'dss');
    sim.value('S', { op: 'close', fd: a });
    expect(sim.owners()).toEqual([`S:${b}`]);
    expect(sim.call('C', { op: 'socket', family: 'dss' })).toEqual(ok({ fd: 1024 }));
    expect(sim.owners()).toEqual(['C:1024', `S:${b}`]);
  });

  test('CBT-UNIQUE-OWNER, CBT-CONSERVATION: the table is counted from its slots', () => {
    const sim = new Sim();
    sim.dssPair();
    sim.fd('S2', 'dss');
    const { cbt } = sim.inspect();
    const owners = cbt.blocks.flatMap((b) => (b.owner && 'process' in b.owner ? [`${b.owner.process}:${b.owner.fd}`] : []));
    expect(new Set(owners).size).toBe(owners.length);
    expect(cbt.blocks).toHaveLength(cbt.capacity);
    expect(cbt.blocks.map((b) => b.slot)).toEqual([...Array(cbt.capacity).keys()]);
  });

  test('FAULT-CBT-RESERVE: reserve takes free blocks only, release returns exactly those', () => {
    const sim = new Sim(configWith({ cbt: { capacity: 4 } }));
    const s = sim.fd('S', 'dss');
    sim.fault({ kind: 'cbt-reserve', count: 10 });
    expect(sim.owners()).toEqual(['S:1024', 'reserved', 'reserved', 'reserved']);
    expect(sim.call('C', { op: 'socket', family: 'dss' })).toEqual(fail('ENOBUFS'));
    sim.fault({ kind: 'cbt-release' });
    expect(sim.owners()).toEqual([`S:${s}`]);
    expect(sim.call('C', { op: 'socket', family: 'dss' })).toEqual(ok({ fd: 1024 }));
  });
});

describe('STGs', () => {
  test('STG-PORTS-PER-STG: one STG supports many ports at once, each held by one socket', () => {
    const sim = new Sim();
    const ports = [5000, 5003, 5007];
    for (const port of ports) {
      const fd = sim.fd('S', 'dss');
      expect(sim.call('S', { op: 'bind', fd, stg: 1, port })).toEqual(ok({ local: { stg: 1, port } }));
    }
    expect(sim.inspect().ports.dss.map((p) => p.port)).toEqual(ports);
  });

  test('STG-PORTS-PER-STG: STP ports belong to the STG, not to a host — the same number in two STGs', () => {
    const sim = new Sim(configWith({ stgs: [{ id: 1, length: 16, ports: [5000, 5007] }, { id: 2, length: 8, ports: [5000, 5003] }] }));
    const a = sim.fd('S', 'dss');
    const b = sim.fd('C', 'dss');
    expect(sim.call('S', { op: 'bind', fd: a, stg: 1, port: 5000 })).toEqual(ok({ local: { stg: 1, port: 5000 } }));
    expect(sim.call('C', { op: 'bind', fd: b, stg: 2, port: 5000 })).toEqual(ok({ local: { stg: 2, port: 5000 } }));
    const c = sim.fd('S2', 'dss');
    // Held in stg1 by a process on another host: still in use.
    expect(sim.call('S2', { op: 'bind', fd: c, stg: 1, port: 5000 })).toEqual(fail('EADDRINUSE'));
  });

  test('STG-BUFFER-PER-DIRECTION: each direction holds up to the STG length, independently', () => {
    const sim = new Sim();
    const [c, s] = sim.dssPair();
    const sixteen = 'abcdefghijklmnop';
    expect(sim.call('C', { op: 'send', fd: c, data: hex(sixteen) })).toEqual(ok({ sent: 16 }));
    expect(sim.call('S', { op: 'send', fd: s, data: hex(sixteen) })).toEqual(ok({ sent: 16 }));
    const view = sim.inspect().processes;
    expect(view.find((p) => p.process === 'S')!.sockets.find((x) => x.fd === s)!.rx).toBe(16);
    expect(view.find((p) => p.process === 'C')!.sockets.find((x) => x.fd === c)!.rx).toBe(16);
    // One more byte in either direction blocks.
    const blocked = sim.start('C', { op: 'send', fd: c, data: hex('q') });
    expect(sim.result(blocked)).toBeUndefined();
  });

  test('STG-BACKPRESSURE: a full buffer blocks the sender; each read moves bytes in; the send completes with its full length', () => {
    const sim = new Sim();
    const [c, s] = sim.dssPair();
    const message = 'x'.repeat(20);
    const send = sim.start('C', { op: 'send', fd: c, data: hex(message) });
    expect(sim.result(send)).toBeUndefined();
    expect(sim.call('S', { op: 'recv', fd: s, max: 3 })).toEqual(ok({ data: hex('xxx') }));
    expect(sim.result(send)).toBeUndefined();
    expect(sim.call('S', { op: 'recv', fd: s, max: 1 })).toEqual(ok({ data: hex('x') }));
    expect(sim.result(send)).toEqual(ok({ sent: 20 }));
    expect(sim.call('S', { op: 'recv', fd: s, max: 64 })).toEqual(ok({ data: hex('x'.repeat(16)) }));
  });
});
