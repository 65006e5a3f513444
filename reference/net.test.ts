/**
 * Network sockets (SPEC.md chapter 4): bind, listen and its queue, connect,
 * accept, close and the reset rules Linux follows.
 */
import { describe, expect, test } from 'vitest';
import type { Op } from '../spec/messages.ts';
import { Sim, configWith, data, fail, hex, local, ok } from './testing/sim.ts';

const WKP = { host: 'srv', port: 7000 };

/** S listens on srv:7000 with `backlog`; returns the listener's fd. */
function listener(sim: Sim, backlog = 1): number {
  const lis = sim.fd('S', 'net');
  sim.value('S', { op: 'bind', fd: lis, port: 7000 });
  sim.value('S', { op: 'listen', fd: lis, backlog });
  return lis;
}

describe('socket and bind', () => {
  test('NET-SOCKET-FRESH: socket(net) is unbound and unconnected', () => {
    const sim = new Sim();
    const fd = sim.fd('C', 'net');
    expect(fd).toBe(3);
    expect(sim.call('C', { op: 'getsockname', fd })).toEqual(local(null));
    expect(sim.inspect().processes.find((p) => p.process === 'C')!.sockets).toEqual([
      { fd, family: 'net', state: 'idle', local: null, peer: null, rx: 0, inflight: 0 },
    ]);
  });

  test.each([
    ['NET-BIND-EXPLICIT: a free port binds', 7000, local({ host: 'cli', port: 7000 })],
    ['NET-BIND-EXPLICIT: a port of the dynamic range may be bound explicitly', 40003, local({ host: 'cli', port: 40003 })],
    ['NET-BIND-DYNAMIC: port 0 takes a free dynamic port (canonically the lowest)', 0, local({ host: 'cli', port: 40000 })],
  ])('%s', (_name, port, expected) => {
    const sim = new Sim();
    const fd = sim.fd('C', 'net');
    expect(sim.call('C', { op: 'bind', fd, port })).toEqual(expected);
    expect(sim.call('C', { op: 'getsockname', fd })).toEqual(expected);
    expect(sim.inspect().ports.net).toEqual([{ host: 'cli', port: (expected as { value: { local: { port: number } } }).value.local.port, process: 'C', fd }]);
  });

  test('NET-BIND-DYNAMIC: dynamic binds skip held ports, and fail EADDRINUSE once the range is used up', () => {
    const sim = new Sim(configWith({ netPorts: [40000, 40002] }));
    const held = sim.fd('C', 'net');
    sim.value('C', { op: 'bind', fd: held, port: 40000 });
    const got: unknown[] = [];
    for (let i = 0; i < 2; i++) got.push(sim.call('C', { op: 'bind', fd: sim.fd('C', 'net'), port: 0 }));
    expect(got).toEqual([local({ host: 'cli', port: 40001 }), local({ host: 'cli', port: 40002 })]);
    expect(sim.call('C', { op: 'bind', fd: sim.fd('C', 'net'), port: 0 })).toEqual(fail('EADDRINUSE'));
    // Another host has a range of its own.
    expect(sim.call('S', { op: 'bind', fd: sim.fd('S', 'net'), port: 0 })).toEqual(local({ host: 'srv', port: 40000 }));
  });

  test.each([
    ['bound', (sim: Sim) => sim.value('C2', { op: 'bind', fd: sim.fd('C2', 'net'), port: 7000 })],
    ['listening', (sim: Sim) => {
      const fd = sim.fd('C2', 'net');
      sim.value('C2', { op: 'bind', fd, port: 7000 });
      sim.value('C2', { op: 'listen', fd, backlog: 1 });
    }],
    ['accepted on, its listener still open', (sim: Sim) => {
      const lis = sim.fd('C2', 'net');
      sim.value('C2', { op: 'bind', fd: lis, port: 7000 });
      sim.value('C2', { op: 'listen', fd: lis, backlog: 1 });
      sim.value('S', { op: 'connect', fd: sim.fd('S', 'net'), to: { host: 'cli', port: 7000 } });
      sim.value('C2', { op: 'accept', fd: lis });
    }],
    ['connected from it', (sim: Sim) => {
      sim.netPair('S', 'S2', 7001);
      // A connect from an explicitly bound cli:7000.
      const lis = sim.fd('S2', 'net');
      sim.value('S2', { op: 'bind', fd: lis, port: 7002 });
      sim.value('S2', { op: 'listen', fd: lis, backlog: 1 });
      const fd = sim.fd('C2', 'net');
      sim.value('C2', { op: 'bind', fd, port: 7000 });
      sim.value('C2', { op: 'connect', fd, to: { host: 'srv', port: 7002 } });
    }],
  ])('NET-BIND-INUSE: a port %s by a socket of the same host is EADDRINUSE', (_name, hold) => {
    const sim = new Sim();
    hold(sim);
    const fd = sim.fd('C', 'net');
    expect(sim.call('C', { op: 'bind', fd, port: 7000 })).toEqual(fail('EADDRINUSE'));
    // The same port on another host is free.
    expect(sim.call('S', { op: 'bind', fd: sim.fd('S', 'net'), port: 7000 })).toEqual(local({ host: 'srv', port: 7000 }));
  });

  test('NET-BIND-ONCE: bind on a bound socket is EINVAL and keeps the first address', () => {
    const sim = new Sim();
    const fd = sim.fd('C', 'net');
    sim.value('C', { op: 'bind', fd, port: 7000 });
    expect(sim.call('C', { op: 'bind', fd, port: 7001 })).toEqual(fail('EINVAL'));
    expect(sim.call('C', { op: 'bind', fd, port: 0 })).toEqual(fail('EINVAL'));
    expect(sim.call('C', { op: 'getsockname', fd })).toEqual(local({ host: 'cli', port: 7000 }));
  });

  test('NET-BIND-INUSE: a port only accepted sockets use binds once their listener has closed, and the next listener accepts beside them', () => {
    const sim = new Sim();
    const [client, accepted] = sim.netPair('C', 'S', 7000);
    // The listener is closed; the accepted connection still uses srv:7000 but does not hold it (SPEC.md §3.4).
    const next = sim.fd('S2', 'net');
    expect(sim.call('S2', { op: 'bind', fd: next, port: 7000 })).toEqual(local(WKP));
    sim.value('S2', { op: 'listen', fd: next, backlog: 1 });
    const second = sim.fd('C', 'net');
    sim.value('C', { op: 'connect', fd: second, to: WKP });
    expect(sim.value<{ peer: unknown }>('S2', { op: 'accept', fd: next }).peer).toEqual({ host: 'cli', port: 40001 });
    // The first connection still carries its bytes, to its own peer.
    sim.value('C', { op: 'send', fd: client, data: hex('0102') });
    expect(sim.call('S', { op: 'recv', fd: accepted, max: 8 })).toEqual(data('0102'));
  });

  test('NET-BIND-DYNAMIC: dynamic choices skip a port accepted sockets use', () => {
    const sim = new Sim(configWith({ netPorts: [40000, 40001] }));
    sim.netPair('C', 'S', 40000);
    expect(sim.call('S2', { op: 'bind', fd: sim.fd('S2', 'net'), port: 0 })).toEqual(local({ host: 'srv', port: 40001 }));
    expect(sim.call('S2', { op: 'bind', fd: sim.fd('S2', 'net'), port: 0 })).toEqual(fail('EADDRINUSE'));
  });

  test('NET-CLOSE-FREES-PORT: the port is free for bind at once after the last holder closes', () => {
    const sim = new Sim();
    const lis = sim.fd('S', 'net');
    sim.value('S', { op: 'bind', fd: lis, port: 7000 });
    const probe = sim.fd('S2', 'net');
    expect(sim.call('S2', { op: 'bind', fd: probe, port: 7000 })).toEqual(fail('EADDRINUSE'));
    sim.value('S', { op: 'close', fd: lis });
    expect(sim.call('S2', { op: 'bind', fd: probe, port: 7000 })).toEqual(local(WKP));
  });

  test('NET-GETSOCKNAME: unbound, bound, connected (implicit bind) and accepted sockets', () => {
    const sim = new Sim();
    const [c, s] = sim.netPair();
    expect(sim.call('C', { op: 'getsockname', fd: c })).toEqual(local({ host: 'cli', port: 40000 }));
    expect(sim.call('S', { op: 'getsockname', fd: s })).toEqual(local(WKP));
    expect(sim.call('S2', { op: 'getsockname', fd: sim.fd('S2', 'net') })).toEqual(local(null));
  });
});

describe('listen and connect', () => {
  test('NET-LISTEN-QUEUE: listen on an unbound socket binds a dynamic port first', () => {
    const sim = new Sim();
    const fd = sim.fd('C', 'net');
    expect(sim.call('C', { op: 'listen', fd, backlog: 1 })).toEqual(local({ host: 'cli', port: 40000 }));
    expect(sim.inspect().ports.net).toEqual([{ host: 'cli', port: 40000, process: 'C', fd }]);
  });

  test('NET-LISTEN-QUEUE: listen with no free dynamic port for its implicit bind is EADDRINUSE', () => {
    const sim = new Sim(configWith({ netPorts: [40000, 40000] }));
    sim.value('C', { op: 'bind', fd: sim.fd('C', 'net'), port: 0 });
    expect(sim.call('C', { op: 'listen', fd: sim.fd('C', 'net'), backlog: 1 })).toEqual(fail('EADDRINUSE'));
  });

  test.each([1, 2, 3])('NET-LISTEN-QUEUE, NET-CONNECT-QUEUES: backlog %i queues backlog connects at once, the next one by choice, never backlog+2', (backlog) => {
    for (const admitExtra of [true, false]) {
      const sim = new Sim(configWith({ hosts: [{ name: 'srv', processes: ['S'] }, { name: 'cli', processes: ['C1', 'C2', 'C3', 'C4', 'C5'] }] }));
      const lis = listener(sim, backlog);
      const outcomes: (unknown | undefined)[] = [];
      for (let i = 1; i <= backlog + 2; i++) {
        const process = `C${i}`;
        const fd = sim.fd(process, 'net');
        const id = sim.id();
        const result = sim.try({ type: 'call', id, process, call: { op: 'connect', fd, to: WKP } }, { choices: [0, admitExtra ? 0 : 1] });
        sim.adopt(result);
        sim.settle();
        // Only a connect that finds exactly backlog queued has a choice to make about the queue.
        const choosing = i === backlog + 1 || (i === backlog + 2 && !admitExtra);
        expect(result.kind === 'ok' && result.choicePoints.length).toBe(choosing ? 2 : 1);
        outcomes.push(sim.result(id));
      }
      const completed = outcomes.filter((o) => o !== undefined);
      expect(completed).toHaveLength(admitExtra ? backlog + 1 : backlog);
      expect(sim.state.socks[`S:${lis}`]!.queue).toHaveLength(admitExtra ? backlog + 1 : backlog);
      expect(outcomes[backlog + 1]).toBeUndefined();
    }
  });

  test('NET-CONNECT-QUEUES: connect completes once queued, before any accept, with its implicit address', () => {
    const sim = new Sim();
    listener(sim);
    const fd = sim.fd('C', 'net');
    expect(sim.call('C', { op: 'connect', fd, to: WKP })).toEqual(local({ host: 'cli', port: 40000 }));
    expect(sim.inspect().processes.find((p) => p.process === 'C')!.sockets[0]).toMatchObject({ state: 'connected', peer: WKP });
  });

  test('NET-CONNECT-REFUSED: nobody listens: ECONNREFUSED; an explicit bind is kept and the socket can connect again', () => {
    const sim = new Sim();
    const fd = sim.fd('C', 'net');
    sim.value('C', { op: 'bind', fd, port: 40005 });
    expect(sim.call('C', { op: 'connect', fd, to: WKP })).toEqual(fail('ECONNREFUSED'));
    expect(sim.call('C', { op: 'getsockname', fd })).toEqual(local({ host: 'cli', port: 40005 }));
    listener(sim);
    expect(sim.call('C', { op: 'connect', fd, to: WKP })).toEqual(local({ host: 'cli', port: 40005 }));
  });

  test('NET-CONNECT-AUTOBIND, NET-CONNECT-REFUSED: a refused connect releases its implicit bind', () => {
    const sim = new Sim();
    const fd = sim.fd('C', 'net');
    expect(sim.call('C', { op: 'connect', fd, to: WKP })).toEqual(fail('ECONNREFUSED'));
    expect(sim.call('C', { op: 'getsockname', fd })).toEqual(local(null));
    expect(sim.inspect().ports.net).toEqual([]);
  });

  test('NET-CONNECT-AUTOBIND: with no dynamic port free, connect is EADDRNOTAVAIL', () => {
    const sim = new Sim(configWith({ netPorts: [40000, 40000] }));
    listener(sim);
    sim.value('C', { op: 'bind', fd: sim.fd('C', 'net'), port: 0 });
    expect(sim.call('C', { op: 'connect', fd: sim.fd('C', 'net'), to: WKP })).toEqual(fail('EADDRNOTAVAIL'));
  });

  test.each([
    ['ERR-STATE-ERRORS: connect to an unknown host is EADDRNOTAVAIL', (_sim: Sim, fd: number): Op => ({ op: 'connect', fd, to: { host: 'nowhere', port: 7000 } }), 'EADDRNOTAVAIL'],
    ['DISPATCH-BY-VALUE: connect of a network socket to an STP address is EINVAL', (_sim: Sim, fd: number): Op => ({ op: 'connect', fd, to: { stg: 1, port: 5000 } }), 'EINVAL'],
    ['ERR-STATE-ERRORS: recv on an unconnected socket is ENOTCONN', (_sim: Sim, fd: number): Op => ({ op: 'recv', fd, max: 1 }), 'ENOTCONN'],
    ['ERR-STATE-ERRORS: accept on a socket that does not listen is EINVAL', (_sim: Sim, fd: number): Op => ({ op: 'accept', fd }), 'EINVAL'],
  ] as const)('%s', (_name, call, error) => {
    const sim = new Sim();
    listener(sim);
    const fd = sim.fd('C', 'net');
    const before = sim.inspect();
    expect(sim.call('C', call(sim, fd))).toEqual(fail(error));
    // ERR-NO-EFFECT: a definite error changes nothing.
    expect(sim.inspect()).toEqual(before);
  });

  test.each([
    ['connected', (sim: Sim) => sim.netPair()[0]],
    ['listening', (sim: Sim) => {
      const fd = sim.fd('C', 'net');
      sim.value('C', { op: 'listen', fd, backlog: 1 });
      return fd;
    }],
  ])('ERR-STATE-ERRORS: connect on a %s socket is EISCONN; listen on a connected one EINVAL', (name, make) => {
    const sim = new Sim();
    const fd = make(sim);
    expect(sim.call('C', { op: 'connect', fd, to: { host: 'srv', port: 7009 } })).toEqual(fail('EISCONN'));
    if (name === 'connected') expect(sim.call('C', { op: 'listen', fd, backlog: 1 })).toEqual(fail('EINVAL'));
  });

  test('NET-CONNECT-QUEUE-FULL: a connect to a full queue stays pending, then completes when accept makes room', () => {
    const sim = new Sim();
    const lis = listener(sim, 1);
    const first = sim.fd('C', 'net');
    sim.value('C', { op: 'connect', fd: first, to: WKP });
    // Queue of 1 holds 1; with choice 1 the second is not admitted as the (backlog+1)-th.
    const second = sim.fd('C2', 'net');
    const id = sim.id();
    sim.adopt(sim.try({ type: 'call', id, process: 'C2', call: { op: 'connect', fd: second, to: WKP } }, { choices: [0, 1] }));
    sim.settle();
    expect(sim.result(id)).toBeUndefined();
    expect(sim.inspect().processes.find((p) => p.process === 'C2')!.sockets[0]!.state).toBe('connecting');
    sim.tick(2);
    expect(sim.result(id)).toBeUndefined();
    sim.value('S', { op: 'accept', fd: lis });
    expect(sim.result(id)).toEqual(local({ host: 'cli', port: 40001 }));
  });
});

describe('accept and close', () => {
  test('NET-ACCEPT-FIFO: accept takes the oldest queued connection, with the connector\'s address as peer', () => {
    const sim = new Sim();
    const lis = listener(sim, 3);
    const order = ['C2', 'S2', 'C'];
    const addresses = order.map((process) => {
      const fd = sim.fd(process, 'net');
      return (sim.value<{ local: unknown }>(process, { op: 'connect', fd, to: WKP })).local;
    });
    const peers = order.map(() => sim.value<{ peer: unknown }>('S', { op: 'accept', fd: lis }).peer);
    expect(peers).toEqual(addresses);
  });

  test('NET-ACCEPT-FIFO: accept blocks while the queue is empty, and completes on a connect', () => {
    const sim = new Sim();
    const lis = listener(sim);
    const accept = sim.start('S', { op: 'accept', fd: lis });
    expect(sim.result(accept)).toBeUndefined();
    const fd = sim.fd('C', 'net');
    sim.value('C', { op: 'connect', fd, to: WKP });
    expect(sim.result(accept)).toEqual(ok({ fd: 4, peer: { host: 'cli', port: 40000 } }));
  });

  test('NET-CLOSE-UNREAD-RESETS: the peer reads what was delivered, then ECONNRESET once, then end-of-stream; its sends fail EPIPE', () => {
    const sim = new Sim();
    const [c, s] = sim.netPair();
    sim.value('C', { op: 'send', fd: c, data: hex('unread') });
    sim.value('S', { op: 'send', fd: s, data: hex('for C') });
    // S closes while "unread" waits in its buffer: a reset, not a graceful close.
    sim.value('S', { op: 'close', fd: s });
    expect(sim.call('C', { op: 'recv', fd: c, max: 64 })).toEqual(data('for C'));
    expect(sim.call('C', { op: 'recv', fd: c, max: 64 })).toEqual(fail('ECONNRESET'));
    expect(sim.call('C', { op: 'recv', fd: c, max: 64 })).toEqual(data(''));
    expect(sim.call('C', { op: 'send', fd: c, data: hex('x') })).toEqual(fail('EPIPE'));
    expect(sim.inspect().processes.find((p) => p.process === 'C')!.sockets[0]!.state).toBe('reset');
  });

  test('NET-CLOSE-UNREAD-RESETS, FAULT-RESET: a send that comes first reports the reset (ECONNRESET), later ones EPIPE', () => {
    const sim = new Sim();
    const [c, s] = sim.netPair();
    sim.value('C', { op: 'send', fd: c, data: hex('unread') });
    sim.value('S', { op: 'close', fd: s });
    expect(sim.call('C', { op: 'send', fd: c, data: hex('x') })).toEqual(fail('ECONNRESET'));
    expect(sim.call('C', { op: 'send', fd: c, data: hex('x') })).toEqual(fail('EPIPE'));
    expect(sim.call('C', { op: 'recv', fd: c, max: 1 })).toEqual(data(''));
  });

  test('NET-CLOSE-UNREAD-RESETS: a blocked recv of the peer is woken with ECONNRESET', () => {
    const sim = new Sim();
    const [c, s] = sim.netPair();
    sim.value('C', { op: 'send', fd: c, data: hex('unread') });
    const recv = sim.start('C', { op: 'recv', fd: c, max: 8 });
    expect(sim.result(recv)).toBeUndefined();
    sim.value('S', { op: 'close', fd: s });
    expect(sim.result(recv)).toEqual(fail('ECONNRESET'));
  });

  test('NET-SEND-AFTER-PEER-CLOSE: after a graceful close, the first send succeeds (discarded), later sends fail EPIPE', () => {
    const sim = new Sim();
    const [c, s] = sim.netPair();
    sim.value('S', { op: 'close', fd: s });
    expect(sim.call('C', { op: 'send', fd: c, data: hex('lost') })).toEqual(ok({ sent: 4 }));
    expect(sim.call('C', { op: 'send', fd: c, data: hex('lost') })).toEqual(fail('EPIPE'));
    expect(sim.call('C', { op: 'send', fd: c, data: hex('lost') })).toEqual(fail('EPIPE'));
    expect(sim.call('C', { op: 'recv', fd: c, max: 4 })).toEqual(data(''));
    // The connection is gone once both ends are closed.
    sim.value('C', { op: 'close', fd: c });
    expect(sim.state.conns).toEqual({});
  });

  test('DATA-LISTENER-CLOSE-RESETS: closing a listener resets queued connections and frees its port', () => {
    const sim = new Sim();
    const lis = listener(sim, 2);
    const fd = sim.fd('C', 'net');
    sim.value('C', { op: 'connect', fd, to: WKP });
    sim.value('S', { op: 'close', fd: lis });
    expect(sim.call('C', { op: 'send', fd, data: hex('x') })).toEqual(fail('ECONNRESET'));
    expect(sim.inspect().ports.net.map((p) => p.host)).toEqual(['cli']);
    expect(sim.call('S2', { op: 'bind', fd: sim.fd('S2', 'net'), port: 7000 })).toEqual(local(WKP));
  });
});
