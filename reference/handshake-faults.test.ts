/**
 * Handshakes under one fault (SPEC.md §10.7, HS-FAULT-*): for each
 * flow, each role and each of its step labels, the role is held before that
 * label, the world settles, one fault is injected, the role is resumed and
 * the clock ticks until both roles are done.
 *
 * Each case is judged against a baseline: the same hold with no fault. What
 * the roles do after the resume in the baseline says what the fault can
 * reach — a partition reaches the handshake only if a network send or
 * connect is still to come, a reset only if the connection is still sent
 * on, an STG failure only if an STP bind, listen, connect, send or recv is
 * still to come, a reserved table only if an STP socket or accept is. A
 * fault that cannot reach the roles leaves both established. One that can
 * fails the first role it reaches with the fault's own error (crash
 * ECANCELED, partition ETIMEDOUT, reset ECONNRESET/EPIPE, STG failure EIO,
 * exhausted table ENOBUFS), at a step whose call can give that error; the
 * other role then ends established or fails with a consequence of its
 * peer's failure (ETIMEDOUT, ECONNREFUSED, ECONNABORTED, ECONNRESET, EPIPE).
 *
 * Tolerated, as HS-FAULT-TOLERATED words it: a network delay d with
 * 2d + 1 <= stepTimeout and d <= connectTimeout (a reply takes a round
 * trip); a storage-system delay d <= stepTimeout, connectTimeout; a partition
 * healed p ticks after it began with p + 2 <= stepTimeout and
 * p < connectTimeout; a role held h ticks with h + 2 <= stepTimeout.
 *
 * Tick bound (written down as `tickBound` in testing/handshakes.ts): only a
 * role's blocking steps (recv, accept, connect) can wait, each at most
 * stepTimeout ticks, so a role ends within (its blocking steps) x
 * stepTimeout ticks of the resume: fs-server 6 x 5 = 30, fs-client 7 x 5 =
 * 35, db-server 5 x 5 = 25, db-client 5 x 5 = 25 with the test config.
 */
import { describe, expect, test } from 'vitest';
import type { WorldConfig } from '../spec/config.ts';
import type { ErrorCode, Fault, HandshakeOutcome, Op } from '../spec/messages.ts';
import { stepLabels, PROGRAMS } from './roles.ts';
import { FLOWS, type Flow, labelOps, layoutFds, layoutProblems, tickBound } from './testing/handshakes.ts';
import { CONFIG, Sim } from './testing/sim.ts';

/** The test config, and one whose two timeouts differ, so each clause of the tolerance bounds binds somewhere. */
const CONFIGS: readonly [string, WorldConfig][] = [
  ['default', CONFIG],
  ['stepTimeout 7, connectTimeout 4', { ...CONFIG, ticks: { stepTimeout: 7, connectTimeout: 4 } }],
];
const SIDES = ['server', 'client'] as const;
type SideName = (typeof SIDES)[number];

/** Which errors a step's call can give, by the op it makes. */
const ERRORS_BY_OP: Readonly<Record<Op['op'], readonly ErrorCode[]>> = {
  recv: ['ETIMEDOUT', 'ECONNABORTED', 'ECONNRESET', 'EIO'],
  accept: ['ETIMEDOUT', 'ENOBUFS'],
  connect: ['ECONNREFUSED', 'ETIMEDOUT', 'EIO'],
  send: ['EPIPE', 'ECONNRESET', 'EIO'],
  socket: ['ENOBUFS'],
  bind: ['EIO'],
  listen: ['EIO'],
  getsockname: [],
  close: [],
};
/** What a role fails with when its peer failed, was crashed, or went silent. */
const CONSEQUENCES: readonly ErrorCode[] = ['ETIMEDOUT', 'ECONNREFUSED', 'ECONNABORTED', 'ECONNRESET', 'EPIPE'];

type Kind = 'hold' | 'crash' | 'partition' | 'reset' | 'stg-fail' | 'cbt-reserve';

interface Variant {
  readonly name: string;
  readonly kind: Kind;
  readonly fault?: Fault;
  /** A partition is healed after this many ticks. */
  readonly healAfter?: number;
  /** The held role stays held this many ticks before the resume. */
  readonly heldFor?: number;
  /** The crashed role, for crash. */
  readonly crashed?: SideName;
  /** Both ends of the reset connection, as "process:fd". */
  readonly ends?: readonly string[];
}

interface Run {
  readonly sim: Sim;
  readonly ids: Record<SideName, number>;
  /** Index in sim.emissions where the resume (or the fault) begins. */
  readonly mark: number;
}

/** Start both roles (server first, in one step each), hold `held` before `label`, and settle and tick until it is held. */
function holdAt(config: WorldConfig, flow: Flow, held: SideName, label: string): Run {
  const T = config.ticks.stepTimeout;
  const sim = new Sim(config);
  const ids = {} as Record<SideName, number>;
  for (const side of SIDES) ids[side] = sim.handshake(flow[side].process, flow[side].role, flow[side].params, side === held ? [label] : []);
  for (let t = 0; t < 4 * T && !sim.emissions.some((e) => e.type === 'held'); t++) sim.tick();
  if (!sim.emissions.some((e) => e.type === 'held' && e.label === label)) throw new Error(`${flow[held].role} never reached ${label}`);
  return { sim, ids, mark: sim.emissions.length };
}

interface Ending {
  readonly outcomes: Record<SideName, HandshakeOutcome>;
  /** Ticks from the resume to each role's done. */
  readonly ticks: Record<SideName, number>;
  /** Sides in the order they reported done after the resume. */
  readonly order: SideName[];
  readonly sim: Sim;
}

function play(config: WorldConfig, flow: Flow, held: SideName, label: string, variant: Variant): Ending {
  const { sim, ids, mark } = holdAt(config, flow, held, label);
  if (variant.fault) sim.fault(variant.fault);
  sim.tick(variant.heldFor ?? 0);
  if (sim.state.roles[String(ids[held])]?.held) sim.apply({ type: 'resume', hs: ids[held] });
  const start = sim.state.now;
  const ticks = {} as Record<SideName, number>;
  const seen = () => SIDES.filter((side) => sim.done(ids[side]) && ticks[side] === undefined).forEach((side) => (ticks[side] = sim.state.now - start));
  seen();
  const limit = Math.max(tickBound(flow.server, config), tickBound(flow.client, config)) + 10;
  for (let t = 1; t <= limit && SIDES.some((side) => !sim.done(ids[side])); t++) {
    sim.tick();
    if (variant.healAfter === t) sim.fault({ kind: 'heal', hosts: ['srv', 'cli'] });
    seen();
  }
  if (variant.healAfter !== undefined && sim.state.partitions.length > 0) sim.fault({ kind: 'heal', hosts: ['srv', 'cli'] });
  const outcomes = {} as Record<SideName, HandshakeOutcome>;
  for (const side of SIDES) {
    const outcome = sim.done(ids[side]);
    if (!outcome) throw new Error(`${flow[side].role} is not done ${limit} ticks after the resume`);
    outcomes[side] = outcome;
  }
  const order = sim.emissions
    .slice(mark)
    .flatMap((e) => (e.type === 'done' ? [e.id === ids.server ? 'server' : 'client'] : [])) as SideName[];
  return { outcomes, ticks, order, sim };
}

/** The baseline's calls after the resume, as [process, fd, op]. */
function callsAfterResume(run: Run): [string, number | null, Op][] {
  return run.sim.emissions.slice(run.mark).flatMap((e) => (e.type === 'event' ? [[e.proc, 'fd' in e.op ? e.op.fd : null, e.op] as [string, number | null, Op]] : []));
}

function variantsAt(config: WorldConfig, flow: Flow, held: SideName, label: string) {
  const T = config.ticks.stepTimeout;
  const C = config.ticks.connectTimeout;
  const probe = holdAt(config, flow, held, label);
  const doneAtHold = { server: probe.sim.done(probe.ids.server) !== undefined, client: probe.sim.done(probe.ids.client) !== undefined };
  const labelAtHold = {} as Record<SideName, string>;
  for (const side of SIDES) labelAtHold[side] = probe.sim.state.roles[String(probe.ids[side])]?.label ?? '';
  const variants: Variant[] = [];
  // Tolerated (HS-FAULT-TOLERATED): each bound as the requirement words it.
  for (let h = 0; h + 2 <= T; h++) variants.push({ name: `held ${h} ticks`, kind: 'hold', heldFor: h });
  for (let d = 1; 2 * d + 1 <= T && d <= C; d++) variants.push({ name: `net delay ${d}`, kind: 'hold', fault: { kind: 'delay', channel: 'net', ticks: d } });
  for (let d = 1; d <= T && d <= C; d++) variants.push({ name: `dss delay ${d}`, kind: 'hold', fault: { kind: 'delay', channel: 'dss', ticks: d } });
  for (let p = 1; p + 2 <= T && p < C; p++) variants.push({ name: `partition healed after ${p}`, kind: 'hold', fault: { kind: 'partition', hosts: ['srv', 'cli'] }, healAfter: p });
  // Not tolerated (HS-FAULT-FAILS-AT-STEP).
  for (const side of SIDES) variants.push({ name: `crash of the ${side}`, kind: 'crash', fault: { kind: 'crash', process: flow[side].process }, crashed: side });
  for (const p of [T, T + 3]) variants.push({ name: `partition healed after ${p}`, kind: 'partition', fault: { kind: 'partition', hosts: ['srv', 'cli'] }, healAfter: p });
  const process = flow[held].process;
  for (const fd of probe.sim.fds(process)) {
    const sock = probe.sim.state.socks[`${process}:${fd}`]!;
    const conn = sock.conn === null ? undefined : probe.sim.state.conns[sock.conn];
    if (!conn) continue;
    const ends = conn.ends.flatMap((end) => (end.fd === null ? [] : [`${end.proc}:${end.fd}`]));
    variants.push({ name: `reset of ${process}:${fd}`, kind: 'reset', fault: { kind: 'reset', process, fd }, ends });
  }
  variants.push({ name: 'stg-fail', kind: 'stg-fail', fault: { kind: 'stg-fail', stg: 1 } });
  variants.push({ name: 'cbt-reserve of every block', kind: 'cbt-reserve', fault: { kind: 'cbt-reserve', count: config.cbt.capacity } });
  // The baseline: resume with no fault, and run to the end.
  probe.sim.apply({ type: 'resume', hs: probe.ids[held] });
  for (let t = 0; t < 20 * T && SIDES.some((side) => !probe.sim.done(probe.ids[side])); t++) probe.sim.tick();
  return { variants, baseline: probe, doneAtHold, labelAtHold };
}

/** Does the rest of the baseline need what the fault takes away? */
function reaches(config: WorldConfig, variant: Variant, calls: [string, number | null, Op][]): boolean {
  const net = (fd: number | null) => fd !== null && fd < config.fdBoundary;
  const dss = (fd: number | null) => fd !== null && fd >= config.fdBoundary;
  switch (variant.kind) {
    case 'partition':
      return calls.some(([, fd, op]) => net(fd) && (op.op === 'send' || op.op === 'connect'));
    case 'reset':
      return calls.some(([p, fd, op]) => op.op === 'send' && variant.ends!.includes(`${p}:${fd}`));
    case 'stg-fail':
      return calls.some(([, fd, op]) => dss(fd) && ['bind', 'listen', 'connect', 'send', 'recv'].includes(op.op));
    case 'cbt-reserve':
      return calls.some(([, fd, op]) => (op.op === 'socket' && op.family === 'dss') || (op.op === 'accept' && dss(fd)));
    default:
      return true;
  }
}

const PRIMARY: Partial<Record<Kind, readonly ErrorCode[]>> = {
  crash: ['ECANCELED'],
  partition: ['ETIMEDOUT'],
  reset: ['ECONNRESET', 'EPIPE'],
  'stg-fail': ['EIO'],
  'cbt-reserve': ['ENOBUFS'],
};

/** Everything that should not be, after both roles are done and every fault is undone. */
function leaks(config: WorldConfig, flow: Flow, ending: Ending, crashed: SideName | undefined): string[] {
  const { sim } = ending;
  const BOUNDARY = config.fdBoundary;
  for (const side of SIDES) if (!sim.state.procs[flow[side].process]!.alive) sim.fault({ kind: 'recover', process: flow[side].process });
  for (const channel of ['net', 'dss'] as const) sim.fault({ kind: 'undelay', channel });
  sim.fault({ kind: 'stg-repair', stg: 1 });
  sim.fault({ kind: 'cbt-release' });
  sim.tick(config.ticks.stepTimeout);
  const view = sim.inspect();
  const problems: string[] = [];
  const keep = new Map<string, number[]>();
  for (const side of SIDES) keep.set(flow[side].process, side === crashed ? [] : layoutFds(ending.outcomes[side]));
  for (const p of view.processes) {
    const held = p.sockets.map((s) => s.fd).join();
    const due = (keep.get(p.process) ?? []).sort((a, b) => a - b).join();
    if (held !== due) problems.push(`${p.process} holds [${held}] where [${due}] was due`);
  }
  const owners = view.cbt.blocks.flatMap((b) => (b.owner === null ? [] : ['reserved' in b.owner ? 'reserved' : `${b.owner.process}:${b.owner.fd}`])).sort();
  const dueOwners = [...keep].flatMap(([p, fds]) => fds.filter((fd) => fd >= BOUNDARY).map((fd) => `${p}:${fd}`)).sort();
  if (owners.join() !== dueOwners.join()) problems.push(`blocks owned by [${owners.join()}] where [${dueOwners.join()}] was due`);
  for (const port of [...view.ports.net, ...view.ports.dss]) {
    if (!(keep.get(port.process) ?? []).includes(port.fd)) problems.push(`${port.process}:${port.fd} holds port ${port.port}`);
  }
  if (Object.keys(sim.state.pending).length > 0) problems.push(`calls still pending: ${Object.keys(sim.state.pending).join()}`);
  return problems;
}

function judge(config: WorldConfig, flow: Flow, held: SideName, label: string, variant: Variant, ctx: ReturnType<typeof variantsAt>): string[] {
  const ending = play(config, flow, held, label, variant);
  const problems: string[] = [];
  const where = `${flow[held].role} held at ${label}, ${variant.name}`;
  const ops = { server: labelOps(flow.server, config), client: labelOps(flow.client, config) };
  for (const side of SIDES) {
    const bound = tickBound(flow[side], config);
    if (ending.ticks[side] > bound) problems.push(`${where}: ${flow[side].role} took ${ending.ticks[side]} ticks, bound ${bound}`);
  }
  const show = (side: SideName) => {
    const o = ending.outcomes[side];
    return o.status === 'failed' ? `failed@${o.label} ${o.error}` : 'established';
  };
  const got = `server ${show('server')}, client ${show('client')}`;
  const calls = callsAfterResume(ctx.baseline);
  if (variant.kind === 'hold' || !reaches(config, variant, calls)) {
    for (const side of SIDES) {
      if (variant.crashed === side) continue;
      if (ending.outcomes[side].status !== 'established') problems.push(`${where}: both should establish (${variant.kind === 'hold' ? 'tolerated' : 'the fault cannot reach them'}), got ${got}`);
    }
    for (const side of SIDES) {
      if (variant.crashed === side || ending.outcomes[side].status !== 'established') continue;
      // Tolerated faults leave a clean layout (a crash of the peer may have reset the connections in it).
      problems.push(...layoutProblems(ending.sim.inspect(), flow, flow[side].process, ending.outcomes[side], config.fdBoundary).map((p) => `${where}: ${p}`));
    }
  } else {
    const primary = PRIMARY[variant.kind]!;
    const failures = SIDES.filter((side) => ending.outcomes[side].status === 'failed');
    if (variant.crashed) {
      const crashed = variant.crashed;
      const other = crashed === 'server' ? 'client' : 'server';
      const due: HandshakeOutcome = ctx.doneAtHold[crashed]
        ? ending.outcomes[crashed]
        : { status: 'failed', label: crashed === held ? label : ctx.labelAtHold[crashed], error: 'ECANCELED' };
      if (ctx.doneAtHold[crashed] && due.status !== 'established') problems.push(`${where}: ${crashed} was established before the crash, got ${got}`);
      if (JSON.stringify(ending.outcomes[crashed]) !== JSON.stringify(due)) problems.push(`${where}: ${crashed} should be ${JSON.stringify(due)}, got ${got}`);
      // The crashed role was held, so the other one was waiting for it: it cannot establish.
      if (crashed === held && !ctx.doneAtHold[other] && ending.outcomes[other].status !== 'failed') problems.push(`${where}: ${other} cannot establish without its peer, got ${got}`);
    } else if (failures.length === 0) {
      problems.push(`${where}: the fault reaches the roles, yet ${got}`);
    } else {
      const first = ending.outcomes[ending.order.find((side) => ending.outcomes[side].status === 'failed')!];
      if (first.status === 'failed' && !primary.includes(first.error)) problems.push(`${where}: the first failure should be ${primary.join('/')}, got ${got}`);
    }
    for (const side of failures) {
      const outcome = ending.outcomes[side] as Extract<HandshakeOutcome, { status: 'failed' }>;
      if (variant.crashed === side) continue;
      const op = ops[side].get(outcome.label);
      if (!op) problems.push(`${where}: ${side} failed at ${outcome.label}, not a step of ${flow[side].role}`);
      else if (!ERRORS_BY_OP[op].includes(outcome.error)) problems.push(`${where}: ${side} failed at ${outcome.label} (${op}) with ${outcome.error}, which ${op} cannot give`);
      if (![...primary, ...CONSEQUENCES].includes(outcome.error)) problems.push(`${where}: ${side} failed with ${outcome.error}, not a ${variant.kind} error`);
    }
  }
  problems.push(...leaks(config, flow, ending, variant.crashed).map((p) => `${where}: ${p}`));
  return problems;
}

const CASES = CONFIGS.flatMap(([configName, config]) =>
  FLOWS.flatMap((flow) => SIDES.flatMap((held) => stepLabels(PROGRAMS[flow[held].role]).map((label) => [flow.name, flow[held].role, label, configName, config, flow, held] as const))),
);

describe('one fault at any step', () => {
  test('the tick bounds written down above are the ones the step tables give', () => {
    const bounds = FLOWS.flatMap((flow) => SIDES.map((side) => [flow[side].role, tickBound(flow[side], CONFIG)]));
    expect(Object.fromEntries(bounds)).toEqual({ 'fs-server': 30, 'fs-client': 35, 'db-server': 25, 'db-client': 25 });
  });

  test.each(CASES)(
    'HS-FAULT-TOLERATED, HS-FAULT-FAILS-AT-STEP, HS-HOLD-RESUME, HS-PEER-GONE, HS-FAIL-RELEASES, FAULT-NO-LEAK: %s handshake, %s held before %s (%s)',
    (_flowName, _role, label, _configName, config, flow, held) => {
      const ctx = variantsAt(config, flow, held, label);
      const problems = ctx.variants.flatMap((variant) => judge(config, flow, held, label, variant, ctx));
      expect(problems).toEqual([]);
    },
  );

  test('the table is not vacuous: every fault kind fails some role somewhere, and is not noticed somewhere else', () => {
    const seen = new Map<string, Set<string>>();
    for (const [, , label, , config, flow, held] of CASES.filter(([, , , configName], i) => configName === 'default' && i % 3 === 0)) {
      const ctx = variantsAt(config, flow, held, label);
      for (const variant of ctx.variants) {
        const ending = play(config, flow, held, label, variant);
        const failed = SIDES.some((side) => ending.outcomes[side].status === 'failed');
        const key = variant.kind === 'hold' ? variant.name.replace(/ \d+( ticks)?$/, '') : variant.kind;
        if (!seen.has(key)) seen.set(key, new Set());
        seen.get(key)!.add(failed ? 'failed' : 'established');
      }
    }
    for (const kind of ['crash', 'partition', 'reset', 'stg-fail', 'cbt-reserve']) expect([kind, [...seen.get(kind)!].sort()]).toEqual([kind, ['established', 'failed']]);
    for (const kind of ['held', 'partition healed after', 'net delay', 'dss delay']) expect([kind, [...seen.get(kind)!]]).toEqual([kind, ['established']]);
  });
});
