/**
 * Faults and recovery (SPEC.md chapter 11): crash and recover, partition and
 * heal, reset, STG failure and repair, delays — each acting on the channel
 * it belongs to and nothing else.
 */
import { describe, expect, test } from 'vitest';
import { Sim, configWith, data, fail, hex, local, ok } from './testing/sim.ts';

const THREE_HOSTS = configWith({
  hosts: [
    { name: 'srv', processes: ['S', 'S2'] },
    { name: 'cli', processes: ['C', 'C2'] },
    { name: 'far', processes: ['F'] },
  ],
});

describe('crash and recover', () => {
  test('FAULT-CRASH-TEARDOWN: pending calls end ECANCELED, network sockets close, STP sockets keep their blocks', () => {
    const sim = new Sim();
    const [nc, ns] = sim.netPair();
    const [dc, ds] = sim.dssPair();
    const recv = sim.start('C', { op: 'recv', fd: nc, max: 4 });
    sim.fault({ kind: 'crash', process: 'C' });
    expect(sim.result(recv)).toEqual(fail('ECANCELED'));
    const view = sim.inspect();
    const c = view.processes.find((p) => p.process === 'C')!;
    expect(c.alive).toBe(false);
    expect(c.sockets.map((s) => s.fd)).toEqual([dc]);
    expect(sim.owners()).toEqual([`C:${dc}`, `S:${ds}`]);
    expect(view.ports.net).toEqual([]);
    // The network peer sees the close; the STP peer sees nothing yet.
    expect(sim.call('S', { op: 'recv', fd: ns, max: 4 })).toEqual(data(''));
    const stpRecv = sim.start('S', { op: 'recv', fd: ds, max: 4 });
    expect(sim.result(stpRecv)).toBeUndefined();
    // A crashed process can make no call until recovered.
    expect(sim.try({ type: 'call', id: 500, process: 'C', call: { op: 'socket', family: 'net' } }).kind).toBe('illegal');
  });

  test('FAULT-CRASH-TEARDOWN: a pending STP send of the crashed process ends ECANCELED', () => {
    const sim = new Sim();
    const [c] = sim.dssPair();
    const send = sim.start('C', { op: 'send', fd: c, data: hex('z'.repeat(30)) });
    expect(sim.result(send)).toBeUndefined();
    sim.fault({ kind: 'crash', process: 'C' });
    expect(sim.result(send)).toEqual(fail('ECANCELED'));
  });

  test('FAULT-RECOVER-RECLAIMS, FAULT-NO-LEAK: recover frees blocks and STP ports, resets STP peers, leaves the process alive and empty', () => {
    const sim = new Sim();
    const [, ds] = sim.dssPair();
    const lis = sim.fd('C', 'dss');
    sim.value('C', { op: 'bind', fd: lis, stg: 1, port: 5006 });
    sim.value('C', { op: 'listen', fd: lis, backlog: 1 });
    const stpRecv = sim.start('S', { op: 'recv', fd: ds, max: 4 });
    sim.fault({ kind: 'crash', process: 'C' });
    expect(sim.result(stpRecv)).toBeUndefined();
    sim.fault({ kind: 'recover', process: 'C' });
    expect(sim.result(stpRecv)).toEqual(fail('ECONNRESET'));
    expect(sim.owners()).toEqual([`S:${ds}`]);
    expect(sim.inspect().ports.dss).toEqual([]);
    const c = sim.inspect().processes.find((p) => p.process === 'C')!;
    expect(c).toMatchObject({ alive: true, sockets: [] });
    // The process works again, from the lowest descriptors.
    expect(sim.call('C', { op: 'socket', family: 'dss' })).toEqual(ok({ fd: 1024 }));
  });

  test('FAULT-RECOVER-RECLAIMS: an orphaned STP listener\'s queued connections are reset, its held connects refused', () => {
    const sim = new Sim();
    const lis = sim.fd('C', 'dss');
    sim.value('C', { op: 'bind', fd: lis, stg: 1, port: 5000 });
    sim.value('C', { op: 'listen', fd: lis, backlog: 1 });
    const queued = sim.fd('S', 'dss');
    sim.value('S', { op: 'connect', fd: queued, to: { stg: 1, port: 5000 } });
    const heldFd = sim.fd('S2', 'dss');
    const held = sim.id();
    sim.adopt(sim.try({ type: 'call', id: held, process: 'S2', call: { op: 'connect', fd: heldFd, to: { stg: 1, port: 5000 } } }, { choices: [0, 1] }));
    sim.fault({ kind: 'crash', process: 'C' });
    expect(sim.result(held)).toBeUndefined();
    sim.fault({ kind: 'recover', process: 'C' });
    expect(sim.result(held)).toEqual(fail('ECONNREFUSED'));
    expect(sim.call('S', { op: 'recv', fd: queued, max: 1 })).toEqual(fail('ECONNRESET'));
    expect(sim.owners()).toEqual([`S2:${heldFd}`, `S:${queued}`]);
  });

  test.each([
    ['crash of a live process twice', [{ kind: 'crash', process: 'C' }, { kind: 'crash', process: 'C' }]],
    ['recover of a live process', [{ kind: 'recover', process: 'C' }]],
    ['crash of an unknown process', [{ kind: 'crash', process: 'X' }]],
    ['recover of an unknown process', [{ kind: 'recover', process: 'X' }]],
  ] as const)('FAULT-CRASH-TEARDOWN: %s is illegal (a harness mistake)', (_name, faults) => {
    const sim = new Sim();
    for (const [i, fault] of faults.entries()) {
      const result = sim.try({ type: 'fault', fault });
      if (i < faults.length - 1) sim.adopt(result);
      else expect(result.kind).toBe('illegal');
    }
  });
});

describe('partition and heal', () => {
  test('FAULT-PARTITION-HOLDS, FAULT-HEAL-DELIVERS: bytes and end-of-stream wait, then arrive in order', () => {
    const sim = new Sim();
    const [c, s] = sim.netPair();
    sim.fault({ kind: 'partition', hosts: ['cli', 'srv'] });
    for (const part of ['one ', 'two ', 'three']) sim.value('C', { op: 'send', fd: c, data: hex(part) });
    sim.value('C', { op: 'close', fd: c });
    const recv = sim.start('S', { op: 'recv', fd: s, max: 64 });
    sim.tick(10);
    expect(sim.result(recv)).toBeUndefined();
    sim.fault({ kind: 'heal', hosts: ['srv', 'cli'] });
    expect(sim.result(recv)).toEqual(data('one two three'));
    expect(sim.call('S', { op: 'recv', fd: s, max: 64 })).toEqual(data(''));
  });

  test('FAULT-PARTITION-HOLDS, DSS-STORAGE-ONLY: STP connections and other hosts are unaffected', () => {
    const sim = new Sim(THREE_HOSTS);
    const [dc, ds] = sim.dssPair();
    const [fc, fs] = sim.netPair('F', 'S2', 7001);
    const [lc, ls] = sim.netPair('C2', 'C', 7002);
    sim.fault({ kind: 'partition', hosts: ['cli', 'srv'] });
    sim.value('C', { op: 'send', fd: dc, data: hex('stp') });
    expect(sim.call('S', { op: 'recv', fd: ds, max: 8 })).toEqual(data('stp'));
    sim.value('F', { op: 'send', fd: fc, data: hex('far') });
    expect(sim.call('S2', { op: 'recv', fd: fs, max: 8 })).toEqual(data('far'));
    sim.value('C2', { op: 'send', fd: lc, data: hex('local') });
    expect(sim.call('C', { op: 'recv', fd: ls, max: 8 })).toEqual(data('local'));
  });

  test('FAULT-PARTITION-HOLDS: a partition of a host from itself, or of an unknown host, is illegal; heal of what is not partitioned does nothing', () => {
    const sim = new Sim();
    expect(sim.try({ type: 'fault', fault: { kind: 'partition', hosts: ['cli', 'cli'] } }).kind).toBe('illegal');
    expect(sim.try({ type: 'fault', fault: { kind: 'partition', hosts: ['cli', 'mars'] } }).kind).toBe('illegal');
    expect(sim.try({ type: 'fault', fault: { kind: 'partition', hosts: ['mars', 'cli'] } }).kind).toBe('illegal');
    const before = sim.inspect();
    sim.fault({ kind: 'heal', hosts: ['cli', 'srv'] });
    sim.fault({ kind: 'partition', hosts: ['cli', 'srv'] });
    sim.fault({ kind: 'partition', hosts: ['srv', 'cli'] });
    expect(sim.state.partitions).toEqual(['cli|srv']);
    expect(sim.inspect()).toEqual(before);
  });
});

describe('reset', () => {
  test('FAULT-RESET: pending calls of both ends fail ECONNRESET', () => {
    const sim = new Sim();
    const [c, s] = sim.dssPair();
    // Both directions full: each end's send is blocked.
    const sends = [sim.start('C', { op: 'send', fd: c, data: hex('q'.repeat(20)) }), sim.start('S', { op: 'send', fd: s, data: hex('r'.repeat(20)) })];
    expect(sends.map((id) => sim.result(id))).toEqual([undefined, undefined]);
    sim.fault({ kind: 'reset', process: 'S', fd: s });
    expect(sends.map((id) => sim.result(id))).toEqual([fail('ECONNRESET'), fail('ECONNRESET')]);
  });

  test.each(['net', 'dss'] as const)('FAULT-RESET: each end reads delivered bytes, then ECONNRESET once, then end-of-stream; sends fail ECONNRESET then EPIPE (%s)', (family) => {
    const sim = new Sim();
    const [c, s] = family === 'net' ? sim.netPair() : sim.dssPair();
    sim.value('C', { op: 'send', fd: c, data: hex('kept') });
    const blocked = sim.start('C', { op: 'recv', fd: c, max: 4 });
    sim.fault({ kind: 'reset', process: 'C', fd: c });
    expect(sim.result(blocked)).toEqual(fail('ECONNRESET'));
    expect(sim.call('C', { op: 'recv', fd: c, max: 4 })).toEqual(data(''));
    expect(sim.call('C', { op: 'send', fd: c, data: hex('x') })).toEqual(fail('EPIPE'));
    expect(sim.call('S', { op: 'recv', fd: s, max: 64 })).toEqual(data('kept'));
    expect(sim.call('S', { op: 'send', fd: s, data: hex('x') })).toEqual(fail('ECONNRESET'));
    expect(sim.call('S', { op: 'send', fd: s, data: hex('x') })).toEqual(fail('EPIPE'));
    expect(sim.call('S', { op: 'recv', fd: s, max: 64 })).toEqual(data(''));
    expect(sim.inspect().processes.find((p) => p.process === 'S')!.sockets.find((x) => x.fd === s)!.state).toBe('reset');
  });

  test('FAULT-RESET: bytes still in flight are lost, not delivered after the reset', () => {
    const sim = new Sim();
    const [c, s] = sim.netPair();
    sim.fault({ kind: 'delay', channel: 'net', ticks: 2 });
    sim.value('C', { op: 'send', fd: c, data: hex('lost') });
    sim.fault({ kind: 'reset', process: 'S', fd: s });
    sim.tick(3);
    expect(sim.call('S', { op: 'recv', fd: s, max: 8 })).toEqual(fail('ECONNRESET'));
  });

  test('FAULT-RESET: a reset of a socket that is not connected is illegal', () => {
    const sim = new Sim();
    const fd = sim.fd('C', 'net');
    expect(sim.try({ type: 'fault', fault: { kind: 'reset', process: 'C', fd } }).kind).toBe('illegal');
    expect(sim.try({ type: 'fault', fault: { kind: 'reset', process: 'C', fd: 99 } }).kind).toBe('illegal');
  });
});

describe('STG failure and repair', () => {
  test('FAULT-STG-FAIL-EIO: pending and later send/recv on the STG fail EIO; binds, listens and connects naming it too', () => {
    const sim = new Sim();
    const [c, s] = sim.dssPair();
    const bound = sim.fd('S2', 'dss');
    sim.value('S2', { op: 'bind', fd: bound, stg: 1, port: 5004 });
    const send = sim.start('C', { op: 'send', fd: c, data: hex('w'.repeat(20)) });
    const recv = sim.start('C2', { op: 'socket', family: 'dss' });
    expect(sim.result(recv)).toEqual(ok({ fd: 1024 }));
    sim.fault({ kind: 'stg-fail', stg: 1 });
    expect(sim.result(send)).toEqual(fail('EIO'));
    // What was buffered is gone with the STG.
    expect(sim.call('S', { op: 'recv', fd: s, max: 4 })).toEqual(fail('EIO'));
    expect(sim.call('C', { op: 'send', fd: c, data: hex('x') })).toEqual(fail('EIO'));
    expect(sim.call('S2', { op: 'listen', fd: bound, backlog: 1 })).toEqual(fail('EIO'));
    expect(sim.call('C2', { op: 'bind', fd: 1024, stg: 1, port: 0 })).toEqual(fail('EIO'));
    expect(sim.call('C2', { op: 'connect', fd: 1024, to: { stg: 1, port: 5004 } })).toEqual(fail('EIO'));
    expect(sim.inspect().processes.find((p) => p.process === 'S')!.sockets.find((x) => x.fd === s)!.state).toBe('failed');
    // Network traffic is not touched (NET-CONNECT-NETWORK-ONLY).
    const [nc, ns] = sim.netPair('C2', 'S2', 7000);
    sim.value('C2', { op: 'send', fd: nc, data: hex('net') });
    expect(sim.call('S2', { op: 'recv', fd: ns, max: 8 })).toEqual(data('net'));
    sim.fault({ kind: 'stg-repair', stg: 1 });
    // Connections stay failed; new binds work again.
    expect(sim.call('S', { op: 'recv', fd: s, max: 4 })).toEqual(fail('EIO'));
    expect(sim.call('C2', { op: 'bind', fd: 1024, stg: 1, port: 0 })).toEqual(local({ stg: 1, port: 5002 }));
  });

  test('FAULT-STG-FAIL-EIO: a pending recv wakes with EIO; an STP connect in flight fails EIO', () => {
    const sim = new Sim();
    const [c] = sim.dssPair();
    const recv = sim.start('C', { op: 'recv', fd: c, max: 4 });
    const lis = sim.fd('S2', 'dss');
    sim.value('S2', { op: 'bind', fd: lis, stg: 1, port: 5006 });
    sim.value('S2', { op: 'listen', fd: lis, backlog: 1 });
    sim.fault({ kind: 'delay', channel: 'dss', ticks: 3 });
    const connect = sim.start('C2', { op: 'connect', fd: sim.fd('C2', 'dss'), to: { stg: 1, port: 5006 } });
    expect(sim.result(connect)).toBeUndefined();
    sim.fault({ kind: 'stg-fail', stg: 1 });
    expect(sim.result(recv)).toEqual(fail('EIO'));
    expect(sim.result(connect)).toEqual(fail('EIO'));
    sim.tick(4);
    expect(sim.state.socks[`S2:${lis}`]!.queue).toEqual([]);
  });

  test('FAULT-STG-FAIL-EIO: failing an unknown STG is illegal', () => {
    expect(new Sim().try({ type: 'fault', fault: { kind: 'stg-fail', stg: 42 } }).kind).toBe('illegal');
  });
});

describe('delays', () => {
  test('FAULT-DELAY-CHANNEL: per connection, bytes, end-of-stream arrive in send order, also across undelay', () => {
    const sim = new Sim();
    const [c, s] = sim.netPair();
    sim.fault({ kind: 'delay', channel: 'net', ticks: 3 });
    sim.value('C', { op: 'send', fd: c, data: hex('early ') });
    sim.fault({ kind: 'undelay', channel: 'net' });
    // Sent with no delay, but behind delayed bytes of the same connection: it must wait its turn.
    sim.value('C', { op: 'send', fd: c, data: hex('late') });
    sim.value('C', { op: 'close', fd: c });
    expect(sim.inspect().processes.find((p) => p.process === 'S')!.sockets.find((x) => x.fd === s)!.rx).toBe(0);
    sim.tick(3);
    expect(sim.call('S', { op: 'recv', fd: s, max: 64 })).toEqual(data('early late'));
    expect(sim.call('S', { op: 'recv', fd: s, max: 64 })).toEqual(data(''));
  });

  test('FAULT-DELAY-CHANNEL: the two channels are independent — a delayed network does not slow the storage system, and the reverse', () => {
    for (const delayed of ['net', 'dss'] as const) {
      const sim = new Sim();
      const [nc, ns] = sim.netPair();
      const [dc, ds] = sim.dssPair();
      sim.fault({ kind: 'delay', channel: delayed, ticks: 2 });
      sim.value('C', { op: 'send', fd: nc, data: hex('n') });
      sim.value('C', { op: 'send', fd: dc, data: hex('d') });
      const fast = delayed === 'net' ? ds : ns;
      const slow = delayed === 'net' ? ns : ds;
      expect(sim.call('S', { op: 'recv', fd: fast, max: 1 })).toEqual(data(delayed === 'net' ? 'd' : 'n'));
      const waiting = sim.start('S', { op: 'recv', fd: slow, max: 1 });
      expect(sim.result(waiting)).toBeUndefined();
      sim.tick(2);
      expect(sim.result(waiting)).toEqual(data(delayed === 'net' ? 'n' : 'd'));
    }
  });

  test('FAULT-DELAY-CHANNEL, STG-BUFFER-PER-DIRECTION: bytes in flight through a delayed STG count against its buffer', () => {
    const sim = new Sim();
    const [c, s] = sim.dssPair();
    sim.fault({ kind: 'delay', channel: 'dss', ticks: 2 });
    const send = sim.start('C', { op: 'send', fd: c, data: hex('k'.repeat(20)) });
    expect(sim.result(send)).toBeUndefined();
    expect(sim.inspect().processes.find((p) => p.process === 'C')!.sockets.find((x) => x.fd === c)!.inflight).toBe(16);
    sim.tick(2);
    expect(sim.call('S', { op: 'recv', fd: s, max: 64 })).toEqual(data('k'.repeat(16)));
    // The last 4 bytes fit the freed space: the send is complete, its bytes are still on their way.
    expect(sim.result(send)).toEqual(ok({ sent: 20 }));
    const recv = sim.start('S', { op: 'recv', fd: s, max: 64 });
    sim.tick();
    expect(sim.result(recv)).toBeUndefined();
    sim.tick();
    expect(sim.result(recv)).toEqual(data('kkkk'));
  });
});
