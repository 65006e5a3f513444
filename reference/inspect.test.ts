/**
 * inspect (WIRE-INSPECT-MATCHES): the model's view has exactly the wire
 * shape an implementation must send, lists everything in a stable order and
 * shows each socket state the spec names.
 */
import { describe, expect, test } from 'vitest';
import { Inspection } from '../spec/messages.ts';
import { Sim, configWith, hex } from './testing/sim.ts';

describe('inspect', () => {
  test('WIRE-INSPECT-MATCHES, WORLD-RESET-BUILDS-CONFIG: a new world has every block free, every process alive and empty, no port, clock 0', () => {
    const view = new Sim().inspect();
    expect(Inspection.parse(view)).toEqual(view);
    expect(view).toEqual({
      now: 0,
      cbt: { capacity: 8, blocks: [0, 1, 2, 3, 4, 5, 6, 7].map((slot) => ({ slot, owner: null })) },
      processes: [
        { process: 'S', host: 'srv', alive: true, sockets: [] },
        { process: 'S2', host: 'srv', alive: true, sockets: [] },
        { process: 'C', host: 'cli', alive: true, sockets: [] },
        { process: 'C2', host: 'cli', alive: true, sockets: [] },
      ],
      ports: { net: [], dss: [] },
    });
  });

  test('WIRE-INSPECT-MATCHES: a busy world matches the wire schema, in a stable order, with every socket state', () => {
    const sim = new Sim(configWith({ stgs: [{ id: 1, length: 16, ports: [5000, 5007] }, { id: 2, length: 4, ports: [6000, 6003] }] }));
    const [eofC, eofS] = sim.netPair('C', 'S', 7000);
    sim.value('S', { op: 'close', fd: eofS });
    const [resetC] = sim.netPair('C', 'S', 7001);
    sim.fault({ kind: 'reset', process: 'C', fd: resetC });
    const [failedC] = sim.dssPair('C', 'S', 2, 6000);
    sim.fault({ kind: 'stg-fail', stg: 2 });
    const [dc, ds] = sim.dssPair('C2', 'S2', 1, 5000);
    sim.fault({ kind: 'delay', channel: 'dss', ticks: 3 });
    sim.value('C2', { op: 'send', fd: dc, data: hex('abc') });
    const lis = sim.fd('S2', 'net');
    sim.value('S2', { op: 'listen', fd: lis, backlog: 1 });
    sim.fault({ kind: 'partition', hosts: ['srv', 'cli'] });
    const connecting = sim.fd('C2', 'net');
    sim.start('C2', { op: 'connect', fd: connecting, to: { host: 'srv', port: 40000 } });
    sim.fault({ kind: 'cbt-reserve', count: 1 });
    sim.tick(1);
    const view = sim.inspect();
    expect(Inspection.parse(view)).toEqual(view);
    expect(view.now).toBe(1);
    expect(view.processes.map((p) => p.process)).toEqual(['S', 'S2', 'C', 'C2']);
    for (const p of view.processes) expect(p.sockets.map((s) => s.fd)).toEqual([...p.sockets.map((s) => s.fd)].sort((a, b) => a - b));
    const state = (p: string, fd: number) => view.processes.find((x) => x.process === p)!.sockets.find((s) => s.fd === fd)!;
    expect(state('C', eofC).state).toBe('eof');
    expect(state('C', resetC).state).toBe('reset');
    expect(state('C', failedC).state).toBe('failed');
    expect(state('S2', lis).state).toBe('listening');
    expect(state('C2', connecting)).toMatchObject({ state: 'connecting', local: { host: 'cli', port: 40002 }, peer: null });
    expect(state('C2', dc)).toMatchObject({ state: 'connected', rx: 0, inflight: 3 });
    expect(state('S2', ds)).toMatchObject({ state: 'connected', rx: 0, inflight: 0 });
    expect(view.cbt.blocks.filter((b) => b.owner && 'reserved' in b.owner)).toEqual([{ slot: expect.any(Number), owner: { reserved: true } }]);
    expect(view.ports.net.map((p) => `${p.host}:${p.port}`)).toEqual(['cli:40000', 'cli:40001', 'cli:40002', 'srv:40000']);
    expect(view.ports.dss.map((p) => `stg${p.stg}:${p.port}`)).toEqual(['stg1:5001', 'stg2:6001']);
  });
});
