/**
 * Properties of the model itself, over random small worlds and random runs:
 * whatever sequence of calls, ticks and faults happens, the state the model
 * reaches after each settle keeps the invariants of SPEC.md chapters 2-6 and
 * 11, and tearing everything down leaks nothing.
 *
 * The run is generated as a list of plain numbers and interpreted against
 * the state as it goes (a state-aware generator): the first number picks the
 * kind of action, the others pick its arguments from what exists — open
 * descriptors, bound ports, listening addresses, connected sockets. A number
 * list shrinks well, and the interpretation keeps every action meaningful.
 * fast-check prints the seed and the shrunk list on failure; the failure
 * message carries the readable trace of the run.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { bytesToHex, hexToBytes } from '../spec/bytes.ts';
import { WorldConfig, fdRange } from '../spec/config.ts';
import type { Address, Fault, Op, Outcome } from '../spec/messages.ts';
import { describeEmission, describeFault, describeOp } from './describe.ts';
import { inspect } from './inspect.ts';
import { checkInvariants } from './invariants.ts';
import { type Action, enabledActions, pendingIds, settle, step } from './model.ts';
import { type State, initialState } from './state.ts';

// ── worlds ────────────────────────────────────────────────────────────────

const worldArb: fc.Arbitrary<WorldConfig> = fc
  .record({
    processes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
    capacity: fc.integer({ min: 1, max: 8 }),
    stgs: fc.array(fc.record({ length: fc.integer({ min: 1, max: 8 }), ports: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 2 }),
    netPorts: fc.integer({ min: 1, max: 4 }),
    connectTimeout: fc.integer({ min: 1, max: 4 }),
    stepTimeout: fc.integer({ min: 1, max: 4 }),
  })
  .map(({ processes, capacity, stgs, netPorts, connectTimeout, stepTimeout }) =>
    WorldConfig.parse({
      hosts: processes.map((count, h) => ({ name: `h${h}`, processes: Array.from({ length: count }, (_, p) => `p${h}${p}`) })),
      cbt: { capacity },
      stgs: stgs.map((stg, i) => ({ id: i + 1, length: stg.length, ports: [5000 + 10 * i, 5000 + 10 * i + stg.ports - 1] })),
      wkp: 7000,
      // A boundary of 8 leaves five network descriptors (3-7): the range runs out, too.
      fdBoundary: 8,
      netPorts: [40000, 40000 + netPorts - 1],
      ticks: { connectTimeout, stepTimeout },
      wellKnownString: '6f6b',
    }),
  );

// ── the state-aware generator ─────────────────────────────────────────────

/** One action as numbers: [kind, and four argument pickers]. */
type Seed = readonly [number, number, number, number, number];
const seedArb: fc.Arbitrary<Seed> = fc.tuple(fc.nat(99), fc.nat(), fc.nat(), fc.nat(), fc.nat());
const MAX_ACTIONS = 40;
// size 'max': without it fast-check 4 keeps arrays small (a median of 6 here), whatever maxLength says.
const runArb = fc.array(seedArb, { minLength: 1, maxLength: MAX_ACTIONS, size: 'max' });

const pick = <T>(items: readonly T[], n: number): T | undefined => (items.length === 0 ? undefined : items[n % items.length]);

/** Cumulative weights of the action kinds, out of 100. */
const KINDS: readonly [number, string][] = [
  [6, 'socket'],
  [13, 'bind'],
  [18, 'listen'],
  [26, 'connect'],
  [32, 'accept'],
  [44, 'send'],
  [56, 'recv'],
  [58, 'getsockname'],
  [65, 'close'],
  [67, 'stray'],
  [78, 'pair'],
  [88, 'tick'],
  [100, 'fault'],
];

function kindOf(n: number): string {
  return KINDS.find(([upTo]) => n < upTo)![1];
}

interface Ctx {
  readonly config: WorldConfig;
  readonly state: State;
}

function sockets(ctx: Ctx, proc?: string) {
  return Object.values(ctx.state.socks).filter((s) => (proc === undefined || s.proc === proc) && !s.orphan);
}

function listeningAddresses(ctx: Ctx): Address[] {
  return Object.values(ctx.state.socks).flatMap((s) => (s.state === 'listening' && s.local ? [s.local] : []));
}

function text(length: number, n: number): string {
  return Array.from({ length }, (_, i) => String.fromCharCode(97 + ((n + i) % 26))).join('');
}

/**
 * Interpret one seed as an action in this state, or null when nothing fits
 * (it is skipped). The interpretation leans towards what makes progress —
 * connect to a socket that listens, accept what is queued, send and recv on
 * connected sockets — so that connections, data and their faults are common.
 */
function actionFor(ctx: Ctx, seed: Seed, id: number): Action | null {
  const [k, a, b, c, d] = seed;
  const { config, state } = ctx;
  const kind = kindOf(k);
  if (kind === 'tick') return { type: 'tick' };
  if (kind === 'fault') {
    const fault = faultFor(ctx, a, b, c);
    return fault ? { type: 'fault', fault } : null;
  }
  if (kind === 'pair') return null;
  const free = Object.entries(state.procs).filter(([, p]) => p.alive && !p.busy).map(([name]) => name);
  // Pick the process among those that have what the kind of call needs, when some do.
  const live = (s: { conn: number | null }) => s.conn !== null && state.conns[s.conn] !== undefined;
  const wants: Record<string, (p: string) => boolean> = {
    accept: (p) => sockets(ctx, p).some((s) => s.state === 'listening' && s.queue.length > 0),
    send: (p) => sockets(ctx, p).some(live),
    recv: (p) => sockets(ctx, p).some(live),
  };
  const fitting = wants[kind] ? free.filter(wants[kind]) : [];
  const proc = pick(fitting.length > 0 && c % 4 !== 0 ? fitting : free, a);
  if (!proc) {
    // Every process is blocked or crashed: only the clock or a fault can move things on.
    const fault = faultFor(ctx, b, c, d);
    return c % 2 === 0 && fault ? { type: 'fault', fault } : { type: 'tick' };
  }
  const host = state.procs[proc]!.host;
  const own = sockets(ctx, proc);
  const sock = pick(own, b);
  const family = b % 2 === 0 ? 'net' : 'dss';
  const call = (op: Op): Action => ({ type: 'call', id, process: proc, call: op });
  const socketCall = (): Action => call({ op: 'socket', family });
  const bindCall = (fd: number, net: boolean): Action => {
    if (net) {
      const held = Object.values(state.socks).flatMap((s) => (s.local && 'host' in s.local && s.local.host === host ? [s.local.port] : []));
      return call({ op: 'bind', fd, port: pick([0, 0, config.wkp, config.netPorts[0] + (d % 4), ...held], c)! });
    }
    const stg = pick([...config.stgs.map((s) => s.id), ...(c % 10 === 0 ? [99] : [])], c)!;
    const range = config.stgs.find((s) => s.id === stg)?.ports ?? [5000, 5000];
    return call({ op: 'bind', fd, stg, port: pick([0, 0, range[0] + (d % 3), range[1] + 1], d)! });
  };
  /** Connect an idle socket to a listener; with no listener of its family, make it listen (binding an STP socket first). */
  const connectCall = (): Action => {
    const idle = pick(own.filter((s) => s.state === 'idle'), b);
    if (!idle) return socketCall();
    const targets = listeningAddresses(ctx).filter((t) => ('host' in t) === (idle.family === 'net'));
    if (targets.length > 0 && c % 5 !== 0) return call({ op: 'connect', fd: idle.fd, to: pick(targets, d)! });
    if (c % 5 === 0) {
      const to: Address = idle.family === 'net' ? { host: pick(config.hosts, d)!.name, port: config.wkp } : { stg: pick(config.stgs, d)!.id, port: 5000 };
      return call({ op: 'connect', fd: idle.fd, to });
    }
    if (idle.family === 'dss' && !idle.local) return bindCall(idle.fd, false);
    return call({ op: 'listen', fd: idle.fd, backlog: 1 + (c % 2) });
  };
  const connected = own.filter(live);
  const listeners = own.filter((s) => s.state === 'listening');
  if (!sock && kind !== 'stray') return socketCall();
  switch (kind) {
    case 'socket':
      // Keep descriptor tables small enough that each socket gets used; sometimes run the range out.
      return own.length < 3 || c % 8 === 0 ? socketCall() : connectCall();
    case 'bind':
      return bindCall(sock!.fd, sock!.family === 'net');
    case 'listen':
      return call({ op: 'listen', fd: sock!.fd, backlog: 1 + (c % 2) });
    case 'connect':
      return c % 7 === 0 ? call({ op: 'connect', fd: sock!.fd, to: pick(listeningAddresses(ctx), d) ?? { host, port: config.wkp } }) : connectCall();
    case 'accept': {
      const ready = listeners.filter((s) => s.queue.length > 0);
      const lis = pick(ready, b) ?? pick(listeners, b) ?? (c % 3 === 0 ? sock : undefined);
      return lis ? call({ op: 'accept', fd: lis.fd }) : connectCall();
    }
    case 'send': {
      const target = pick(connected, b) ?? (c % 3 === 0 ? sock : undefined);
      if (!target) return connectCall();
      const most = 2 * Math.max(...config.stgs.map((s) => s.length)) + 2;
      return call({ op: 'send', fd: target.fd, data: bytesToHex(text(1 + (c % most), d)) });
    }
    case 'recv': {
      const target = pick(connected, b) ?? (c % 3 === 0 ? sock : undefined);
      return target ? call({ op: 'recv', fd: target.fd, max: 1 + (c % 6) }) : connectCall();
    }
    case 'getsockname':
      return call({ op: 'getsockname', fd: sock!.fd });
    case 'close':
      return call({ op: 'close', fd: sock!.fd });
    case 'stray': {
      // A descriptor that is not open in this process, on either side of the boundary.
      const fd = pick([3, 4, 7, config.fdBoundary, config.fdBoundary + 1], c)!;
      if (state.socks[`${proc}:${fd}`]) return null;
      const ops: Op[] = [
        { op: 'close', fd },
        { op: 'recv', fd, max: 1 },
        { op: 'send', fd, data: '00' },
        { op: 'accept', fd },
        { op: 'listen', fd, backlog: 1 },
        { op: 'bind', fd, port: 0 },
        { op: 'getsockname', fd },
        { op: 'connect', fd, to: { host, port: config.wkp } },
      ];
      return call(pick(ops, d)!);
    }
  }
  return null;
}

function faultFor(ctx: Ctx, a: number, b: number, c: number): Fault | null {
  const { config, state } = ctx;
  const hosts = config.hosts.map((h) => h.name);
  const alive = Object.entries(state.procs).filter(([, p]) => p.alive).map(([name]) => name);
  const dead = Object.entries(state.procs).filter(([, p]) => !p.alive).map(([name]) => name);
  const connected = Object.values(state.socks).filter((s) => s.conn !== null && state.conns[s.conn] !== undefined);
  // A crashed process stays out of play until recovered: recover it often.
  if (dead.length > 0 && a % 4 === 0) return { kind: 'recover', process: pick(dead, b)! };
  switch (a % 11) {
    case 0:
      return alive.length > 0 ? { kind: 'crash', process: pick(alive, b)! } : null;
    case 1:
      return dead.length > 0 ? { kind: 'recover', process: pick(dead, b)! } : null;
    case 2:
    case 3: {
      if (hosts.length < 2) return null;
      const x = pick(hosts, b)!;
      const y = pick(hosts.filter((h) => h !== x), c)!;
      return { kind: a % 11 === 2 ? 'partition' : 'heal', hosts: [x, y] };
    }
    case 4: {
      const sock = pick(connected, b);
      return sock ? { kind: 'reset', process: sock.proc, fd: sock.fd } : null;
    }
    case 5:
      return { kind: 'stg-fail', stg: pick(config.stgs, b)!.id };
    case 6:
      return { kind: 'stg-repair', stg: pick(config.stgs, b)!.id };
    case 7:
      return { kind: 'cbt-reserve', count: 1 + (b % 3) };
    case 8:
      return { kind: 'cbt-release' };
    case 9:
      return { kind: 'delay', channel: b % 2 === 0 ? 'net' : 'dss', ticks: 1 + (c % 3) };
    default:
      return { kind: 'undelay', channel: b % 2 === 0 ? 'net' : 'dss' };
  }
}

// ── running and checking ──────────────────────────────────────────────────

class Run {
  state: State;
  readonly trace: string[] = [];
  /** Bytes sent toward, and received at, each connection end: "conn>side". */
  readonly sent = new Map<string, string>();
  readonly received = new Map<string, string>();
  /** Which stream a send or recv call belongs to, by call id. */
  private readonly streams = new Map<number, string>();
  private readonly results = new Map<number, Outcome>();
  private nextId = 1;
  applied = 0;

  constructor(readonly config: WorldConfig) {
    this.state = initialState(config);
  }

  id(): number {
    return this.nextId++;
  }

  apply(action: Action, choices: readonly number[] = []): void {
    if (action.type === 'call' && (action.call.op === 'send' || action.call.op === 'recv')) {
      const sock = this.state.socks[`${action.process}:${action.call.fd}`];
      if (sock && sock.conn !== null) {
        const toward = action.call.op === 'send' ? 1 - sock.side : sock.side;
        const stream = `${sock.conn}>${toward}`;
        this.streams.set(action.id, stream);
        if (action.call.op === 'send') this.sent.set(stream, (this.sent.get(stream) ?? '') + hexToBytes(action.call.data));
      }
    }
    this.trace.push(
      action.type === 'call' ? `${action.process}:${describeOp(action.call)} #${action.id}` : action.type === 'fault' ? describeFault(action.fault) : action.type,
    );
    const result = step(this.state, action, { choices });
    if (result.kind !== 'ok') throw new Error(`${this.trace.at(-1)} was ${result.kind}: ${result.kind === 'illegal' ? result.reason : result.violation.expected}\n${this.trace.join('\n')}`);
    this.applied += 1;
    const settled = settle(result.state);
    this.state = settled.state;
    for (const e of [...result.emissions, ...settled.emissions]) {
      this.trace.push(`  ${describeEmission(e)}`);
      if (e.type === 'result') this.results.set(e.id, e.outcome);
      if (e.type === 'result' && e.op.op === 'recv' && 'value' in e.outcome) {
        const stream = this.streams.get(e.id);
        const data = hexToBytes((e.outcome.value as { data: string }).data);
        if (stream) this.received.set(stream, (this.received.get(stream) ?? '') + data);
        else if (data.length > 0) throw new Error(`recv #${e.id} returned bytes on no connection`);
      }
    }
  }

  /** The outcome of raw call `id`, once it completed. */
  result(id: number): Outcome | undefined {
    return this.results.get(id);
  }

  /**
   * The "pair" macro: one process listens, another connects to it and the
   * first accepts — several calls from one seed, so that connected pairs
   * (and so data and the faults that act on it) are common. It stops at the
   * first call that fails or blocks.
   */
  pair(seed: Seed, check: () => void): void {
    const [, a, b, c, d] = seed;
    const free = Object.entries(this.state.procs).filter(([, p]) => p.alive && !p.busy).map(([name]) => name);
    const server = pick(free, a);
    if (!server) return;
    const client = pick(free.filter((p) => p !== server), b) ?? server;
    const family = c % 2 === 0 ? 'net' : 'dss';
    const call = (process: string, op: Op): Record<string, unknown> | undefined => {
      if (this.state.procs[process]!.busy || !this.state.procs[process]!.alive) return undefined;
      const id = this.id();
      this.apply({ type: 'call', id, process, call: op });
      check();
      const outcome = this.result(id);
      return outcome && 'value' in outcome ? (outcome.value as Record<string, unknown>) : undefined;
    };
    const lis = call(server, { op: 'socket', family })?.fd as number | undefined;
    if (lis === undefined) return;
    if (family === 'dss' && !call(server, { op: 'bind', fd: lis, stg: pick(this.config.stgs, d)!.id, port: 0 })) return;
    const address = call(server, { op: 'listen', fd: lis, backlog: 1 + (d % 2) })?.local as Address | undefined;
    if (!address) return;
    const fd = call(client, { op: 'socket', family })?.fd as number | undefined;
    if (fd === undefined) return;
    if (!call(client, { op: 'connect', fd, to: address })) return;
    if (!call(server, { op: 'accept', fd: lis })) return;
    if (d % 3 === 0) call(server, { op: 'close', fd: lis });
  }

  /** Every invariant, as sentences (none = all hold). */
  problems(): string[] {
    const { config, state } = this;
    const view = inspect(state);
    const problems = checkInvariants(config, view).map((b) => `${b.req}: ${b.message}`);
    // The table, counted from its slots.
    const owners = view.cbt.blocks.flatMap((b) => (b.owner && 'process' in b.owner ? [`${b.owner.process}:${b.owner.fd}`] : []));
    const free = view.cbt.blocks.filter((b) => b.owner === null).length;
    const allocated = view.cbt.blocks.length - free;
    if (view.cbt.blocks.length !== config.cbt.capacity || allocated + free !== config.cbt.capacity) problems.push(`CBT-CONSERVATION: ${allocated} + ${free} != ${config.cbt.capacity}`);
    if (state.cbt.filter((o) => o === null).length !== free) problems.push('CBT-CONSERVATION: inspect and the table disagree on free blocks');
    if (new Set(owners).size !== owners.length) problems.push(`CBT-UNIQUE-OWNER: ${owners.join(',')}`);
    const stp = view.processes.flatMap((p) => p.sockets.filter((s) => s.family === 'dss').map((s) => `${p.process}:${s.fd}`));
    for (const s of stp) if (owners.filter((o) => o === s).length !== 1) problems.push(`CBT-ALLOC-ON-REQUEST: ${s} owns ${owners.filter((o) => o === s).length} blocks`);
    for (const o of owners) if (!stp.includes(o)) problems.push(`FAULT-NO-LEAK: block owned by ${o}, which is not a live STP socket`);
    // Descriptors on their side of the boundary.
    for (const p of view.processes) {
      for (const s of p.sockets) {
        const [lo, hi] = fdRange(config, s.family);
        if (s.fd < lo || s.fd > hi) problems.push(`DISPATCH-FD-RANGE: ${p.process}:${s.fd} is ${s.family}`);
      }
    }
    // No port held twice in one scope.
    const ports = [...view.ports.net.map((p) => `${p.host}:${p.port}`), ...view.ports.dss.map((p) => `stg${p.stg}:${p.port}`)];
    if (new Set(ports).size !== ports.length) problems.push(`NET-BIND-INUSE/DSS-BIND-INUSE: ${ports.join(',')}`);
    // Received bytes are a prefix of sent bytes, per direction of each connection.
    for (const [stream, got] of this.received) {
      const sent = this.sent.get(stream) ?? '';
      if (!sent.startsWith(got)) problems.push(`DATA-PREFIX-IN-ORDER: ${stream} received ${JSON.stringify(got)} of ${JSON.stringify(sent)}`);
    }
    // Settled: nothing left to do without a tick; pending ids are exactly the pending raw calls.
    if (enabledActions(state).length > 0) problems.push('CLOCK-SETTLE-EXACT: actions still enabled after settle');
    const raw = Object.values(state.pending).filter((p) => p.role === null).map((p) => Number(p.key));
    if (pendingIds(state).join() !== raw.sort((x, y) => x - y).join()) problems.push('CLOCK-SETTLE-EXACT: pendingIds differ from the pending calls');
    return problems;
  }

  /** Undo every fault and end every process's sockets, by close or by crash and recover. */
  teardown(byCrash: boolean): void {
    const hosts = this.config.hosts.map((h) => h.name);
    for (const x of hosts) for (const y of hosts) if (x < y) this.apply({ type: 'fault', fault: { kind: 'heal', hosts: [x, y] } });
    for (const channel of ['net', 'dss'] as const) this.apply({ type: 'fault', fault: { kind: 'undelay', channel } });
    for (const stg of this.config.stgs) this.apply({ type: 'fault', fault: { kind: 'stg-repair', stg: stg.id } });
    this.apply({ type: 'fault', fault: { kind: 'cbt-release' } });
    for (const [name, proc] of Object.entries(this.state.procs)) {
      if (!proc.alive) this.apply({ type: 'fault', fault: { kind: 'recover', process: name } });
    }
    for (const name of Object.keys(this.state.procs)) {
      if (byCrash || this.state.procs[name]!.busy) {
        this.apply({ type: 'fault', fault: { kind: 'crash', process: name } });
        this.apply({ type: 'fault', fault: { kind: 'recover', process: name } });
      } else {
        for (const sock of Object.values(this.state.socks).filter((s) => s.proc === name)) {
          this.apply({ type: 'call', id: this.id(), process: name, call: { op: 'close', fd: sock.fd } });
        }
      }
    }
    // Let what is still in flight (sent under a delay) arrive and be dropped.
    for (let t = 0; t < 4; t++) this.apply({ type: 'tick' });
  }

  leaks(): string[] {
    const view = inspect(this.state);
    const problems: string[] = [];
    const owners = view.cbt.blocks.filter((b) => b.owner !== null);
    if (owners.length > 0) problems.push(`blocks still owned: ${JSON.stringify(owners)}`);
    if (view.ports.net.length + view.ports.dss.length > 0) problems.push(`ports still held: ${JSON.stringify(view.ports)}`);
    for (const p of view.processes) if (p.sockets.length > 0 || !p.alive) problems.push(`${p.process} still has ${p.sockets.length} sockets (alive: ${p.alive})`);
    if (Object.keys(this.state.conns).length > 0) problems.push(`connections left: ${Object.keys(this.state.conns).join(',')}`);
    if (Object.keys(this.state.pending).length > 0) problems.push(`calls left pending: ${Object.keys(this.state.pending).join(',')}`);
    if (this.state.flights.length > 0) problems.push(`transmissions left in flight: ${this.state.flights.length}`);
    return problems;
  }
}

function play(config: WorldConfig, seeds: readonly Seed[], picks: readonly number[]): Run {
  const run = new Run(config);
  const check = () => {
    const problems = run.problems();
    if (problems.length > 0) throw new Error(`${problems.join('\n')}\n-- trace --\n${run.trace.join('\n')}`);
  };
  seeds.forEach((seed, i) => {
    if (kindOf(seed[0]) === 'pair') return run.pair(seed, check);
    const action = actionFor({ config, state: run.state }, seed, run.id());
    if (!action) return;
    run.apply(action, picks.slice(i % picks.length));
    check();
  });
  return run;
}

const NUM_RUNS = 300;

describe('random worlds, random runs', () => {
  test('CBT-UNIQUE-OWNER, CBT-CONSERVATION, CBT-ALLOC-ON-REQUEST, CBT-NET-OWNS-NONE, DISPATCH-FD-RANGE, NET-BIND-INUSE, DSS-BIND-INUSE, DATA-PREFIX-IN-ORDER, CLOCK-SETTLE-EXACT: invariants hold after every settled step', () => {
    fc.assert(
      fc.property(worldArb, runArb, fc.array(fc.nat(3), { minLength: 1, maxLength: 8 }), (config, seeds, picks) => {
        play(config, seeds, picks);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('FAULT-NO-LEAK, CBT-FREE-ON-CLOSE, NET-CLOSE-FREES-PORT, FAULT-RECOVER-RECLAIMS: after closing everything, or crash and recover, nothing is held', () => {
    fc.assert(
      fc.property(worldArb, runArb, fc.array(fc.nat(3), { minLength: 1, maxLength: 8 }), fc.boolean(), (config, seeds, picks, byCrash) => {
        const run = play(config, seeds, picks);
        run.teardown(byCrash);
        const problems = [...run.problems(), ...run.leaks()];
        if (problems.length > 0) throw new Error(`${problems.join('\n')}\n-- trace --\n${run.trace.join('\n')}`);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('the generator is not trivial: runs are long, most seeds become actions, and every kind of action and outcome happens', () => {
    const samples = fc.sample(fc.tuple(worldArb, runArb), { numRuns: 200, seed: 42 });
    const lengths = samples.map(([, seeds]) => seeds.length).sort((x, y) => x - y);
    expect(lengths[Math.floor(lengths.length / 2)]!).toBeGreaterThanOrEqual(MAX_ACTIONS / 4);
    expect(lengths.at(-1)).toBe(MAX_ACTIONS);
    const seen = new Map<string, number>();
    const count = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);
    let seeds = 0;
    let skipped = 0;
    for (const [config, run] of samples) {
      const played = new Run(config);
      for (const seed of run) {
        seeds += 1;
        const kind = kindOf(seed[0]);
        if (kind === 'pair') {
          played.pair(seed, () => {});
          count('pair');
          continue;
        }
        const action = actionFor({ config, state: played.state }, seed, played.id());
        if (!action) {
          skipped += 1;
          continue;
        }
        played.apply(action);
        count(action.type === 'call' ? action.call.op : action.type === 'fault' ? action.fault.kind : action.type);
      }
      for (const line of played.trace) {
        const outcome = /^ {2}\w+:(\w+)\(.*->(.*)$/.exec(line);
        if (outcome) count(`${outcome[1]}->${/^E[A-Z]+$/.test(outcome[2]!) ? outcome[2] : outcome[2] === 'EOF' ? 'EOF' : 'ok'}`);
      }
    }
    expect(skipped / seeds).toBeLessThan(0.1);
    const due = ['socket', 'bind', 'listen', 'connect', 'accept', 'send', 'recv', 'getsockname', 'close', 'pair', 'tick'];
    due.push('crash', 'recover', 'partition', 'heal', 'reset', 'stg-fail', 'stg-repair', 'cbt-reserve', 'cbt-release', 'delay', 'undelay');
    due.push('connect->ok', 'accept->ok', 'send->ok', 'recv->ok', 'recv->EOF', 'recv->ECONNRESET', 'send->EPIPE', 'socket->ENOBUFS', 'recv->EIO');
    due.push('connect->ECONNREFUSED', 'connect->ETIMEDOUT', 'bind->EADDRINUSE', 'accept->ENOBUFS', 'recv->ECANCELED', 'close->EBADF');
    for (const what of due) expect([what, (seen.get(what) ?? 0) >= 5]).toEqual([what, true]);
  });
});
