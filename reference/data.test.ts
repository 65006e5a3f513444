/**
 * Connections and data (SPEC.md chapter 3), for both families: every test
 * runs once over a network pair and once over an STP pair.
 */
import { describe, expect, test } from 'vitest';
import { Sim, data, fail, hex, ok } from './testing/sim.ts';

const FAMILIES = [
  ['net', (sim: Sim) => sim.netPair()],
  ['dss', (sim: Sim) => sim.dssPair()],
] as const;

describe.each(FAMILIES)('%s connections', (family, pair) => {
  test(`DATA-RECV-NONEMPTY-PREFIX, DATA-RECV-GREEDY: recv returns min(max, readable) bytes, oldest first (${family})`, () => {
    const sim = new Sim();
    const [c, s] = pair(sim);
    sim.value('C', { op: 'send', fd: c, data: hex('hello') });
    expect(sim.call('S', { op: 'recv', fd: s, max: 2 })).toEqual(data('he'));
    expect(sim.call('S', { op: 'recv', fd: s, max: 10 })).toEqual(data('llo'));
  });

  test(`DATA-RECV-NONEMPTY-PREFIX: recv with nothing readable blocks until bytes arrive (${family})`, () => {
    const sim = new Sim();
    const [c, s] = pair(sim);
    const recv = sim.start('S', { op: 'recv', fd: s, max: 8 });
    expect(sim.result(recv)).toBeUndefined();
    sim.value('C', { op: 'send', fd: c, data: hex('abc') });
    expect(sim.result(recv)).toEqual(data('abc'));
  });

  test(`DATA-PREFIX-IN-ORDER: several sends arrive as one stream, in order (${family})`, () => {
    const sim = new Sim();
    const [c, s] = pair(sim);
    for (const part of ['ab', 'cde', 'f']) sim.value('C', { op: 'send', fd: c, data: hex(part) });
    expect(sim.call('S', { op: 'recv', fd: s, max: 4 })).toEqual(data('abcd'));
    expect(sim.call('S', { op: 'recv', fd: s, max: 4 })).toEqual(data('ef'));
  });

  test(`DATA-SEND-COMPLETE: a send that succeeds reports its full length (${family})`, () => {
    const sim = new Sim();
    const [c] = pair(sim);
    expect(sim.call('C', { op: 'send', fd: c, data: hex('0123456789') })).toEqual(ok({ sent: 10 }));
  });

  test(`DATA-EOF-AFTER-DATA: after the peer closes, every byte, then end-of-stream on every later recv (${family})`, () => {
    const sim = new Sim();
    const [c, s] = pair(sim);
    sim.value('C', { op: 'send', fd: c, data: hex('last') });
    sim.value('C', { op: 'close', fd: c });
    expect(sim.call('S', { op: 'recv', fd: s, max: 3 })).toEqual(data('las'));
    expect(sim.call('S', { op: 'recv', fd: s, max: 3 })).toEqual(data('t'));
    expect(sim.call('S', { op: 'recv', fd: s, max: 3 })).toEqual(data(''));
    expect(sim.call('S', { op: 'recv', fd: s, max: 3 })).toEqual(data(''));
  });

  test(`DATA-EOF-AFTER-DATA: a blocked recv is woken by the peer's close with end-of-stream (${family})`, () => {
    const sim = new Sim();
    const [c, s] = pair(sim);
    const recv = sim.start('S', { op: 'recv', fd: s, max: 8 });
    sim.value('C', { op: 'close', fd: c });
    expect(sim.result(recv)).toEqual(data(''));
  });

  test(`DATA-NO-CROSSTALK: two connections of one listener keep their bytes apart (${family})`, () => {
    const sim = new Sim();
    const lis = sim.fd('S', family);
    const address = family === 'net' ? { host: 'srv', port: 7000 } : { stg: 1, port: 5000 };
    sim.value('S', family === 'net' ? { op: 'bind', fd: lis, port: 7000 } : { op: 'bind', fd: lis, stg: 1, port: 5000 });
    sim.value('S', { op: 'listen', fd: lis, backlog: 2 });
    const c1 = sim.fd('C', family);
    const c2 = sim.fd('C2', family);
    sim.value('C', { op: 'connect', fd: c1, to: address });
    sim.value('C2', { op: 'connect', fd: c2, to: address });
    const a1 = sim.value<{ fd: number }>('S', { op: 'accept', fd: lis }).fd;
    const a2 = sim.value<{ fd: number }>('S', { op: 'accept', fd: lis }).fd;
    sim.value('C2', { op: 'send', fd: c2, data: hex('two') });
    sim.value('C', { op: 'send', fd: c1, data: hex('one') });
    expect(sim.call('S', { op: 'recv', fd: a1, max: 8 })).toEqual(data('one'));
    expect(sim.call('S', { op: 'recv', fd: a2, max: 8 })).toEqual(data('two'));
  });

  test(`DATA-LISTENER-CLOSE-RESETS: closing a listener resets its queued connections (${family})`, () => {
    const sim = new Sim();
    const lis = sim.fd('S', family);
    const address = family === 'net' ? { host: 'srv', port: 7000 } : { stg: 1, port: 5000 };
    sim.value('S', family === 'net' ? { op: 'bind', fd: lis, port: 7000 } : { op: 'bind', fd: lis, stg: 1, port: 5000 });
    sim.value('S', { op: 'listen', fd: lis, backlog: 1 });
    const c = sim.fd('C', family);
    sim.value('C', { op: 'connect', fd: c, to: address });
    sim.value('S', { op: 'close', fd: lis });
    expect(sim.call('C', { op: 'recv', fd: c, max: 4 })).toEqual(fail('ECONNRESET'));
    expect(sim.call('C', { op: 'recv', fd: c, max: 4 })).toEqual(data(''));
    // The listener's port is free; the connecting socket keeps its own until it closes.
    expect(sim.inspect().ports[family].map((p) => p.process)).toEqual(['C']);
  });
});

test('DATA-LISTENER-CLOSE-RESETS: connects held by a full listener are refused when it closes', () => {
  const sim = new Sim();
  const lis = sim.fd('S', 'net');
  sim.value('S', { op: 'bind', fd: lis, port: 7000 });
  sim.value('S', { op: 'listen', fd: lis, backlog: 1 });
  const first = sim.fd('C', 'net');
  sim.value('C', { op: 'connect', fd: first, to: { host: 'srv', port: 7000 } });
  const second = sim.fd('C2', 'net');
  // Two unobservable choices: the implicit bind's port (any of the 7 free ones: C holds one) and "admit a (backlog+1)-th?" — taken as "no".
  const held = sim.id();
  const result = sim.try({ type: 'call', id: held, process: 'C2', call: { op: 'connect', fd: second, to: { host: 'srv', port: 7000 } } }, { choices: [0, 1] });
  expect(result.kind === 'ok' && result.choicePoints).toEqual([7, 2]);
  sim.adopt(result);
  sim.settle();
  expect(sim.result(held)).toBeUndefined();
  sim.value('S', { op: 'close', fd: lis });
  expect(sim.result(held)).toEqual(fail('ECONNREFUSED'));
  // The refused connect's implicit bind is released.
  expect(sim.inspect().ports.net.filter((p) => p.process === 'C2')).toEqual([]);
});
