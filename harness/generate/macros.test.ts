/**
 * Why this test? The generator's macros and calls aimed at wrong targets exist to reach error
 * branches and deep situations on purpose (a connect across STGs, EIO in a failed STG, a
 * listener closed while it holds connects, a connect that times out before its delayed request
 * arrives). If a change to the model's state or to the resolution made them fall silently back
 * to harmless calls, every property would still pass and the blind spots would be back. Each
 * case here plays one macro or wrong call on the model alone (the first allowed outcome of every
 * step) and asserts the answers it was built to provoke.
 */
import { describe, expect, test } from 'vitest';
import type { WorldConfig } from '../../spec/config.ts';
import { type Action, type Emission, type State, PROGRAMS, describeEmission, enabledActions, initialState, step } from '../../reference/index.ts';
import { expandMacro } from './macros.ts';
import { type CallPlan, type Command, type MacroPlan, SENDS, idleProcesses, resolveCall, resolveFault } from './plan.ts';

const WORLD: WorldConfig = {
  hosts: [
    { name: 'srv', processes: ['S', 'S2'] },
    { name: 'cli', processes: ['C', 'C2'] },
  ],
  cbt: { capacity: 8 },
  stgs: [
    { id: 1, length: 8, ports: [5000, 5002] },
    { id: 2, length: 8, ports: [5100, 5105] },
  ],
  wkp: 7000,
  fdBoundary: 1024,
  netPorts: [40000, 40002],
  ticks: { connectTimeout: 2, stepTimeout: 3 },
  wellKnownString: '3030303030303030',
};

const CAPABILITIES = { handshakes: [], faults: ['crash', 'partition', 'reset', 'stg-fail', 'cbt-reserve', 'delay'] };

/** Plays commands on the model, settling after each, and keeps every answer as dualsock prints it and every rule it fired. */
class ModelRun {
  state: State = initialState(WORLD);
  readonly lines: string[] = [];
  readonly rules = new Set<string>();
  private id = 1;

  apply(command: Command): void {
    const actions =
      command.type === 'call'
        ? [{ type: 'call' as const, id: this.id++, process: command.process, call: command.call }]
        : command.type === 'batch'
          ? command.calls.map((c) => ({ type: 'call' as const, id: this.id++, process: c.process, call: c.call }))
          : command.type === 'tick'
            ? [{ type: 'tick' as const }]
            : command.type === 'fault'
              ? [{ type: 'fault' as const, fault: command.fault }]
              : [];
    for (const action of actions) this.take(action);
    // Settle as the model's settle does (the first enabled action each time), keeping the rules too.
    for (let enabled = enabledActions(this.state); enabled.length > 0; enabled = enabledActions(this.state)) this.take(enabled[0]!);
  }

  private take(action: Action): void {
    const result = step(this.state, action);
    if (result.kind !== 'ok') throw new Error(`the model refused ${JSON.stringify(action)}: ${result.kind === 'illegal' ? result.reason : result.violation.expected}`);
    this.state = result.state;
    this.note(result.emissions);
    for (const rule of result.rules) this.rules.add(rule);
  }

  macro(plan: MacroPlan): void {
    const run = this;
    for (const thunk of expandMacro({ get state() { return run.state; }, capabilities: CAPABILITIES }, plan)) {
      const command = thunk();
      if (command === null) break;
      this.apply(command);
    }
  }

  call(plan: CallPlan): void {
    const resolved = resolveCall(this.state, plan, idleProcesses(this.state));
    if (resolved) this.apply({ type: 'call', process: resolved.process, call: resolved.call });
  }

  private note(emissions: readonly Emission[]): void {
    for (const e of emissions) this.lines.push(describeEmission(e));
  }

  has(pattern: RegExp): boolean {
    return this.lines.some((line) => pattern.test(line));
  }
}

describe('macros reach what they are built for', () => {
  test('cross-stg: a socket bound in one STG connecting into another is refused with EINVAL', () => {
    const run = new ModelRun();
    run.macro({ m: 'cross-stg', g: 0, a: 0, b: 0 });
    expect(run.has(/connect\(\d+,stg2:\d+\)->EINVAL/), run.lines.join('\n')).toBe(true);
  });

  test('stg-down: bind, connect, listen and send in a failed STG answer EIO', () => {
    const run = new ModelRun();
    run.macro({ m: 'stg-down', g: 0, a: 0 });
    for (const op of ['bind', 'connect', 'listen', 'send']) expect(run.has(new RegExp(`${op}\\(.*\\)->EIO`)), `${op}:\n${run.lines.join('\n')}`).toBe(true);
    expect(run.state.failedStgs).toEqual([]);
  });

  test('stg-down: a send blocked on the full buffer and a connect on its way into the failed STG end with EIO; twice fails it again', () => {
    const run = new ModelRun();
    run.macro({ m: 'stg-down', g: 0, a: 0, twice: true });
    for (const rule of ['send.dss.blocked-stg-failed→EIO', 'connect.dss.stg-failed-pending→EIO', 'fault.stg-fail.again']) expect(run.rules, run.lines.join('\n')).toContain(rule);
    expect(run.state.delay.dss).toBe(0);
  });

  test.each([
    ['net', 2],
    ['dss', 2],
    // One past the backlog, which the model admits: one more connector comes, and is held.
    ['net', 1],
    ['dss', 1],
  ] as const)('queue-fill (%s, over %i): a listener closed while it holds a connect refuses it', (family, over) => {
    const run = new ModelRun();
    run.macro({ m: 'queue-fill', family, backlog: 0, over, end: 'close', a: 0 });
    expect(run.rules, run.lines.join('\n')).toContain(`connect.${family}.listener-closed→ECONNREFUSED`);
  });

  test.each([
    ['net', 2, 'connect.net.listener-closed→ECONNREFUSED'],
    ['dss', 2, 'connect.dss.listener-recovered→ECONNREFUSED'],
    // One past the backlog, which the model admits: one more connector comes, and is held.
    ['dss', 1, 'connect.dss.listener-recovered→ECONNREFUSED'],
  ] as const)('queue-fill (%s, over %i): the listener crashes and recovers, refusing the connect it held', (family, over, rule) => {
    const run = new ModelRun();
    run.macro({ m: 'queue-fill', family, backlog: 0, over, end: 'crash', a: 0 });
    expect(run.rules, run.lines.join('\n')).toContain(rule);
    expect(Object.values(run.state.procs).every((p) => p.alive)).toBe(true);
  });

  test.each(['net', 'dss'] as const)('queue-fill (%s): the port of a closed listener whose accepted sockets remain is bound and listened on again', (family) => {
    const run = new ModelRun();
    run.macro({ m: 'queue-fill', family, backlog: 0, over: 0, end: 'relisten', a: 0 });
    expect(run.rules, run.lines.join('\n')).toContain(`bind.${family}.shared-by-accepted`);
    expect(Object.values(run.state.socks).filter((s) => s.state === 'listening')).toHaveLength(1);
  });

  test.each([
    ['net', 'reset', false, ['fault.reset.drops-in-flight']],
    ['net', 'close', false, ['arrive.net.data-at-closed→reset']],
    ['dss', 'reset', true, ['fault.reset.drops-in-flight', 'send.dss.blocked-reset→ECONNRESET']],
    ['dss', 'close', false, ['arrive.dss.data-at-closed-dropped']],
    ['dss', 'stg-fail', true, ['send.dss.blocked-stg-failed→EIO', 'fault.stg-fail.connection']],
  ] as const)('in-flight (%s, %s, big %s): what is in flight meets the fault', (family, then, big, rules) => {
    const run = new ModelRun();
    run.macro({ m: 'in-flight', family, then, big, len: 1, a: 0, b: 0 });
    for (const rule of rules) expect(run.rules, run.lines.join('\n')).toContain(rule);
    expect(run.state.flights).toEqual([]);
    expect(run.state.failedStgs).toEqual([]);
  });

  test.each(['net', 'dss'] as const)('stale-connect (%s): a connect times out while its request is delayed, and the descriptor connects again', (family) => {
    const run = new ModelRun();
    run.macro({ m: 'stale-connect', family, reuse: 'socket', extra: 0, undelay: true, a: 0, b: 0 });
    const timedOut = run.lines.findIndex((l) => /connect\(.*\)->ETIMEDOUT/.test(l));
    expect(timedOut, run.lines.join('\n')).toBeGreaterThanOrEqual(0);
    // The new connect completes (the delay was lifted); the old request, when it arrives, is dropped.
    expect(run.lines.slice(timedOut + 1).some((l) => /connect\(.*\)->(srv|cli|stg)/.test(l)), run.lines.join('\n')).toBe(true);
    expect(run.state.flights).toEqual([]);
  });

  test.each(['net', 'dss'] as const)('stale-connect (%s, crash): the connect ends with its process, and the descriptor connects again', (family) => {
    const run = new ModelRun();
    run.macro({ m: 'stale-connect', family, reuse: 'same', extra: 0, undelay: true, a: 0, b: 0, crash: true });
    expect(run.rules, run.lines.join('\n')).toContain('fault.crash.pending-connect');
    expect(run.lines.filter((l) => /connect\(/.test(l)).length, run.lines.join('\n')).toBe(2);
    expect(run.state.flights).toEqual([]);
  });

  test('race-bind: binds to port 0 of one STG from several hosts in one batch get distinct ports', () => {
    const run = new ModelRun();
    run.macro({ m: 'race-bind', family: 'dss', n: 2, g: 0, explicit: false });
    const ports = run.lines.filter((l) => /bind\(\d+,stg1:0\)->stg1:/.test(l)).map((l) => l.split('->')[1]);
    expect(ports.length, run.lines.join('\n')).toBe(2);
    expect(new Set(ports).size).toBe(2);
  });

  test('reuse-unread: the descriptor of a socket closed with unread bytes is reused and reads only its own bytes', () => {
    const run = new ModelRun();
    run.macro({ m: 'reuse-unread', family: 'net', a: 0, b: 1, len: 2, byte: 0 });
    const closes = run.lines.filter((l) => /close\(/.test(l));
    expect(closes.length, run.lines.join('\n')).toBeGreaterThanOrEqual(1);
    expect(run.has(/recv\(\d+,16\)->"no"/), run.lines.join('\n')).toBe(true);
  });
});

describe('faults and scenarios aimed at what plain draws rarely reach', () => {
  test('a heal with nothing partitioned heals two hosts one selector in four, and changes nothing', () => {
    const run = new ModelRun();
    const heals = [0, 1, 2, 3, 7].map((a) => resolveFault(run.state, { f: 'heal', a }, CAPABILITIES));
    expect(heals).toEqual([null, null, null, { kind: 'heal', hosts: ['cli', 'srv'] }, { kind: 'heal', hosts: ['cli', 'srv'] }]);
    run.apply({ type: 'fault', fault: heals[3]! });
    expect(run.rules).toContain('fault.heal.not-partitioned');
  });

  test.each(Object.entries(SENDS))('%s: every step a hang-up lands on sends a message', (role, labels) => {
    const steps = PROGRAMS[role as keyof typeof SENDS].steps;
    for (const label of labels) {
      const found = steps.find((s) => s.label === label);
      // A send meets the peer and is neither retried (a connect) nor saves what it returns (an accept).
      expect(found && found.kind === 'call' && found.meetsPeer === true && found.retry === undefined && found.save === undefined, `${role} ${label}`).toBe(true);
    }
  });
});

describe('calls aimed at wrong targets reach their error branches', () => {
  test.each([
    ['bind', 0, /bind\(.*\)->EINVAL/],
    ['bind', 2, /bind\(.*\)->EADDRNOTAVAIL/],
    ['connect', 0, /connect\(.*\)->EINVAL/],
    ['connect', 2, /connect\(.*\)->EADDRNOTAVAIL/],
    ['listen', 1, /listen\(.*\)->EINVAL/],
    ['accept', 0, /accept\(.*\)->EINVAL/],
    ['send', 0, /send\(.*\)->ENOTCONN/],
    ['close', 0, /close\(.*\)->EBADF/],
  ] as const)('%s, branch %i', (op, k, expected) => {
    const run = new ModelRun();
    // One unbound socket of each family for the call to aim at.
    run.call({ c: 'socket', p: 0, family: 'net' });
    run.call({ c: 'socket', p: 0, family: 'dss' });
    for (const s of [0, 1]) run.call({ c: 'wrong', op, k, s, n: 0 });
    expect(run.has(expected), run.lines.join('\n')).toBe(true);
  });
});
