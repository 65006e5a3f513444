/**
 * Plans: what fast-check generates. A plan is a list of abstract steps whose
 * arguments are selectors (small integers) rather than descriptors or ports;
 * each step is resolved against the model's current state just before it
 * runs, into concrete commands. So generation is state-dependent (a send
 * picks a connected socket when there is one), and every plan stays runnable
 * while fast-check shrinks it: a step with nothing to act on is skipped.
 */
import type { Fault, Op, Role } from '../../spec/messages.ts';
import { type WorldConfig, allProcesses, hostOf } from '../../spec/config.ts';
import { bytesToHex } from '../../spec/bytes.ts';
import type { State } from '../../reference/index.ts';

// ── the abstract steps ───────────────────────────────────────────────────

export type PortPick = 'dynamic' | 'wkp' | 'held' | 'range' | 'outside';

export type CallPlan =
  | { readonly c: 'socket'; readonly p: number; readonly family: 'net' | 'dss' }
  | { readonly c: 'bind'; readonly s: number; readonly port: PortPick; readonly n: number }
  | { readonly c: 'listen'; readonly s: number; readonly backlog: number }
  | { readonly c: 'accept'; readonly s: number }
  | { readonly c: 'connect'; readonly s: number; readonly to: number; readonly nobody: boolean }
  | { readonly c: 'send'; readonly s: number; readonly len: number; readonly byte: number }
  | { readonly c: 'recv'; readonly s: number; readonly max: number }
  | { readonly c: 'getsockname'; readonly s: number }
  | { readonly c: 'close'; readonly s: number }
  | { readonly c: 'stale'; readonly p: number; readonly op: 'send' | 'recv' | 'close' | 'accept'; readonly dss: boolean };

export type FaultPlan =
  | { readonly f: 'crash'; readonly p: number }
  | { readonly f: 'partition'; readonly a: number; readonly b: number }
  | { readonly f: 'heal' }
  | { readonly f: 'reset'; readonly s: number }
  | { readonly f: 'stg-fail'; readonly g: number }
  | { readonly f: 'stg-repair' }
  | { readonly f: 'cbt-reserve'; readonly n: number }
  | { readonly f: 'cbt-release' }
  | { readonly f: 'delay'; readonly channel: 'net' | 'dss'; readonly ticks: number }
  | { readonly f: 'undelay'; readonly channel: 'net' | 'dss' };

export type Deviation =
  | 'wrong-string'
  | 'wrong-echo'
  | 'bad-stg-id'
  | 'bad-stg-length'
  | 'swapped-stg'
  | 'bad-port'
  | 'unused-port'
  | 'silent';

export type ScenarioFault = 'crash-self' | 'crash-peer' | 'partition' | 'reset' | 'stg-fail' | 'cbt-exhaust' | 'delay-net' | 'delay-dss';

export interface HandshakePlan {
  readonly flow: 'fs' | 'db';
  /** Which roles the implementation plays; the harness plays the others through plain calls. */
  readonly impl: 'both' | 'server' | 'client';
  readonly server: number;
  readonly client: number;
  /** A deviation of the harness-played peer (only when the harness plays one). */
  readonly deviation: Deviation | null;
  readonly deviationAt: number;
  /** One fault, injected while an implementation role is held before a step. */
  readonly fault: ScenarioFault | null;
  readonly faultAt: number;
  /** Ticks the fault lasts (partition, delay) before it is undone. */
  readonly faultTicks: number;
  /** Start both roles at once instead of the listening side first. */
  readonly together: boolean;
}

export type PlanStep =
  | { readonly t: 'call'; readonly call: CallPlan }
  | { readonly t: 'batch'; readonly calls: readonly CallPlan[] }
  | { readonly t: 'pair'; readonly family: 'net' | 'dss'; readonly a: number; readonly b: number }
  | { readonly t: 'race-alloc'; readonly n: number }
  | { readonly t: 'race-connect'; readonly n: number; readonly family: 'net' | 'dss' }
  | { readonly t: 'conn-fault'; readonly s: number; readonly kind: 'crash' | 'stg-fail' | 'reset' | 'partition'; readonly then: 'recv' | 'send' }
  | { readonly t: 'tick'; readonly n: number }
  | { readonly t: 'fault'; readonly fault: FaultPlan }
  | { readonly t: 'hs'; readonly plan: HandshakePlan };

// ── concrete commands: what a run executes and a counterexample holds ─────

export interface CallCommand {
  readonly process: string;
  readonly call: Op;
}

export type Command =
  | { readonly type: 'call'; readonly process: string; readonly call: Op }
  | { readonly type: 'batch'; readonly calls: readonly CallCommand[] }
  | { readonly type: 'tick' }
  | { readonly type: 'fault'; readonly fault: Fault }
  | { readonly type: 'handshake'; readonly scenario: Scenario };

/** A handshake scenario with every choice made: processes, roles, deviation, fault. */
export interface Scenario {
  readonly flow: 'fs' | 'db';
  readonly server: { readonly process: string; readonly by: 'impl' | 'harness' };
  readonly client: { readonly process: string; readonly by: 'impl' | 'harness' };
  readonly stg: number;
  readonly deviation: { readonly kind: Deviation; readonly label: string } | null;
  readonly fault: { readonly kind: ScenarioFault; readonly side: 'server' | 'client'; readonly label: string; readonly ticks: number } | null;
  readonly together: boolean;
}

export function rolesOf(flow: 'fs' | 'db'): { server: Role; client: Role } {
  return flow === 'fs' ? { server: 'fs-server', client: 'fs-client' } : { server: 'db-server', client: 'db-client' };
}

// ── resolution against the model state ───────────────────────────────────

export interface Capabilities {
  readonly handshakes: readonly Role[];
  readonly faults: readonly string[];
}

interface SockInfo {
  readonly proc: string;
  readonly fd: number;
  readonly family: 'net' | 'dss';
  readonly state: string;
  readonly local: { host?: string; stg?: number; port: number } | null;
}

const pick = <T>(list: readonly T[], sel: number): T | undefined => (list.length === 0 ? undefined : list[Math.abs(sel) % list.length]);

/** Mostly from `preferred` (the interesting ones), one selector in eight from `all`, so the rest stay reachable. */
const pickPreferring = <T>(preferred: readonly T[], all: readonly T[], sel: number): T | undefined =>
  preferred.length > 0 && sel % 8 !== 7 ? pick(preferred, sel) : pick(all, sel);

function idleProcesses(state: State): string[] {
  return allProcesses(state.config).filter((p) => state.procs[p]!.alive && state.procs[p]!.busy === null);
}

function sockets(state: State, procs: readonly string[]): SockInfo[] {
  const allowed = new Set(procs);
  return Object.values(state.socks)
    .filter((s) => allowed.has(s.proc) && !s.orphan)
    .map((s) => ({ proc: s.proc, fd: s.fd, family: s.family, state: s.state, local: s.local as SockInfo['local'] }))
    .sort((a, b) => (a.proc === b.proc ? a.fd - b.fd : a.proc < b.proc ? -1 : 1));
}

/** Prefer the sockets a call is meant for; a high selector reaches the others too (wrong-state errors). */
function chooseSock(all: readonly SockInfo[], preferred: (s: SockInfo) => boolean, sel: number): SockInfo | undefined {
  const good = all.filter(preferred);
  if (good.length > 0 && sel % 8 !== 7) return pick(good, Math.floor(sel / 8) + (sel % 8));
  return pick(all, sel);
}

function connectedEnd(state: State, sock: SockInfo): { rx: number } | null {
  const s = state.socks[`${sock.proc}:${sock.fd}`];
  if (!s || s.conn === null) return null;
  const end = state.conns[s.conn]?.ends[s.side];
  return end ? { rx: end.rx.length } : null;
}

export function resolveCall(state: State, plan: CallPlan, procs: readonly string[]): CallCommand | null {
  const config = state.config;
  const all = sockets(state, procs);
  switch (plan.c) {
    case 'socket': {
      const process = pick(procs, plan.p);
      return process ? { process, call: { op: 'socket', family: plan.family } } : null;
    }
    case 'bind': {
      const sock = chooseSock(all, (s) => s.local === null, plan.s);
      if (!sock) return null;
      const port = bindPort(state, sock, plan.port, plan.n);
      const stg = sock.family === 'dss' ? config.stgs[Math.abs(plan.n) % config.stgs.length]!.id : undefined;
      return { process: sock.proc, call: stg === undefined ? { op: 'bind', fd: sock.fd, port } : { op: 'bind', fd: sock.fd, stg, port } };
    }
    case 'listen': {
      const sock = chooseSock(all, (s) => s.state === 'idle' && (s.family === 'net' || s.local !== null), plan.s);
      return sock ? { process: sock.proc, call: { op: 'listen', fd: sock.fd, backlog: 1 + (Math.abs(plan.backlog) % 3) } } : null;
    }
    case 'accept': {
      const sock = chooseSock(all, (s) => s.state === 'listening' && hasQueued(state, s), plan.s) ?? undefined;
      const fallback = sock ?? chooseSock(all, (s) => s.state === 'listening', plan.s);
      return fallback ? { process: fallback.proc, call: { op: 'accept', fd: fallback.fd } } : null;
    }
    case 'connect': {
      const sock = chooseSock(all, (s) => s.state === 'idle', plan.s);
      if (!sock) return null;
      const listeners = Object.values(state.socks).filter((s) => s.state === 'listening' && s.family === sock.family && s.local);
      const compatible = listeners.filter((l) => sock.family === 'net' || !sock.local || (sock.local.stg === (l.local as { stg: number }).stg));
      const target = plan.nobody ? undefined : pick(compatible, plan.to);
      if (target?.local) return { process: sock.proc, call: { op: 'connect', fd: sock.fd, to: target.local } };
      // Nobody listens there: ECONNREFUSED.
      if (sock.family === 'net') {
        const host = pick(config.hosts, plan.to)!.name;
        return { process: sock.proc, call: { op: 'connect', fd: sock.fd, to: { host, port: config.wkp + 2 + (Math.abs(plan.to) % 3) } } };
      }
      const stg = sock.local?.stg ?? pick(config.stgs, plan.to)!.id;
      const range = config.stgs.find((g) => g.id === stg)!.ports;
      return { process: sock.proc, call: { op: 'connect', fd: sock.fd, to: { stg, port: range[1] - (Math.abs(plan.to) % (range[1] - range[0] + 1)) } } };
    }
    case 'send': {
      const sock = chooseSock(all, (s) => s.state === 'connected', plan.s);
      if (!sock) return null;
      const len = 1 + (Math.abs(plan.len) % (sock.family === 'dss' ? 2 * maxStgLength(config) : 12));
      let data = '';
      for (let i = 0; i < len; i++) data += String.fromCharCode(97 + ((plan.byte + i) % 26));
      return { process: sock.proc, call: { op: 'send', fd: sock.fd, data: bytesToHex(data) } };
    }
    case 'recv': {
      const sock = chooseSock(all, (s) => s.state === 'connected' && (connectedEnd(state, s)?.rx ?? 0) > 0, plan.s) ?? undefined;
      const fallback = sock ?? chooseSock(all, (s) => s.state === 'connected', plan.s);
      return fallback ? { process: fallback.proc, call: { op: 'recv', fd: fallback.fd, max: 1 + (Math.abs(plan.max) % 16) } } : null;
    }
    case 'getsockname': {
      const sock = pick(all, plan.s);
      return sock ? { process: sock.proc, call: { op: 'getsockname', fd: sock.fd } } : null;
    }
    case 'close': {
      const sock = pick(all, plan.s);
      return sock ? { process: sock.proc, call: { op: 'close', fd: sock.fd } } : null;
    }
    case 'stale': {
      const process = pick(procs, plan.p);
      if (!process) return null;
      // The lowest descriptor on that side that is not open: EBADF, whichever side of the boundary.
      const base = plan.dss ? config.fdBoundary : 3;
      let fd = base;
      while (state.socks[`${process}:${fd}`]) fd++;
      const call: Op =
        plan.op === 'send'
          ? { op: 'send', fd, data: '61' }
          : plan.op === 'recv'
            ? { op: 'recv', fd, max: 4 }
            : plan.op === 'close'
              ? { op: 'close', fd }
              : { op: 'accept', fd };
      return { process, call };
    }
  }
}

function hasQueued(state: State, sock: SockInfo): boolean {
  return (state.socks[`${sock.proc}:${sock.fd}`]?.queue.length ?? 0) > 0;
}

function maxStgLength(config: WorldConfig): number {
  return Math.max(...config.stgs.map((s) => s.length));
}

function bindPort(state: State, sock: SockInfo, pickKind: PortPick, n: number): number {
  const config = state.config;
  if (pickKind === 'dynamic') return 0;
  if (sock.family === 'net') {
    const host = hostOf(config, sock.proc)!;
    const held = Object.values(state.socks).filter((s) => s.local && 'host' in s.local && s.local.host === host).map((s) => s.local!.port);
    if (pickKind === 'wkp') return config.wkp + (Math.abs(n) % 2);
    if (pickKind === 'held' && held.length > 0) return held[Math.abs(n) % held.length]!;
    const [lo, hi] = config.netPorts;
    return lo + (Math.abs(n) % (hi - lo + 1));
  }
  const stg = config.stgs[Math.abs(n) % config.stgs.length]!;
  const held = Object.values(state.socks).filter((s) => s.local && 'stg' in s.local && s.local.stg === stg.id).map((s) => s.local!.port);
  if (pickKind === 'held' && held.length > 0) return held[Math.abs(n) % held.length]!;
  if (pickKind === 'outside') return stg.ports[1] + 1 + (Math.abs(n) % 3);
  return stg.ports[0] + (Math.abs(n) % (stg.ports[1] - stg.ports[0] + 1));
}

/** A batch: each call from a different idle process. */
export function resolveBatch(state: State, plans: readonly CallPlan[]): CallCommand[] {
  const calls: CallCommand[] = [];
  const used = new Set<string>();
  for (const plan of plans) {
    const procs = idleProcesses(state).filter((p) => !used.has(p));
    const call = resolveCall(state, plan, procs);
    if (!call) continue;
    used.add(call.process);
    calls.push(call);
  }
  return calls;
}

export function resolveFault(state: State, plan: FaultPlan, capabilities: Capabilities): Fault | null {
  const config = state.config;
  const has = (capability: string): boolean => capabilities.faults.includes(capability);
  switch (plan.f) {
    case 'crash': {
      if (!has('crash')) return null;
      const dead = allProcesses(config).filter((p) => !state.procs[p]!.alive);
      if (dead.length > 0) return { kind: 'recover', process: dead[0]! };
      // A crash matters most to a process with connections (its peers see the teardown).
      const connected = allProcesses(config).filter((p) => Object.values(state.socks).some((s) => s.proc === p && s.conn !== null));
      const process = pickPreferring(connected, allProcesses(config), plan.p);
      return process ? { kind: 'crash', process } : null;
    }
    case 'partition': {
      if (!has('partition') || config.hosts.length < 2) return null;
      const a = pick(config.hosts, plan.a)!.name;
      const others = config.hosts.filter((h) => h.name !== a);
      const b = pick(others, plan.b)!.name;
      return { kind: 'partition', hosts: a < b ? [a, b] : [b, a] };
    }
    case 'heal': {
      const link = state.partitions[0];
      if (!has('partition') || !link) return null;
      const [a, b] = link.split('|') as [string, string];
      return { kind: 'heal', hosts: [a, b] };
    }
    case 'reset': {
      if (!has('reset')) return null;
      const connected = Object.values(state.socks).filter((s) => s.conn !== null && state.conns[s.conn] && !s.orphan);
      const sock = pick(connected, plan.s);
      return sock ? { kind: 'reset', process: sock.proc, fd: sock.fd } : null;
    }
    case 'stg-fail': {
      if (!has('stg-fail')) return null;
      // An STG carrying connections is the interesting one to fail.
      const busy = config.stgs.filter((g) => Object.values(state.conns).some((c) => c.stg === g.id));
      return { kind: 'stg-fail', stg: pickPreferring(busy, config.stgs, plan.g)!.id };
    }
    case 'stg-repair': {
      const stg = state.failedStgs[0];
      return has('stg-fail') && stg !== undefined ? { kind: 'stg-repair', stg } : null;
    }
    case 'cbt-reserve':
      return has('cbt-reserve') ? { kind: 'cbt-reserve', count: 1 + (Math.abs(plan.n) % config.cbt.capacity) } : null;
    case 'cbt-release':
      return has('cbt-reserve') && state.cbt.includes('#reserved') ? { kind: 'cbt-release' } : null;
    case 'delay':
      return has('delay') ? { kind: 'delay', channel: plan.channel, ticks: 1 + (Math.abs(plan.ticks) % 3) } : null;
    case 'undelay':
      return has('delay') && state.delay[plan.channel] > 0 ? { kind: 'undelay', channel: plan.channel } : null;
  }
}

/** Labels of a role at which a scenario may hold it (every step label). */
export function scenarioFor(state: State, plan: HandshakePlan, capabilities: Capabilities, labelsOf: (role: Role) => string[]): Scenario | null {
  const config = state.config;
  const roles = rolesOf(plan.flow);
  const idle = idleProcesses(state);
  const server = pick(idle, plan.server);
  if (!server) return null;
  const serverHost = hostOf(config, server)!;
  const client = pick(
    idle.filter((p) => hostOf(config, p) !== serverHost),
    plan.client,
  );
  if (!client) return null;
  const canServer = capabilities.handshakes.includes(roles.server);
  const canClient = capabilities.handshakes.includes(roles.client);
  let serverBy: 'impl' | 'harness' = plan.impl === 'client' ? 'harness' : 'impl';
  let clientBy: 'impl' | 'harness' = plan.impl === 'server' ? 'harness' : 'impl';
  if (!canServer) serverBy = 'harness';
  if (!canClient) clientBy = 'harness';
  if (serverBy === 'harness' && clientBy === 'harness') return null;
  const stg = pick(config.stgs, plan.server + plan.client)!.id;
  let deviation: Scenario['deviation'] = null;
  if (plan.deviation && (serverBy === 'harness' || clientBy === 'harness')) {
    const playedRole = serverBy === 'harness' ? roles.server : roles.client;
    const label = deviationLabel(plan.flow, playedRole, plan.deviation, plan.deviationAt, labelsOf);
    if (label) deviation = { kind: plan.deviation, label };
  }
  let fault: Scenario['fault'] = null;
  if (plan.fault) {
    const side: 'server' | 'client' = serverBy === 'impl' && (clientBy !== 'impl' || plan.faultAt % 2 === 0) ? 'server' : 'client';
    const labels = labelsOf(side === 'server' ? roles.server : roles.client);
    const needs: Record<ScenarioFault, string> = {
      'crash-self': 'crash',
      'crash-peer': 'crash',
      partition: 'partition',
      reset: 'reset',
      'stg-fail': 'stg-fail',
      'cbt-exhaust': 'cbt-reserve',
      'delay-net': 'delay',
      'delay-dss': 'delay',
    };
    if (capabilities.faults.includes(needs[plan.fault])) {
      fault = { kind: plan.fault, side, label: pick(labels, plan.faultAt)!, ticks: Math.abs(plan.faultTicks) % (config.ticks.stepTimeout + 2) };
    }
  }
  return {
    flow: plan.flow,
    server: { process: server, by: serverBy },
    client: { process: client, by: clientBy },
    stg,
    deviation,
    fault,
    together: plan.together,
  };
}

/** Where each deviation can happen, per played role. */
const DEVIATION_LABELS: Readonly<Record<Role, Partial<Record<Deviation, readonly string[]>>>> = {
  'fs-server': {
    'wrong-string': ['90'],
    'wrong-echo': ['100'],
    'bad-stg-id': ['138'],
    'bad-stg-length': ['138'],
    'swapped-stg': ['138'],
  },
  'fs-client': { 'bad-port': ['170'], 'unused-port': ['170'] },
  'db-server': {
    'wrong-string': ['226'],
    'bad-stg-id': ['236'],
    'bad-stg-length': ['236'],
    'swapped-stg': ['236'],
  },
  'db-client': { 'bad-port': ['196', '210'], 'unused-port': ['196', '210'] },
};

function deviationLabel(flow: 'fs' | 'db', role: Role, deviation: Deviation, at: number, labelsOf: (role: Role) => string[]): string | null {
  void flow;
  if (deviation === 'silent') return pick(labelsOf(role), at) ?? null;
  return pick(DEVIATION_LABELS[role][deviation] ?? [], at) ?? null;
}

export { idleProcesses };
