/**
 * Where the spec leaves a choice to the implementation, the model must accept
 * every allowed answer and reject every other one — never insist on the one
 * value it would pick itself. Each test plays the implementation through
 * `observed` and checks the model's verdict.
 */
import { describe, expect, test } from 'vitest';
import type { Outcome } from '../spec/messages.ts';
import { describeOutcome } from './describe.ts';
import type { StepResult } from './model.ts';
import { Sim, configWith, data, fail, hex, local, ok } from './testing/sim.ts';

/** Issue `call` as process `process`, answered by the implementation with `answer`. */
function answer(sim: Sim, process: string, call: Parameters<Sim['call']>[1], outcome: Outcome): { result: StepResult; id: number } {
  const id = sim.id();
  const key = String(id);
  const result = sim.try({ type: 'call', id, process, call }, { observed: (k) => (k === key ? outcome : undefined) });
  return { result, id };
}

function violated(result: StepResult): readonly string[] {
  if (result.kind !== 'violation') throw new Error(`expected a violation, got ${result.kind}`);
  return result.violation.reqs;
}

function softOf(result: StepResult): string[] {
  if (result.kind !== 'ok') throw new Error(`expected ok, got ${result.kind}${result.kind === 'violation' ? `: ${result.violation.reqs.join(',')}` : ''}`);
  return result.soft.map((s) => s.req);
}

describe('bind to 0: any free port of the range', () => {
  const NET = configWith({ netPorts: [40000, 40003] });
  const FREE = [40000, 40002, 40003];

  function netWorld(): { sim: Sim; fd: number } {
    const sim = new Sim(NET);
    sim.value('C2', { op: 'bind', fd: sim.fd('C2', 'net'), port: 40001 });
    return { sim, fd: sim.fd('C', 'net') };
  }

  test.each(FREE)('NET-BIND-DYNAMIC: the free port %i is accepted and adopted', (port) => {
    const { sim, fd } = netWorld();
    const { result } = answer(sim, 'C', { op: 'bind', fd, port: 0 }, local({ host: 'cli', port }));
    expect(softOf(result)).toEqual([]);
    sim.adopt(result);
    expect(sim.call('C', { op: 'getsockname', fd })).toEqual(local({ host: 'cli', port }));
  });

  test.each([
    ['a port held by another socket of the host', local({ host: 'cli', port: 40001 })],
    ['a port outside the dynamic range', local({ host: 'cli', port: 40004 })],
    ['the well-known port', local({ host: 'cli', port: 7000 })],
    ['a free port of the wrong host', local({ host: 'srv', port: 40000 })],
    ['an STP address', local({ stg: 1, port: 5000 })],
    ['no address', local(null)],
    ['an error while ports are free', fail('EADDRINUSE')],
  ])('NET-BIND-DYNAMIC: %s is rejected', (_name, outcome) => {
    const { sim, fd } = netWorld();
    expect(violated(answer(sim, 'C', { op: 'bind', fd, port: 0 }, outcome).result)).toEqual(['NET-BIND-DYNAMIC']);
  });

  test.each([5000, 5005, 5007])('DSS-BIND-DYNAMIC: the free STP port %i is accepted', (port) => {
    const sim = new Sim();
    const fd = sim.fd('C', 'dss');
    const { result } = answer(sim, 'C', { op: 'bind', fd, stg: 1, port: 0 }, local({ stg: 1, port }));
    expect(softOf(result)).toEqual([]);
  });

  test.each([
    ['a port outside the STG', local({ stg: 1, port: 5008 })],
    ['a port of another STG', local({ stg: 2, port: 5000 })],
    ['a network address', local({ host: 'cli', port: 40000 })],
  ])('DSS-BIND-DYNAMIC: %s is rejected', (_name, outcome) => {
    const sim = new Sim();
    const fd = sim.fd('C', 'dss');
    expect(violated(answer(sim, 'C', { op: 'bind', fd, stg: 1, port: 0 }, outcome).result)).toEqual(['DSS-BIND-DYNAMIC']);
  });

  test('NET-CONNECT-AUTOBIND: any free port for a connect\'s implicit bind is accepted; a held one is rejected', () => {
    for (const [port, verdict] of [[40005, 'ok'], [40000, 'violation']] as const) {
      const sim = new Sim();
      const lis = sim.fd('S', 'net');
      sim.value('S', { op: 'listen', fd: lis, backlog: 1 });
      sim.value('C2', { op: 'bind', fd: sim.fd('C2', 'net'), port: 40000 });
      const { result } = answer(sim, 'C', { op: 'connect', fd: sim.fd('C', 'net'), to: { host: 'srv', port: 40000 } }, local({ host: 'cli', port }));
      expect(result.kind).toBe(verdict);
      if (verdict === 'violation') expect(violated(result)).toEqual(['NET-CONNECT-AUTOBIND']);
    }
  });

  test('NET-LISTEN-QUEUE: any free port for listen\'s implicit bind is accepted; one outside the range is rejected', () => {
    const sim = new Sim();
    const fd = sim.fd('C', 'net');
    expect(answer(sim, 'C', { op: 'listen', fd, backlog: 1 }, local({ host: 'cli', port: 40006 })).result.kind).toBe('ok');
    expect(violated(answer(sim, 'C', { op: 'listen', fd, backlog: 1 }, local({ host: 'cli', port: 39999 })).result)).toEqual(['NET-LISTEN-QUEUE']);
  });
});

describe('socket: any free descriptor of the family\'s range', () => {
  function world(): Sim {
    const sim = new Sim();
    sim.fd('C', 'net'); // 3
    sim.fd('C', 'net'); // 4
    sim.value('C', { op: 'close', fd: 3 });
    sim.fd('C', 'dss'); // 1024
    return sim;
  }

  test.each([
    ['net', 3, []],
    ['net', 5, ['DISPATCH-FD-LOWEST']],
    ['net', 1023, ['DISPATCH-FD-LOWEST']],
    ['dss', 1025, []],
    ['dss', 5000, ['DISPATCH-FD-LOWEST']],
    ['dss', 1024 + 65535, ['DISPATCH-FD-LOWEST']],
  ] as const)('DISPATCH-FD-UNIQUE, DISPATCH-FD-LOWEST: socket(%s) answered %i is accepted (soft findings: %j)', (family, fd, soft) => {
    const sim = world();
    const { result } = answer(sim, 'C', { op: 'socket', family }, ok({ fd }));
    expect(softOf(result)).toEqual(soft);
    sim.adopt(result);
    expect(sim.fds('C')).toContain(fd);
  });

  test.each([
    ['net', 1024, 'DISPATCH-FD-RANGE'],
    ['net', 2, 'DISPATCH-FD-RANGE'],
    ['dss', 1023, 'DISPATCH-FD-RANGE'],
    ['dss', 1024 + 65536, 'DISPATCH-FD-RANGE'],
    ['net', 4, 'DISPATCH-FD-UNIQUE'],
    ['dss', 1024, 'DISPATCH-FD-UNIQUE'],
  ] as const)('DISPATCH-FD-RANGE, DISPATCH-FD-UNIQUE: socket(%s) answered %i is rejected (%s)', (family, fd, req) => {
    expect(violated(answer(world(), 'C', { op: 'socket', family }, ok({ fd })).result)).toEqual([req]);
  });

  test('DISPATCH-FD-UNIQUE: accept\'s new descriptor is any free one; an open one is rejected; the peer must be the oldest connection', () => {
    const setup = () => {
      const sim = new Sim();
      const lis = sim.fd('S', 'net');
      sim.value('S', { op: 'listen', fd: lis, backlog: 2 });
      sim.value('C', { op: 'connect', fd: sim.fd('C', 'net'), to: { host: 'srv', port: 40000 } });
      sim.value('C2', { op: 'connect', fd: sim.fd('C2', 'net'), to: { host: 'srv', port: 40000 } });
      return { sim, lis };
    };
    const oldest = { host: 'cli', port: 40000 };
    let w = setup();
    expect(softOf(answer(w.sim, 'S', { op: 'accept', fd: w.lis }, ok({ fd: 9, peer: oldest })).result)).toEqual(['DISPATCH-FD-LOWEST']);
    w = setup();
    expect(violated(answer(w.sim, 'S', { op: 'accept', fd: w.lis }, ok({ fd: w.lis, peer: oldest })).result)).toEqual(['DISPATCH-FD-UNIQUE']);
    w = setup();
    expect(violated(answer(w.sim, 'S', { op: 'accept', fd: w.lis }, ok({ fd: 4, peer: { host: 'cli', port: 40001 } })).result)).toEqual(['NET-ACCEPT-FIFO']);
    w = setup();
    expect(violated(answer(w.sim, 'S', { op: 'accept', fd: w.lis }, fail('EINVAL')).result)).toEqual(['NET-ACCEPT-FIFO']);
  });
});

describe('recv: any non-empty prefix up to max', () => {
  /** S has "abcdef" readable on fd s. */
  function world(): { sim: Sim; s: number } {
    const sim = new Sim();
    const [c, s] = sim.netPair();
    sim.value('C', { op: 'send', fd: c, data: hex('abcdef') });
    return { sim, s };
  }

  test.each([
    ['a', ['DATA-RECV-GREEDY']],
    ['abc', ['DATA-RECV-GREEDY']],
    ['abcd', []],
  ])('DATA-RECV-NONEMPTY-PREFIX: recv(max 4) answered %j is accepted (soft findings: %j), and the rest stays readable', (got, soft) => {
    const { sim, s } = world();
    const { result } = answer(sim, 'S', { op: 'recv', fd: s, max: 4 }, data(got));
    expect(softOf(result)).toEqual(soft);
    sim.adopt(result);
    expect(sim.call('S', { op: 'recv', fd: s, max: 64 })).toEqual(data('abcdef'.slice(got.length)));
  });

  test.each([
    ['more than max', data('abcde'), 'DATA-PREFIX-IN-ORDER'],
    ['other bytes', data('abd'), 'DATA-PREFIX-IN-ORDER'],
    ['bytes from the middle', data('cd'), 'DATA-PREFIX-IN-ORDER'],
    ['end-of-stream while data is readable', data(''), 'DATA-RECV-NONEMPTY-PREFIX'],
    ['an error while data is readable', fail('ECONNRESET'), 'DATA-RECV-NONEMPTY-PREFIX'],
  ])('DATA-RECV-NONEMPTY-PREFIX, DATA-PREFIX-IN-ORDER: %s is rejected', (_name, outcome, req) => {
    const { sim, s } = world();
    expect(violated(answer(sim, 'S', { op: 'recv', fd: s, max: 4 }, outcome).result)).toEqual([req]);
  });

  test('DATA-NO-CROSSTALK: bytes that belong to another connection are named as crosstalk', () => {
    const { sim, s } = world();
    const [c2] = sim.netPair('C2', 'S2', 7001);
    sim.value('C2', { op: 'send', fd: c2, data: hex('zzzzzz') });
    const { result } = answer(sim, 'S', { op: 'recv', fd: s, max: 4 }, data('zz'));
    expect(violated(result)).toEqual(['DATA-NO-CROSSTALK']);
    expect(result.kind === 'violation' && result.violation.key).toBe(String(sim.id() - 1));
  });
});

describe('the listen queue: (backlog+1)-th connect', () => {
  test.each([
    [0, 'completes'],
    [1, 'stays pending'],
  ])('NET-LISTEN-QUEUE, NET-CONNECT-QUEUE-FULL: choice %i — the connect %s; both are allowed', (choice, what) => {
    const sim = new Sim();
    const lis = sim.fd('S', 'net');
    sim.value('S', { op: 'listen', fd: lis, backlog: 1 });
    sim.value('C', { op: 'connect', fd: sim.fd('C', 'net'), to: { host: 'srv', port: 40000 } });
    const id = sim.id();
    const result = sim.try({ type: 'call', id, process: 'C2', call: { op: 'connect', fd: sim.fd('C2', 'net'), to: { host: 'srv', port: 40000 } } }, { choices: [0, choice] });
    sim.adopt(result);
    expect(sim.result(id) === undefined).toBe(what === 'stays pending');
  });
});

describe('send on an unconnected socket', () => {
  test.each([
    ['net', fail('ENOTCONN'), 'ok'],
    ['net', fail('EPIPE'), 'ok'],
    ['net', fail('EBADF'), 'violation'],
    ['net', ok({ sent: 1 }), 'violation'],
    ['dss', fail('ENOTCONN'), 'ok'],
    ['dss', fail('EPIPE'), 'violation'],
  ] as const)('ERR-STATE-ERRORS: send on an unconnected %s socket answered %j: %s', (family, outcome, verdict) => {
    const sim = new Sim();
    const fd = sim.fd('C', family);
    const { result } = answer(sim, 'C', { op: 'send', fd, data: hex('x') }, outcome);
    expect(result.kind).toBe(verdict);
    if (verdict === 'violation') expect(violated(result)).toEqual(['ERR-STATE-ERRORS']);
  });
});

describe('fixed outcomes', () => {
  test.each([
    ['a wrong error', fail('EINVAL'), 'DISPATCH-EBADF'],
    ['success', ok({}), 'DISPATCH-EBADF'],
  ])('DISPATCH-EBADF: close of an unknown descriptor answered with %s is rejected', (_name, outcome, req) => {
    const sim = new Sim();
    const { result } = answer(sim, 'C', { op: 'close', fd: 7 }, outcome);
    expect(violated(result)).toEqual([req]);
    // The verdict says what was expected and what arrived.
    expect(result.kind === 'violation' && [result.violation.expected, result.violation.actual]).toEqual([
      expect.stringContaining('EBADF'),
      describeOutcome(outcome),
    ]);
  });

  test('CBT-ALLOC-ON-REQUEST: socket(dss) answered with an error while blocks are free is rejected', () => {
    expect(violated(answer(new Sim(), 'C', { op: 'socket', family: 'dss' }, fail('ENOBUFS')).result)).toEqual(['CBT-ALLOC-ON-REQUEST']);
  });
});
