/**
 * Blocking, settle and the virtual clock (SPEC.md chapter 7): which calls
 * block, what settle leaves pending, and that time moves only by ticks.
 */
import { describe, expect, test } from 'vitest';
import type { Op } from '../spec/messages.ts';
import { enabledActions, pendingIds, step } from './model.ts';
import { fingerprint } from './state.ts';
import { Sim, configWith, data, fail, hex, local } from './testing/sim.ts';

describe('connect timeout', () => {
  test.each([1, 3, 5])('CLOCK-CONNECT-TIMEOUT: a connect held by a partition fails ETIMEDOUT exactly at connectTimeout = %i, not before', (timeout) => {
    const sim = new Sim(configWith({ ticks: { connectTimeout: timeout, stepTimeout: 5 } }));
    const lis = sim.fd('S', 'net');
    sim.value('S', { op: 'listen', fd: lis, backlog: 1 });
    sim.fault({ kind: 'partition', hosts: ['cli', 'srv'] });
    const fd = sim.fd('C', 'net');
    const id = sim.start('C', { op: 'connect', fd, to: { host: 'srv', port: 40000 } });
    for (let t = 1; t < timeout; t++) {
      sim.tick();
      expect(sim.result(id), `tick ${t}`).toBeUndefined();
    }
    sim.tick();
    expect(sim.result(id)).toEqual(fail('ETIMEDOUT'));
    // The implicit bind is released, and the socket can try again once the partition heals.
    expect(sim.call('C', { op: 'getsockname', fd })).toEqual(local(null));
    sim.fault({ kind: 'heal', hosts: ['srv', 'cli'] });
    expect(sim.call('C', { op: 'connect', fd, to: { host: 'srv', port: 40000 } })).toEqual(local({ host: 'cli', port: 40000 }));
  });

  test.each(['net', 'dss'] as const)('CLOCK-CONNECT-TIMEOUT, CLOCK-TICKS-ONLY: a connection request delivered during the tick that reaches the bound still completes the connect (%s)', (family) => {
    const sim = new Sim();
    const lis = sim.fd('S', family);
    if (family === 'dss') sim.value('S', { op: 'bind', fd: lis, stg: 1, port: 5000 });
    const local = sim.value<{ local: { port: number } }>('S', { op: 'listen', fd: lis, backlog: 1 }).local;
    sim.fault({ kind: 'delay', channel: family, ticks: 5 });
    const to = family === 'net' ? { host: 'srv', port: local.port } : { stg: 1, port: local.port };
    const id = sim.start('C', { op: 'connect', fd: sim.fd('C', family), to });
    sim.tick(4);
    expect(sim.result(id)).toBeUndefined();
    // Tick 5 delivers the request first, then looks for connects to time out: this one is no longer pending.
    sim.tick();
    expect(sim.result(id)).toMatchObject({ value: { local: {} } });
  });

  test('CLOCK-CONNECT-TIMEOUT, NET-CONNECT-QUEUE-FULL: a connect held by a full queue times out at connectTimeout', () => {
    const sim = new Sim();
    const lis = sim.fd('S', 'net');
    sim.value('S', { op: 'bind', fd: lis, port: 7000 });
    sim.value('S', { op: 'listen', fd: lis, backlog: 1 });
    sim.value('C', { op: 'connect', fd: sim.fd('C', 'net'), to: { host: 'srv', port: 7000 } });
    const fd = sim.fd('C2', 'net');
    const id = sim.id();
    sim.adopt(sim.try({ type: 'call', id, process: 'C2', call: { op: 'connect', fd, to: { host: 'srv', port: 7000 } } }, { choices: [0, 1] }));
    sim.tick(4);
    expect(sim.result(id)).toBeUndefined();
    sim.tick();
    expect(sim.result(id)).toEqual(fail('ETIMEDOUT'));
    // The listener no longer holds it: an accept takes only the first connection, then blocks.
    sim.value('S', { op: 'accept', fd: lis });
    const accept = sim.start('S', { op: 'accept', fd: lis });
    expect(sim.result(accept)).toBeUndefined();
  });
});

describe('delays', () => {
  test.each([1, 2, 4])('CLOCK-TICKS-ONLY, FAULT-DELAY-CHANNEL: bytes sent on a channel delayed by %i ticks arrive at exactly that tick', (d) => {
    for (const family of ['net', 'dss'] as const) {
      const sim = new Sim();
      const [c, s] = family === 'net' ? sim.netPair() : sim.dssPair();
      sim.fault({ kind: 'delay', channel: family, ticks: d });
      const recv = sim.start('S', { op: 'recv', fd: s, max: 8 });
      sim.value('C', { op: 'send', fd: c, data: hex('late') });
      expect(sim.inspect().processes.find((p) => p.process === 'C')!.sockets.find((x) => x.fd === c)!.inflight).toBe(4);
      for (let t = 1; t < d; t++) {
        sim.tick();
        expect(sim.result(recv), `${family} tick ${t}`).toBeUndefined();
      }
      sim.tick();
      expect(sim.result(recv)).toEqual(data('late'));
    }
  });

  test('FAULT-DELAY-CHANNEL: a delayed connection request is answered d ticks later', () => {
    const sim = new Sim();
    const lis = sim.fd('S', 'net');
    sim.value('S', { op: 'listen', fd: lis, backlog: 1 });
    sim.fault({ kind: 'delay', channel: 'net', ticks: 3 });
    const id = sim.start('C', { op: 'connect', fd: sim.fd('C', 'net'), to: { host: 'srv', port: 40000 } });
    sim.tick(2);
    expect(sim.result(id)).toBeUndefined();
    sim.tick();
    expect(sim.result(id)).toEqual(local({ host: 'cli', port: 40000 }));
  });
});

describe('blocking and settle', () => {
  const NON_BLOCKING: readonly [string, (fd: number) => Op][] = [
    ['bind', (fd) => ({ op: 'bind', fd, port: 0 })],
    ['listen', (fd) => ({ op: 'listen', fd, backlog: 1 })],
    ['getsockname', (fd) => ({ op: 'getsockname', fd })],
    ['close', (fd) => ({ op: 'close', fd })],
  ];
  test.each(NON_BLOCKING)('CLOCK-ONLY-BLOCKING-CALLS-BLOCK: %s completes in the step that issues it', (_name, call) => {
    const sim = new Sim();
    const fd = sim.fd('C', 'net');
    const result = step(sim.state, { type: 'call', id: 99, process: 'C', call: call(fd) });
    expect(result.kind === 'ok' && result.emissions.map((e) => e.type)).toEqual(['result']);
  });

  test('CLOCK-SETTLE-EXACT: after settle nothing is enabled, and pendingIds are exactly the blocked calls and handshakes', () => {
    const sim = new Sim();
    const lis = sim.fd('S', 'net');
    sim.value('S', { op: 'listen', fd: lis, backlog: 1 });
    const accept = sim.start('S', { op: 'accept', fd: lis });
    const hs = sim.handshake('C2', 'fs-client', {});
    sim.value('C', { op: 'socket', family: 'net' });
    expect(enabledActions(sim.state)).toEqual([]);
    expect(pendingIds(sim.state)).toEqual([accept, hs].sort((a, b) => a - b));
    // A completion that is due shows up as enabled until it is taken.
    const result = step(sim.state, { type: 'call', id: 50, process: 'C', call: { op: 'connect', fd: 3, to: { host: 'srv', port: 40000 } } });
    expect(result.kind === 'ok' && enabledActions(result.state)).toEqual([{ type: 'complete', key: String(accept) }]);
  });

  test('CLOCK-TICKS-ONLY: the same actions give the same states — the model has no hidden clock or randomness', () => {
    const run = () => {
      const sim = new Sim();
      sim.handshake('S', 'fs-server', { peer: 'cli', stg: 1 });
      sim.handshake('C', 'fs-client', {});
      sim.tick(3);
      return fingerprint(sim.state) + sim.trace();
    };
    expect(run()).toBe(run());
  });

  test.each([
    ['complete of a call that cannot complete', { type: 'complete', key: '77' }],
    ['advance of an unknown handshake', { type: 'advance', hs: 9 }],
    ['resume of a handshake that is not held', { type: 'resume', hs: 9 }],
  ] as const)('a harness mistake is illegal, not a verdict: %s', (_name, action) => {
    const sim = new Sim();
    expect(sim.try(action).kind).toBe('illegal');
  });
});
