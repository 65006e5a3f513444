/**
 * Executes a plan: resolves each abstract step against the model's current
 * state, just before it runs, into concrete commands for the runner. Macro
 * steps (a connected pair, a race for control blocks, several connects to one
 * listener at once) expand into several commands, each resolved after the
 * previous one ran, so they can use the descriptors it returned.
 */
import type { Run } from './runner.ts';
import { type Command, type PlanStep, idleProcesses, resolveBatch, resolveCall, resolveFault, scenarioFor } from '../generate/plan.ts';
import { PROGRAMS, stepLabels } from '../../reference/index.ts';
import type { Fault, Role } from '../../spec/messages.ts';
import { expandMacro, fdsOf, newestFd, spreadOverHosts } from '../generate/macros.ts';
import { sessionsFor } from '../generate/sessions.ts';

const labelsOf = (role: Role): string[] => stepLabels(PROGRAMS[role]);

/** The capability that declares a plan's fault (a fault and its undoing share one). */
function capabilityOf(kind: string): string {
  const map: Record<string, string> = { heal: 'partition', 'stg-repair': 'stg-fail', 'cbt-release': 'cbt-reserve', undelay: 'delay' };
  return map[kind] ?? kind;
}

/** Runs every step of the plan; false as soon as the run fails. */
export async function executePlan(run: Run, plan: readonly PlanStep[]): Promise<boolean> {
  for (const step of plan) {
    for (const command of expand(run, step)) {
      const concrete = command();
      if (concrete === null) break;
      if (!(await run.exec(concrete))) return false;
    }
  }
  return true;
}

/** Commands of one step, each resolved lazily (after the previous one ran). */
function* expand(run: Run, step: PlanStep): Generator<() => Command | null> {
  switch (step.t) {
    case 'call':
      yield () => {
        const call = resolveCall(run.state, step.call, idleProcesses(run.state));
        return call ? { type: 'call', process: call.process, call: call.call } : null;
      };
      return;
    case 'batch':
      yield () => {
        const calls = resolveBatch(run.state, step.calls);
        if (calls.length === 0) return null;
        if (calls.length === 1) return { type: 'call', process: calls[0]!.process, call: calls[0]!.call };
        return { type: 'batch', calls };
      };
      return;
    case 'tick':
      for (let i = 0; i < step.n; i++) yield () => ({ type: 'tick' });
      return;
    case 'fault':
      yield () => {
        const fault = resolveFault(run.state, step.fault, run.capabilities);
        if (!fault && !run.capabilities.faults.includes(capabilityOf(step.fault.f))) run.skip(`fault:${capabilityOf(step.fault.f)}`);
        return fault ? { type: 'fault', fault } : null;
      };
      return;
    case 'hs':
      yield () => {
        const scenario = scenarioFor(run.state, step.plan, run.capabilities, labelsOf);
        if (!scenario) {
          if (run.capabilities.handshakes.length === 0) run.skip('handshakes');
          return null;
        }
        return { type: 'handshake', scenario };
      };
      return;
    case 'sessions':
      yield () => {
        const scenarios = sessionsFor(run.state, step.plan, run.capabilities);
        if (!scenarios && run.capabilities.handshakes.length === 0) run.skip('handshakes');
        return scenarios ? { type: 'sessions', scenarios, order: step.plan.order } : null;
      };
      return;
    case 'race-alloc':
      yield () => {
        // socket(dss) from n processes on as many hosts as possible, all at once.
        const procs = spreadOverHosts(run.state, idleProcesses(run.state)).slice(0, step.n);
        if (procs.length < 2) return null;
        return { type: 'batch', calls: procs.map((process) => ({ process, call: { op: 'socket', family: 'dss' } })) };
      };
      return;
    case 'pair':
      yield* pair(run, step.family, step.a, step.b);
      return;
    case 'race-connect':
      yield* raceConnect(run, step.family, step.n);
      return;
    case 'conn-fault':
      yield* connFault(run, step.s, step.kind, step.then);
      return;
    case 'macro':
      yield* expandMacro({ get state() { return run.state; }, capabilities: run.capabilities }, step.macro);
      return;
  }
}

/**
 * A fault aimed at one connection, then a call at the end it did not hit: crash and recover one
 * end's process (the peer sees the recovery's reset), fail its STG (EIO), reset it, or partition
 * its hosts (healed after the call). Storage-system connections are chosen first.
 */
function* connFault(run: Run, sel: number, kind: 'crash' | 'stg-fail' | 'reset' | 'partition', then: 'recv' | 'send'): Generator<() => Command | null> {
  let victim: { proc: string; fd: number; stg: number | null } | undefined;
  let peer: { proc: string; fd: number } | undefined;
  let undo: Fault | null = null;
  yield () => {
    if (!run.capabilities.faults.includes(kind)) return null;
    const idle = new Set(idleProcesses(run.state));
    const ends = Object.values(run.state.socks)
      .filter((s) => s.conn !== null && !s.orphan && idle.has(s.proc))
      .map((s) => ({ sock: s, conn: run.state.conns[s.conn!] }))
      .map((e) => ({ ...e, other: e.conn?.ends[(1 - e.sock.side) as 0 | 1] }))
      .filter((e) => e.other && e.other.open && e.other.fd !== null && e.other.proc !== e.sock.proc && idle.has(e.other.proc))
      .filter((e) => (kind === 'stg-fail' ? e.sock.family === 'dss' : kind === 'partition' ? e.sock.family === 'net' && e.conn!.hosts[0] !== e.conn!.hosts[1] : true))
      .sort((a, b) => (a.sock.family === b.sock.family ? 0 : a.sock.family === 'dss' ? -1 : 1));
    const chosen = ends[sel % Math.max(1, ends.length)];
    if (!chosen) return null;
    victim = { proc: chosen.sock.proc, fd: chosen.sock.fd, stg: chosen.conn!.stg };
    peer = { proc: chosen.other!.proc, fd: chosen.other!.fd! };
    switch (kind) {
      case 'crash':
        undo = { kind: 'recover', process: victim.proc };
        return { type: 'fault', fault: { kind: 'crash', process: victim.proc } };
      case 'stg-fail':
        undo = { kind: 'stg-repair', stg: victim.stg! };
        return { type: 'fault', fault: { kind: 'stg-fail', stg: victim.stg! } };
      case 'reset':
        return { type: 'fault', fault: { kind: 'reset', process: victim.proc, fd: victim.fd } };
      case 'partition': {
        const hosts = chosen.conn!.hosts;
        const pair: [string, string] = hosts[0] < hosts[1] ? [hosts[0], hosts[1]] : [hosts[1], hosts[0]];
        undo = { kind: 'heal', hosts: pair };
        return { type: 'fault', fault: { kind: 'partition', hosts: pair } };
      }
    }
  };
  // A recovery comes before the call (the peer must see it); the other undoings after it.
  yield () => (kind === 'crash' && undo ? { type: 'fault', fault: undo } : null) ?? (victim ? { type: 'tick' } : null);
  yield () => {
    if (!peer || !run.state.procs[peer.proc]!.alive || run.state.procs[peer.proc]!.busy) return null;
    return { type: 'call', process: peer.proc, call: then === 'recv' ? { op: 'recv', fd: peer.fd, max: 4 } : { op: 'send', fd: peer.fd, data: '61' } };
  };
  yield () => (kind !== 'crash' && undo ? { type: 'fault', fault: undo } : null);
}

/** A listener, a connector, a connect and an accept: one connected pair. */
function* pair(run: Run, family: 'net' | 'dss', a: number, b: number): Generator<() => Command | null> {
  let listener: string | undefined;
  let connector: string | undefined;
  let lfd: number | undefined;
  let cfd: number | undefined;
  let before = new Set<number>();
  yield () => {
    const idle = idleProcesses(run.state);
    if (idle.length < 2) return null;
    listener = idle[a % idle.length]!;
    const others = idle.filter((p) => p !== listener);
    connector = others[b % others.length]!;
    before = fdsOf(run.state, listener);
    return { type: 'call', process: listener, call: { op: 'socket', family } };
  };
  yield () => {
    lfd = newestFd(run.state, listener!, before);
    if (lfd === undefined) return null;
    const stg = run.state.config.stgs[(a + b) % run.state.config.stgs.length]!.id;
    return { type: 'call', process: listener!, call: family === 'net' ? { op: 'bind', fd: lfd, port: 0 } : { op: 'bind', fd: lfd, stg, port: 0 } };
  };
  yield () => (run.state.socks[`${listener}:${lfd}`]?.local ? { type: 'call', process: listener!, call: { op: 'listen', fd: lfd!, backlog: 1 } } : null);
  yield () => {
    if (run.state.socks[`${listener}:${lfd}`]?.state !== 'listening') return null;
    before = fdsOf(run.state, connector!);
    return { type: 'call', process: connector!, call: { op: 'socket', family } };
  };
  yield () => {
    cfd = newestFd(run.state, connector!, before);
    const to = run.state.socks[`${listener}:${lfd}`]?.local;
    if (cfd === undefined || !to) return null;
    return { type: 'call', process: connector!, call: { op: 'connect', fd: cfd, to } };
  };
  yield () => (run.state.socks[`${connector}:${cfd}`]?.state === 'connected' ? { type: 'call', process: listener!, call: { op: 'accept', fd: lfd! } } : null);
}

/** n processes connect to one listener at once, while its owner accepts. */
function* raceConnect(run: Run, family: 'net' | 'dss', n: number): Generator<() => Command | null> {
  let listener: { proc: string; fd: number } | undefined;
  let connectors: string[] = [];
  const fresh = new Map<string, Set<number>>();
  yield () => {
    const idle = idleProcesses(run.state);
    const found = Object.values(run.state.socks).find((s) => s.state === 'listening' && s.family === family && idle.includes(s.proc));
    if (!found) return null;
    listener = { proc: found.proc, fd: found.fd };
    connectors = spreadOverHosts(run.state, idle.filter((p) => p !== found.proc)).slice(0, n);
    if (connectors.length < 2) return null;
    for (const p of connectors) fresh.set(p, fdsOf(run.state, p));
    return { type: 'batch', calls: connectors.map((process) => ({ process, call: { op: 'socket', family } })) };
  };
  yield () => {
    const to = run.state.socks[`${listener!.proc}:${listener!.fd}`]?.local;
    if (!to) return null;
    const calls = connectors
      .map((process) => ({ process, fd: newestFd(run.state, process, fresh.get(process)!) }))
      .filter((c): c is { process: string; fd: number } => c.fd !== undefined)
      .map((c) => ({ process: c.process, call: { op: 'connect' as const, fd: c.fd, to } }));
    if (calls.length === 0) return null;
    return { type: 'batch', calls: [...calls, { process: listener!.proc, call: { op: 'accept', fd: listener!.fd } }] };
  };
}
