/**
 * Dispatch by descriptor value (SPEC.md chapter 6): which side of the
 * boundary a descriptor lies on decides the channel, and a call on one
 * channel never touches the other.
 */
import { describe, expect, test } from 'vitest';
import type { Inspection, Op } from '../spec/messages.ts';
import { Sim, configWith, fail, hex, ok } from './testing/sim.ts';

const FD_OPS: readonly [string, (fd: number) => Op][] = [
  ['bind', (fd) => ({ op: 'bind', fd, port: 7100 })],
  ['listen', (fd) => ({ op: 'listen', fd, backlog: 1 })],
  ['accept', (fd) => ({ op: 'accept', fd })],
  ['connect', (fd) => ({ op: 'connect', fd, to: { host: 'srv', port: 7000 } })],
  ['send', (fd) => ({ op: 'send', fd, data: hex('x') })],
  ['recv', (fd) => ({ op: 'recv', fd, max: 1 })],
  ['getsockname', (fd) => ({ op: 'getsockname', fd })],
  ['close', (fd) => ({ op: 'close', fd })],
];

describe('descriptor ranges', () => {
  test('DISPATCH-FD-RANGE: network descriptors start at 3, below the boundary; STP ones at the boundary', () => {
    const sim = new Sim(configWith({ fdBoundary: 8 }));
    const net = [1, 2, 3, 4, 5].map(() => sim.call('C', { op: 'socket', family: 'net' }));
    expect(net).toEqual([3, 4, 5, 6, 7].map((fd) => ok({ fd })));
    const dss = [1, 2].map(() => sim.call('C', { op: 'socket', family: 'dss' }));
    expect(dss).toEqual([8, 9].map((fd) => ok({ fd })));
  });

  test('DISPATCH-FD-RANGE: with the network range used up, socket(net) is EMFILE — it never spills over the boundary', () => {
    const sim = new Sim(configWith({ fdBoundary: 8 }));
    for (let i = 0; i < 5; i++) sim.fd('C', 'net');
    expect(sim.call('C', { op: 'socket', family: 'net' })).toEqual(fail('EMFILE'));
    expect(sim.call('C', { op: 'socket', family: 'dss' })).toEqual(ok({ fd: 8 }));
    // A free value in range is reused (lowest first).
    sim.value('C', { op: 'close', fd: 5 });
    expect(sim.call('C', { op: 'socket', family: 'net' })).toEqual(ok({ fd: 5 }));
  });

  test('DISPATCH-FD-RANGE: accept with the network range used up is EMFILE; the connection stays queued until a descriptor frees', () => {
    // Why this test? The model once returned fd -1 here: accept had no EMFILE check of its own.
    const sim = new Sim(configWith({ fdBoundary: 8 }));
    const lis = sim.fd('S', 'net');
    sim.value('S', { op: 'listen', fd: lis, backlog: 1 });
    sim.value('C', { op: 'connect', fd: sim.fd('C', 'net'), to: { host: 'srv', port: 40000 } });
    for (let i = 0; i < 4; i++) sim.fd('S', 'net');
    expect(sim.call('S', { op: 'accept', fd: lis })).toEqual(fail('EMFILE'));
    expect(sim.state.socks[`S:${lis}`]!.queue).toHaveLength(1);
    sim.value('S', { op: 'close', fd: 6 });
    expect(sim.call('S', { op: 'accept', fd: lis })).toEqual(ok({ fd: 6, peer: { host: 'cli', port: 40000 } }));
  });

  test('WORLD-PROCESS-ISOLATION: descriptor tables are per process', () => {
    const sim = new Sim();
    expect([sim.fd('C', 'net'), sim.fd('C2', 'net'), sim.fd('S', 'dss'), sim.fd('S2', 'dss')]).toEqual([3, 3, 1024, 1024]);
  });
});

describe('EBADF on both sides of the boundary', () => {
  const FDS: readonly [string, number][] = [
    ['never opened, network side', 3],
    ['never opened, just below the boundary', 1023],
    ['never opened, at the boundary', 1024],
    ['never opened, outside both ranges (stdin)', 0],
    ['never opened, beyond the STP range', 1024 + 65536],
  ];
  const cases = FD_OPS.flatMap(([name, op]) => FDS.map(([where, fd]) => [name, where, op, fd] as const));
  test.each(cases)('DISPATCH-EBADF: %s on an fd %s', (_name, _where, op, fd) => {
    const sim = new Sim();
    const before = sim.inspect();
    expect(sim.call('C', op(fd))).toEqual(fail('EBADF'));
    expect(sim.inspect()).toEqual(before);
  });

  test.each(FD_OPS)('DISPATCH-EBADF, WORLD-PROCESS-ISOLATION: %s on a closed fd, and on another process\'s fd', (_name, op) => {
    for (const family of ['net', 'dss'] as const) {
      const sim = new Sim();
      const closed = sim.fd('C', family);
      sim.value('C', { op: 'close', fd: closed });
      const foreign = sim.fd('C2', family);
      expect(sim.call('C', op(closed))).toEqual(fail('EBADF'));
      expect(sim.call('C', op(foreign))).toEqual(fail('EBADF'));
    }
  });
});

/** The parts of an inspection that belong to one channel. */
function channel(view: Inspection, family: 'net' | 'dss'): unknown {
  return {
    cbt: family === 'dss' ? view.cbt : undefined,
    ports: view.ports[family],
    sockets: view.processes.map((p) => p.sockets.filter((s) => s.family === family)),
  };
}

describe('no cross-channel effects', () => {
  /** A world with something on both channels: a connected pair each, with unread bytes, and a listener each. */
  function busyWorld(): { sim: Sim; net: [number, number]; dss: [number, number]; netLis: number; dssLis: number } {
    const sim = new Sim();
    const net = sim.netPair();
    const dss = sim.dssPair();
    sim.value('C', { op: 'send', fd: net[0], data: hex('n') });
    sim.value('C', { op: 'send', fd: dss[0], data: hex('d') });
    const netLis = sim.fd('S2', 'net');
    sim.value('S2', { op: 'listen', fd: netLis, backlog: 1 });
    const dssLis = sim.fd('S2', 'dss');
    sim.value('S2', { op: 'bind', fd: dssLis, stg: 1, port: 5005 });
    sim.value('S2', { op: 'listen', fd: dssLis, backlog: 1 });
    return { sim, net, dss, netLis, dssLis };
  }

  const NET_CALLS: readonly [string, (w: ReturnType<typeof busyWorld>) => [string, Op]][] = [
    ['socket(net)', () => ['C2', { op: 'socket', family: 'net' }]],
    ['bind', (w) => ['S2', { op: 'bind', fd: w.sim.fd('S2', 'net'), port: 0 }]],
    ['connect', (w) => ['C2', { op: 'connect', fd: w.sim.fd('C2', 'net'), to: { host: 'srv', port: 40000 } }]],
    ['accept', (w) => ['S2', { op: 'accept', fd: w.netLis }]],
    ['send', (w) => ['S', { op: 'send', fd: w.net[1], data: hex('zz') }]],
    ['recv', (w) => ['S', { op: 'recv', fd: w.net[1], max: 1 }]],
    ['close with unread bytes', (w) => ['S', { op: 'close', fd: w.net[1] }]],
    ['close of a listener', (w) => ['S2', { op: 'close', fd: w.netLis }]],
  ];
  const DSS_CALLS: readonly [string, (w: ReturnType<typeof busyWorld>) => [string, Op]][] = [
    ['socket(dss)', () => ['C2', { op: 'socket', family: 'dss' }]],
    ['bind', (w) => ['S2', { op: 'bind', fd: w.sim.fd('S2', 'dss'), stg: 1, port: 0 }]],
    ['connect', (w) => ['C2', { op: 'connect', fd: w.sim.fd('C2', 'dss'), to: { stg: 1, port: 5005 } }]],
    ['accept', (w) => ['S2', { op: 'accept', fd: w.dssLis }]],
    ['send', (w) => ['S', { op: 'send', fd: w.dss[1], data: hex('zz') }]],
    ['recv', (w) => ['S', { op: 'recv', fd: w.dss[1], max: 1 }]],
    ['close with unread bytes', (w) => ['S', { op: 'close', fd: w.dss[1] }]],
    ['close of a listener', (w) => ['S2', { op: 'close', fd: w.dssLis }]],
  ];

  test.each(NET_CALLS)('DISPATCH-BY-VALUE, CBT-NET-OWNS-NONE: a network %s leaves the table, STP ports and STP sockets as they were', (_name, make) => {
    const world = busyWorld();
    const [process, call] = make(world);
    const before = channel(world.sim.inspect(), 'dss');
    world.sim.start(process, call);
    expect(channel(world.sim.inspect(), 'dss')).toEqual(before);
  });

  test.each(DSS_CALLS)('DISPATCH-BY-VALUE: an STP %s leaves network ports and network sockets as they were', (_name, make) => {
    const world = busyWorld();
    const [process, call] = make(world);
    const before = channel(world.sim.inspect(), 'net');
    world.sim.start(process, call);
    expect(channel(world.sim.inspect(), 'net')).toEqual(before);
  });

  test('DISPATCH-BY-VALUE: a network socket that names an STG in bind is EINVAL', () => {
    const sim = new Sim();
    expect(sim.call('C', { op: 'bind', fd: sim.fd('C', 'net'), stg: 1, port: 5000 })).toEqual(fail('EINVAL'));
    expect(sim.inspect().ports).toEqual({ net: [], dss: [] });
  });
});
