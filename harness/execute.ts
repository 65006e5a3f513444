/**
 * Executes a plan: resolves each abstract step against the model's current
 * state, just before it runs, into concrete commands for the runner. Macro
 * steps (a connected pair, a race for control blocks, several connects to one
 * listener at once) expand into several commands, each resolved after the
 * previous one ran, so they can use the descriptors it returned.
 */
import type { Run } from './runner.ts';
import { type Command, type PlanStep, idleProcesses, resolveBatch, resolveCall, resolveFault, scenarioFor } from './plan.ts';
import { PROGRAMS, stepLabels, type State } from '../reference/index.ts';
import type { Role } from '../spec/messages.ts';
import { hostOf } from '../spec/config.ts';

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
  }
}

function spreadOverHosts(state: State, procs: readonly string[]): string[] {
  const byHost = new Map<string, string[]>();
  for (const p of procs) {
    const host = hostOf(state.config, p)!;
    byHost.set(host, [...(byHost.get(host) ?? []), p]);
  }
  const out: string[] = [];
  for (let round = 0; out.length < procs.length; round++) for (const list of byHost.values()) if (list[round]) out.push(list[round]!);
  return out;
}

function newestFd(state: State, process: string, before: ReadonlySet<number>): number | undefined {
  return Object.values(state.socks)
    .filter((s) => s.proc === process && !before.has(s.fd))
    .map((s) => s.fd)[0];
}

function fdsOf(state: State, process: string): Set<number> {
  return new Set(Object.values(state.socks).filter((s) => s.proc === process).map((s) => s.fd));
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
