/**
 * The model's contract as the harness uses it (reference/index.ts): step
 * tells a harness mistake (illegal) from a verdict (violation) from an
 * internal bug (thrown); settle runs to quiescence; blockedReason says why a
 * pending call waits; the role tables refuse to run without what they need.
 */
import { describe, expect, test } from 'vitest';
import { REQUIREMENT_IDS } from '../spec/requirements.ts';
import * as model from './index.ts';
import { canonical, deepEqual } from './equal.ts';
import { PROGRAMS, initialVars, missingParams, roleNext } from './roles.ts';
import { fingerprint } from './state.ts';
import { dispatchFamily } from './world.ts';
import { CONFIG, Sim, configWith, hex } from './testing/sim.ts';

describe('step: illegal inputs are harness mistakes, not verdicts', () => {
  const busy = () => {
    const sim = new Sim();
    const lis = sim.fd('S', 'net');
    sim.value('S', { op: 'listen', fd: lis, backlog: 1 });
    sim.start('S', { op: 'accept', fd: lis });
    return sim;
  };
  test.each([
    ['a call of an unknown process', () => new Sim(), { type: 'call', id: 90, process: 'X', call: { op: 'socket', family: 'net' } }, 'no process X'],
    ['a call of a busy process', busy, { type: 'call', id: 90, process: 'S', call: { op: 'socket', family: 'net' } }, 'busy'],
    ['a call id that is still pending', busy, { type: 'call', id: 3, process: 'C', call: { op: 'socket', family: 'net' } }, 'already pending'],
    ['a handshake of an unknown process', () => new Sim(), { type: 'handshake', id: 9, process: 'X', role: 'fs-client', params: {}, hold: [] }, 'no process X'],
    ['a handshake of a busy process', busy, { type: 'handshake', id: 9, process: 'S', role: 'fs-client', params: {}, hold: [] }, 'busy'],
    ['a handshake without its params', () => new Sim(), { type: 'handshake', id: 9, process: 'S', role: 'fs-server', params: {}, hold: [] }, 'needs params.peer'],
    ['a handshake of a crashed process', () => new Sim().fault({ kind: 'crash', process: 'S' }), { type: 'handshake', id: 9, process: 'S', role: 'fs-client', params: {}, hold: [] }, 'crashed'],
    ['a handshake id in use', () => { const sim = new Sim(); sim.handshake('C', 'fs-client', {}); return sim; }, { type: 'handshake', id: 1, process: 'C2', role: 'fs-client', params: {}, hold: [] }, 'exists'],
  ] as const)('%s', (_name, world, action, reason) => {
    const result = world().try(action as model.Action);
    expect(result.kind).toBe('illegal');
    expect(result.kind === 'illegal' && result.reason).toContain(reason);
  });

  test('an internal error (a corrupted state) is thrown, never returned as a verdict', () => {
    const sim = new Sim();
    const hs = sim.handshake('S', 'fs-server', { peer: 'cli', stg: 1 }, ['84']);
    const corrupted = structuredClone(sim.state);
    (corrupted as { config: unknown }).config = sim.state.config;
    corrupted.roles[String(hs)]!.vars = {};
    corrupted.roles[String(hs)]!.held = false;
    expect(() => model.step(corrupted, { type: 'advance', hs })).toThrow('role variable ctl is not set');
  });

  test('settle refuses an implementation answer the spec does not allow', () => {
    const sim = new Sim();
    const started = model.step(sim.state, { type: 'handshake', id: 1, process: 'C', role: 'fs-client', params: {}, hold: [] });
    if (started.kind !== 'ok') throw new Error(started.kind);
    expect(() => model.settle(started.state, () => ({ value: { fd: 999 } }))).toThrow(/^settle: /);
  });

  test('FAULT-CRASH-TEARDOWN: a role crashed before its first step fails at its first label with ECANCELED', () => {
    const sim = new Sim();
    const started = model.step(sim.state, { type: 'handshake', id: 1, process: 'C', role: 'db-client', params: { peer: 'srv' }, hold: [] });
    if (started.kind !== 'ok') throw new Error(started.kind);
    const crashed = model.step(started.state, { type: 'fault', fault: { kind: 'crash', process: 'C' } });
    if (crashed.kind !== 'ok') throw new Error(crashed.kind);
    const done = model.settle(crashed.state).emissions.find((e) => e.type === 'done');
    expect(done && done.type === 'done' && done.outcome).toEqual({ status: 'failed', label: '182', error: 'ECANCELED' });
  });

  test('every ok step reports the requirements its decisions rested on, and they exist', () => {
    const sim = new Sim();
    const result = sim.try({ type: 'call', id: 1, process: 'C', call: { op: 'socket', family: 'dss' } });
    expect(result.kind === 'ok' && result.touched).toContain('CBT-ALLOC-ON-REQUEST');
    for (const action of [{ type: 'tick' }, { type: 'fault', fault: { kind: 'cbt-release' } }] as const) {
      const r = sim.try(action);
      for (const req of r.kind === 'ok' ? r.touched : ['?']) expect(REQUIREMENT_IDS.has(req)).toBe(true);
    }
  });
});

describe('blockedReason: why a pending call waits', () => {
  test.each([
    ['a connect held by a partition', 'FAULT-PARTITION-HOLDS'],
    ['a connect held by a delay', 'FAULT-DELAY-CHANNEL'],
    ['a connect held by a full queue', 'NET-CONNECT-QUEUE-FULL'],
    ['a send held by a full STG buffer', 'STG-BACKPRESSURE'],
    ['an accept with nothing queued', 'NET-ACCEPT-FIFO'],
    ['a recv with nothing readable', 'DATA-RECV-NONEMPTY-PREFIX'],
  ])('%s: %s', (name, req) => {
    const sim = new Sim();
    let id: number;
    if (name.startsWith('a connect')) {
      const lis = sim.fd('S', 'net');
      sim.value('S', { op: 'listen', fd: lis, backlog: 1 });
      if (name.includes('partition')) sim.fault({ kind: 'partition', hosts: ['srv', 'cli'] });
      if (name.includes('delay')) sim.fault({ kind: 'delay', channel: 'net', ticks: 2 });
      if (name.includes('queue')) sim.value('C2', { op: 'connect', fd: sim.fd('C2', 'net'), to: { host: 'srv', port: 40000 } });
      id = sim.id();
      sim.adopt(sim.try({ type: 'call', id, process: 'C', call: { op: 'connect', fd: sim.fd('C', 'net'), to: { host: 'srv', port: 40000 } } }, { choices: [0, 1] }));
    } else if (name.startsWith('a send')) {
      const [c] = sim.dssPair();
      id = sim.start('C', { op: 'send', fd: c, data: hex('z'.repeat(20)) });
    } else if (name.startsWith('an accept')) {
      const lis = sim.fd('S', 'net');
      sim.value('S', { op: 'listen', fd: lis, backlog: 1 });
      id = sim.start('S', { op: 'accept', fd: lis });
    } else {
      const [c] = sim.netPair();
      id = sim.start('C', { op: 'recv', fd: c, max: 1 });
    }
    expect(sim.result(id)).toBeUndefined();
    const why = model.blockedReason(sim.state, String(id));
    expect(why.reqs).toContain(req);
    expect(why.why.length).toBeGreaterThan(10);
  });
});

describe('the role tables refuse to run without what they need', () => {
  test.each([
    ['fs-server', {}, 'needs params.peer'],
    ['fs-server', { peer: 'mars', stg: 1 }, 'needs params.peer'],
    ['fs-server', { peer: 'cli' }, 'needs params.stg'],
    ['fs-server', { peer: 'cli', stg: 9 }, 'needs params.stg'],
    ['db-server', {}, 'needs params.stg'],
    ['db-client', {}, 'needs params.peer'],
    ['fs-client', {}, null],
    ['db-server', { stg: 1 }, null],
  ] as const)('missingParams(%s, %j)', (role, params, problem) => {
    const missing = missingParams(PROGRAMS[role], params, CONFIG);
    if (problem === null) expect(missing).toBeNull();
    else expect(missing).toContain(problem);
  });

  test('initialVars: servers start with the STG they offer (-1 when none is given)', () => {
    expect(initialVars(PROGRAMS['fs-server'], { stg: 1 })).toEqual({ stg: 1 });
    expect(initialVars(PROGRAMS['db-server'], {})).toEqual({ stg: -1 });
    expect(initialVars(PROGRAMS['fs-client'], {})).toEqual({});
  });

  test('roleNext played by a harness without the params a step needs throws a plain error', () => {
    const program = PROGRAMS['fs-server'];
    const at = (label: string) => program.steps.findIndex((s) => s.label === label);
    const vars = { ctl: 3, err: 4, aux: 5, data: 1024, clientFd: 4, stpPort: 5000, stg: 1 };
    expect(() => roleNext(program, { pc: at('86'), vars, buf: '' }, { config: CONFIG, params: {}, now: 0 })).toThrow('needs params.peer');
    expect(() => roleNext(program, { pc: at('138'), vars, buf: '' }, { config: CONFIG, params: { peer: 'cli' }, now: 0 })).toThrow('needs params.stg');
  });
});

describe('small helpers', () => {
  test('deepEqual ignores key order and undefined fields, and nothing else', () => {
    expect(deepEqual({ a: 1, b: [1, { c: 2, d: undefined }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(deepEqual({ a: 1 }, { a: '1' })).toBe(false);
    expect(deepEqual([1, 2], [2, 1])).toBe(false);
    expect(deepEqual(null, undefined)).toBe(false);
    expect(deepEqual([undefined], [null])).toBe(false);
    expect(canonical(undefined)).toBe('undefined');
    expect(canonical({ z: null, a: [true] })).toBe('{"a":[true],"z":null}');
  });

  test.each([
    [3, 'net'],
    [1023, 'net'],
    [1024, 'dss'],
    [1024 + 65535, 'dss'],
    [2, undefined],
    [1024 + 65536, undefined],
  ] as const)('DISPATCH-BY-VALUE: descriptor %i is dispatched to %s', (fd, family) => {
    expect(dispatchFamily(new Sim().state, fd)).toBe(family);
  });

  test('fingerprint: equal behaviour, equal fingerprint — connection ids and slot numbers do not count', () => {
    // Two worlds that reach the same situation by different routes: one opened and closed a pair first.
    const a = new Sim();
    a.dssPair();
    const b = new Sim();
    const [x, y] = b.dssPair();
    b.value('C', { op: 'close', fd: x });
    b.value('S', { op: 'close', fd: y });
    b.dssPair('C', 'S', 1, 5000);
    b.state.now = a.state.now;
    expect(b.state.nextConn).not.toBe(a.state.nextConn);
    expect(fingerprint(b.state)).toBe(fingerprint(a.state));
    a.tick();
    expect(fingerprint(b.state)).not.toBe(fingerprint(a.state));
  });

  test('fingerprint: a queued connection whose connecting end closed is still told apart', () => {
    const queued = () => {
      const sim = new Sim();
      const lis = sim.fd('S', 'net');
      sim.value('S', { op: 'listen', fd: lis, backlog: 2 });
      const fd = sim.fd('C', 'net');
      sim.value('C', { op: 'connect', fd, to: { host: 'srv', port: 40000 } });
      return { sim, fd };
    };
    const open = queued();
    const closed = queued();
    closed.sim.value('C', { op: 'close', fd: closed.fd });
    expect(fingerprint(closed.sim.state)).not.toBe(fingerprint(open.sim.state));
    expect(fingerprint(closed.sim.state)).toContain('~');
  });

  test('the index exports the model\'s public surface', () => {
    for (const name of ['initialState', 'fingerprint', 'step', 'enabledActions', 'settle', 'pendingIds', 'roleCallKey', 'inspect', 'checkInvariants', 'PROGRAMS', 'roleNext', 'roleOnOutcome', 'stepLabels', 'describeCall', 'describeEmission', 'blockedReason', 'Violation']) {
      expect(model).toHaveProperty(name);
    }
    expect(model.roleCallKey(5, 3)).toBe('h5.3');
    expect(model.initialState(configWith({ cbt: { capacity: 3 } })).cbt).toEqual([null, null, null]);
  });
});
