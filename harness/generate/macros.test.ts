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
import { type Emission, type State, describeEmission, initialState, settle, step } from '../../reference/index.ts';
import { expandMacro } from './macros.ts';
import { type CallPlan, type Command, type MacroPlan, idleProcesses, resolveCall } from './plan.ts';

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

/** Plays commands on the model, settling after each, and keeps every answer as dualsock prints it. */
class ModelRun {
  state: State = initialState(WORLD);
  readonly lines: string[] = [];
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
    for (const action of actions) {
      const result = step(this.state, action);
      if (result.kind !== 'ok') throw new Error(`the model refused ${JSON.stringify(action)}: ${result.kind === 'illegal' ? result.reason : result.violation.expected}`);
      this.state = result.state;
      this.note(result.emissions);
    }
    const settled = settle(this.state);
    this.state = settled.state;
    this.note(settled.emissions);
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

  test.each(['net', 'dss'] as const)('queue-fill (%s): a listener closed while it holds a connect refuses it', (family) => {
    const run = new ModelRun();
    run.macro({ m: 'queue-fill', family, backlog: 0, over: 2, end: 'close', a: 0 });
    expect(run.has(/connect\(.*\)->ECONNREFUSED/), run.lines.join('\n')).toBe(true);
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
