/**
 * fast-check arbitraries: worlds, and plans of abstract steps (plan.ts). Every
 * arbitrary shrinks toward the small and the simple: fewer hosts, a smaller
 * table, shorter plans, selectors toward 0 (the first, most typical choice).
 *
 * Weights say how often each kind of step comes up; a property picks weights
 * that reach its chapter's requirements, the deep ones included.
 */
import fc from 'fast-check';
import type { WorldConfig } from '../../spec/config.ts';
import type { CallPlan, FaultPlan, HandshakePlan, MacroPlan, PlanStep, PortPick, ScenarioFault, SessionsPlan, Deviation, WrongCall } from './plan.ts';

const HOSTS = [
  { name: 'srv', prefix: 'S' },
  { name: 'cli', prefix: 'C' },
  { name: 'h3', prefix: 'P' },
  { name: 'h4', prefix: 'Q' },
] as const;

export interface WorldShape {
  readonly hosts?: { min: number; max: number };
  readonly processes?: { min: number; max: number };
  readonly capacity?: { min: number; max: number };
  readonly stgs?: { min: number; max: number };
  readonly length?: { min: number; max: number };
  /** How many dynamic network ports each host has. */
  readonly netPorts?: { min: number; max: number };
  /** How many ports each STG offers. */
  readonly stgPorts?: { min: number; max: number };
}

export function worldArb(shape: WorldShape = {}): fc.Arbitrary<WorldConfig> {
  const hosts = shape.hosts ?? { min: 2, max: 4 };
  const processes = shape.processes ?? { min: 1, max: 4 };
  const capacity = shape.capacity ?? { min: 1, max: 64 };
  const stgs = shape.stgs ?? { min: 1, max: 3 };
  const length = shape.length ?? { min: 4, max: 24 };
  const smallCapacity = Math.min(capacity.max, Math.max(capacity.min, 8));
  return fc
    .record({
      perHost: fc.array(fc.integer(processes), { minLength: hosts.min, maxLength: hosts.max }),
      capacity: fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: capacity.min, max: smallCapacity }) },
        { weight: 1, arbitrary: fc.integer({ min: smallCapacity, max: capacity.max }) },
      ),
      stgs: fc.array(fc.record({ length: fc.integer(length), ports: fc.integer(shape.stgPorts ?? { min: 2, max: 6 }) }), { minLength: stgs.min, maxLength: stgs.max }),
      netPorts: fc.integer(shape.netPorts ?? { min: 3, max: 8 }),
      boundary: fc.constantFrom(1024, 64),
      connectTimeout: fc.integer({ min: 2, max: 5 }),
      stepTimeout: fc.integer({ min: 3, max: 6 }),
      wks: fc.oneof({ weight: 5, arbitrary: fc.constant('3030303030303030') }, { weight: 1, arbitrary: fc.uint8Array({ minLength: 2, maxLength: 8 }).map(hex) }),
    })
    .map((r) => ({
      hosts: r.perHost.map((count, h) => ({
        name: HOSTS[h]!.name,
        processes: Array.from({ length: count }, (_, i) => (i === 0 ? HOSTS[h]!.prefix : `${HOSTS[h]!.prefix}${i + 1}`)),
      })),
      cbt: { capacity: r.capacity },
      stgs: r.stgs.map((s, i) => ({ id: i + 1, length: s.length, ports: [5000 + 100 * i, 5000 + 100 * i + s.ports - 1] as [number, number] })),
      wkp: 7000,
      fdBoundary: r.boundary,
      netPorts: [40000, 40000 + r.netPorts - 1] as [number, number],
      ticks: { connectTimeout: r.connectTimeout, stepTimeout: r.stepTimeout },
      wellKnownString: r.wks,
    }));
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const sel = fc.nat({ max: 63 });

export interface CallWeights {
  readonly socket?: number;
  readonly bind?: number;
  readonly listen?: number;
  readonly accept?: number;
  readonly connect?: number;
  readonly send?: number;
  readonly recv?: number;
  readonly getsockname?: number;
  readonly close?: number;
  readonly stale?: number;
  /** A call aimed at one of its error branches (plan.ts `WrongCall`). */
  readonly wrong?: number;
  /** Share of storage-system sockets among new ones, 0..1. */
  readonly dss?: number;
}

export function callPlanArb(w: CallWeights = {}): fc.Arbitrary<CallPlan> {
  const dssShare = Math.round((w.dss ?? 0.5) * 10);
  const family = fc.oneof({ weight: 10 - dssShare || 0, arbitrary: fc.constant('net' as const) }, { weight: dssShare || 0, arbitrary: fc.constant('dss' as const) });
  const port: fc.Arbitrary<PortPick> = fc.oneof(
    { weight: 6, arbitrary: fc.constant('dynamic' as const) },
    { weight: 2, arbitrary: fc.constant('range' as const) },
    { weight: 1, arbitrary: fc.constant('wkp' as const) },
    { weight: 1, arbitrary: fc.constant('held' as const) },
    { weight: 1, arbitrary: fc.constant('outside' as const) },
  );
  const arms: { weight: number; arbitrary: fc.Arbitrary<CallPlan> }[] = [
    { weight: w.socket ?? 4, arbitrary: fc.record({ c: fc.constant('socket' as const), p: sel, family }) },
    { weight: w.bind ?? 3, arbitrary: fc.record({ c: fc.constant('bind' as const), s: sel, port, n: sel }) },
    { weight: w.listen ?? 3, arbitrary: fc.record({ c: fc.constant('listen' as const), s: sel, backlog: fc.nat({ max: 2 }) }) },
    { weight: w.accept ?? 3, arbitrary: fc.record({ c: fc.constant('accept' as const), s: sel }) },
    { weight: w.connect ?? 3, arbitrary: fc.record({ c: fc.constant('connect' as const), s: sel, to: sel, nobody: fc.boolean() }) },
    { weight: w.send ?? 4, arbitrary: fc.record({ c: fc.constant('send' as const), s: sel, len: fc.nat({ max: 47 }), byte: fc.nat({ max: 25 }) }) },
    { weight: w.recv ?? 4, arbitrary: fc.record({ c: fc.constant('recv' as const), s: sel, max: fc.nat({ max: 15 }) }) },
    { weight: w.getsockname ?? 1, arbitrary: fc.record({ c: fc.constant('getsockname' as const), s: sel }) },
    { weight: w.close ?? 2, arbitrary: fc.record({ c: fc.constant('close' as const), s: sel }) },
    {
      weight: w.stale ?? 1,
      arbitrary: fc.record({ c: fc.constant('stale' as const), p: sel, op: fc.constantFrom('send' as const, 'recv' as const, 'close' as const, 'accept' as const), dss: fc.boolean() }),
    },
    { weight: w.wrong ?? 2, arbitrary: wrongCallArb },
  ];
  return fc.oneof(...arms.filter((a) => a.weight > 0));
}

const WRONG_OPS: readonly WrongCall['op'][] = ['connect', 'bind', 'listen', 'accept', 'send', 'recv', 'getsockname', 'close'];

/** Connect and bind have the most error branches (SPEC.md §3.3, §4.2), so they are aimed at most often. */
const wrongCallArb: fc.Arbitrary<CallPlan> = fc.record({
  c: fc.constant('wrong' as const),
  op: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...WRONG_OPS.slice(0, 2)) }, { weight: 2, arbitrary: fc.constantFrom(...WRONG_OPS.slice(2)) }),
  k: fc.nat({ max: 7 }),
  s: sel,
  n: sel,
});

export function faultPlanArb(kinds: readonly FaultPlan['f'][] = ['crash', 'partition', 'heal', 'reset', 'stg-fail', 'stg-repair', 'cbt-reserve', 'cbt-release', 'delay', 'undelay']): fc.Arbitrary<FaultPlan> {
  const channel = fc.constantFrom('net' as const, 'dss' as const);
  const all: Record<FaultPlan['f'], fc.Arbitrary<FaultPlan>> = {
    crash: fc.record({ f: fc.constant('crash' as const), p: sel }),
    partition: fc.record({ f: fc.constant('partition' as const), a: sel, b: sel }),
    heal: fc.record({ f: fc.constant('heal' as const), a: sel }),
    reset: fc.record({ f: fc.constant('reset' as const), s: sel }),
    'stg-fail': fc.record({ f: fc.constant('stg-fail' as const), g: sel }),
    'stg-repair': fc.constant({ f: 'stg-repair' as const }),
    'cbt-reserve': fc.record({ f: fc.constant('cbt-reserve' as const), n: sel }),
    'cbt-release': fc.constant({ f: 'cbt-release' as const }),
    // Up to connectTimeout + 2 ticks once resolved: a delayed request can outlast its connect.
    delay: fc.record({ f: fc.constant('delay' as const), channel, ticks: fc.nat({ max: 7 }) }),
    undelay: fc.record({ f: fc.constant('undelay' as const), channel }),
  };
  return fc.oneof(...kinds.map((k) => all[k]));
}

export interface HandshakeShape {
  readonly flows?: readonly ('fs' | 'db')[];
  /** Weight of scenarios with a harness-played peer that deviates. */
  readonly deviations?: number;
  /** Weight of scenarios with a fault at a held step. */
  readonly faults?: number;
  /** Weight of plain scenarios. */
  readonly plain?: number;
}

const DEVIATIONS: readonly Deviation[] = ['wrong-string', 'wrong-echo', 'bad-stg-id', 'bad-stg-length', 'swapped-stg', 'bad-port', 'unused-port', 'silent'];
const SCENARIO_FAULTS: readonly ScenarioFault[] = ['crash-self', 'crash-peer', 'partition', 'reset', 'stg-fail', 'cbt-exhaust', 'delay-net', 'delay-dss'];

export function handshakePlanArb(shape: HandshakeShape = {}): fc.Arbitrary<HandshakePlan> {
  const flow = fc.constantFrom(...(shape.flows ?? ['fs', 'db']));
  const base = {
    flow,
    server: sel,
    client: sel,
    // Uniform: the deviations a client can make are picked from a short list (plan.ts ownDeviations).
    deviationAt: fc.noBias(sel),
    // Uniform, not biased to small values: the last steps of a role are as likely as the first.
    faultAt: fc.noBias(sel),
    faultTicks: fc.nat({ max: 8 }),
    together: fc.boolean(),
    // Half the time the held role stays held across ticks before it is resumed.
    holdTicks: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 7 })),
  };
  const plain = fc.record({ ...base, impl: fc.constantFrom('both' as const, 'server' as const, 'client' as const), deviation: fc.constant(null), fault: fc.constant(null) });
  const deviant = fc.record({ ...base, impl: fc.constantFrom('server' as const, 'client' as const), deviation: fc.constantFrom(...DEVIATIONS), fault: fc.constant(null) });
  const anyStep = fc.record({ ...base, impl: fc.constantFrom('both' as const, 'server' as const, 'client' as const), deviation: fc.constant(null), fault: fc.constantFrom(...SCENARIO_FAULTS) });
  // A role of the implementation hangs up in mid-handshake: it crashes held before a step where it
  // sends what its peer waits to read (plan.ts SENDS), so the peer's read meets end-of-stream. A
  // fault at any step lands there with one crash in eight kinds and one step in six or so.
  const hangUp = fc.record({ ...base, impl: fc.constant('both' as const), deviation: fc.constant(null), fault: fc.constant('crash-self' as const), faultOn: fc.constant('send' as const) });
  // Weights four times the shape's, so that hang-ups come on top of the faults at any step, at a
  // quarter of their weight, and leave the mix of the others as the shape says.
  return fc.oneof(
    { weight: 4 * (shape.plain ?? 2), arbitrary: plain },
    { weight: 4 * (shape.deviations ?? 2), arbitrary: deviant },
    { weight: 4 * (shape.faults ?? 3), arbitrary: anyStep },
    { weight: shape.faults ?? 3, arbitrary: hangUp },
  );
}

/** Two to four plain sessions set up at once (sessions.ts gives each its own listening host). */
export const sessionsPlanArb: fc.Arbitrary<SessionsPlan> = fc.record({
  sessions: fc.array(fc.record({ flow: fc.constantFrom('fs' as const, 'db' as const), server: sel, client: sel, together: fc.boolean() }), { minLength: 2, maxLength: 3 }),
  order: fc.array(sel, { minLength: 1, maxLength: 16 }),
});

export interface StepWeights {
  readonly call?: number;
  readonly batch?: number;
  readonly pair?: number;
  readonly raceAlloc?: number;
  readonly raceConnect?: number;
  /** A fault aimed at one connection (crash and recover an end, fail its STG, reset it, partition it), then a call on it. */
  readonly connFault?: number;
  readonly tick?: number;
  readonly fault?: number;
  readonly handshake?: number;
  /** Several plain sessions set up at once (none unless a property asks). */
  readonly sessions?: number;
  /** Several binds in one batch, racing for one STG's (or one host's) ports. */
  readonly raceBind?: number;
  /** A connect delayed past its timeout while its descriptor, control block or port is reused. */
  readonly staleConnect?: number;
  /** A descriptor reused after its socket closed with bytes unread. */
  readonly reuseUnread?: number;
  /** A listener at exactly its backlog, or past it, then closed, drained or timed out. */
  readonly queueFill?: number;
  /** An STG failed under calls that must answer EIO, then repaired. */
  readonly stgDown?: number;
  /** A socket bound in one STG connecting through another. */
  readonly crossStg?: number;
  /** Bytes in flight on a delayed channel when the connection is reset, its receiver closes or its STG fails (none unless a property asks). */
  readonly inFlight?: number;
}

export interface PlanShape {
  readonly steps?: StepWeights;
  readonly calls?: CallWeights;
  readonly faults?: readonly FaultPlan['f'][];
  readonly handshakes?: HandshakeShape;
  readonly minLength?: number;
  readonly maxLength?: number;
  /** Step and call kinds a swarm profile never leaves out (what the property cannot do without). */
  readonly keep?: readonly string[];
}

export function planStepArb(shape: PlanShape = {}): fc.Arbitrary<PlanStep> {
  const w = shape.steps ?? {};
  const call = callPlanArb(shape.calls);
  const family = fc.constantFrom('net' as const, 'dss' as const);
  const arms: { weight: number; arbitrary: fc.Arbitrary<PlanStep> }[] = [
    { weight: w.call ?? 10, arbitrary: call.map((c) => ({ t: 'call' as const, call: c })) },
    { weight: w.batch ?? 3, arbitrary: fc.array(call, { minLength: 2, maxLength: 4 }).map((calls) => ({ t: 'batch' as const, calls })) },
    { weight: w.pair ?? 3, arbitrary: fc.record({ t: fc.constant('pair' as const), family, a: sel, b: sel }) },
    { weight: w.raceAlloc ?? 1, arbitrary: fc.record({ t: fc.constant('race-alloc' as const), n: fc.integer({ min: 2, max: 4 }) }) },
    // Three connects at most: four racing a full queue (plus an accept) can leave more possible states
    // than the checker keeps (DEFAULT_LIMITS.maxStates), and it gives up instead of judging.
    { weight: w.raceConnect ?? 1, arbitrary: fc.record({ t: fc.constant('race-connect' as const), n: fc.integer({ min: 2, max: 3 }), family }) },
    {
      weight: w.connFault ?? 0,
      arbitrary: fc.record({
        t: fc.constant('conn-fault' as const),
        s: sel,
        kind: fc.constantFrom('crash' as const, 'stg-fail' as const, 'reset' as const, 'partition' as const),
        then: fc.constantFrom('recv' as const, 'send' as const),
      }),
    },
    { weight: w.tick ?? 2, arbitrary: fc.record({ t: fc.constant('tick' as const), n: fc.integer({ min: 1, max: 3 }) }) },
    { weight: w.fault ?? 2, arbitrary: faultPlanArb(shape.faults).map((fault) => ({ t: 'fault' as const, fault })) },
    { weight: w.handshake ?? 1, arbitrary: handshakePlanArb(shape.handshakes).map((plan) => ({ t: 'hs' as const, plan })) },
    { weight: w.sessions ?? 0, arbitrary: sessionsPlanArb.map((plan) => ({ t: 'sessions' as const, plan })) },
    ...MACRO_ARMS.map(({ key, arbitrary }) => ({ weight: w[key] ?? STEP_DEFAULTS[key], arbitrary: arbitrary.map((macro) => ({ t: 'macro' as const, macro: ofFamily(macro, shape.calls?.dss) })) })),
  ];
  return fc.oneof(...arms.filter((a) => a.weight > 0));
}

const famArb = fc.constantFrom('dss' as const, 'net' as const);

/** A property that draws sockets of one family only (`dss` share 0 or 1) gets macros of that family only. */
function ofFamily(macro: MacroPlan, dss: number | undefined): MacroPlan {
  if (!('family' in macro) || dss === undefined || (dss > 0 && dss < 1)) return macro;
  return { ...macro, family: dss === 0 ? 'net' : 'dss' };
}

const MACRO_ARMS: readonly { key: 'raceBind' | 'staleConnect' | 'reuseUnread' | 'queueFill' | 'stgDown' | 'crossStg' | 'inFlight'; arbitrary: fc.Arbitrary<MacroPlan> }[] = [
  { key: 'stgDown', arbitrary: fc.record({ m: fc.constant('stg-down' as const), g: sel, a: sel, twice: fc.boolean() }) },
  { key: 'crossStg', arbitrary: fc.record({ m: fc.constant('cross-stg' as const), g: sel, a: sel, b: sel }) },
  {
    key: 'raceBind',
    arbitrary: fc.record({ m: fc.constant('race-bind' as const), family: famArb, n: fc.integer({ min: 2, max: 4 }), g: sel, explicit: fc.boolean() }),
  },
  {
    key: 'staleConnect',
    arbitrary: fc.record({
      m: fc.constant('stale-connect' as const),
      family: famArb,
      reuse: fc.constantFrom('socket' as const, 'same' as const, 'port' as const),
      extra: fc.nat({ max: 1 }),
      undelay: fc.boolean(),
      a: sel,
      b: sel,
      // One in four: the connect ends with its process's crash instead of its timeout.
      crash: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    }),
  },
  {
    key: 'reuseUnread',
    arbitrary: fc.record({ m: fc.constant('reuse-unread' as const), family: famArb, a: sel, b: sel, len: fc.nat({ max: 5 }), byte: fc.nat({ max: 25 }) }),
  },
  {
    key: 'queueFill',
    arbitrary: fc.record({
      m: fc.constant('queue-fill' as const),
      family: famArb,
      backlog: fc.nat({ max: 1 }),
      over: fc.nat({ max: 2 }),
      // The ends that refuse held connects (a close, a crash) twice as often: they need a connect held as well.
      end: fc.oneof(
        { weight: 2, arbitrary: fc.constant('close' as const) },
        { weight: 1, arbitrary: fc.constant('accept' as const) },
        { weight: 1, arbitrary: fc.constant('tick' as const) },
        { weight: 2, arbitrary: fc.constant('crash' as const) },
        { weight: 1, arbitrary: fc.constant('relisten' as const) },
      ),
      a: sel,
    }),
  },
  {
    key: 'inFlight',
    arbitrary: fc.record({
      m: fc.constant('in-flight' as const),
      family: famArb,
      then: fc.constantFrom('reset' as const, 'close' as const, 'stg-fail' as const),
      big: fc.boolean(),
      len: fc.nat({ max: 7 }),
      a: sel,
      b: sel,
    }),
  },
];

// ── swarm testing ────────────────────────────────────────────────────────

const STEP_KINDS = ['call', 'batch', 'pair', 'raceAlloc', 'raceConnect', 'connFault', 'tick', 'fault', 'handshake', 'raceBind', 'staleConnect', 'reuseUnread', 'queueFill', 'stgDown', 'crossStg', 'inFlight'] as const;
const CALL_KINDS = ['socket', 'bind', 'listen', 'accept', 'connect', 'send', 'recv', 'getsockname', 'close', 'stale', 'wrong'] as const;
/** The weights a kind gets when its shape does not name it (planStepArb's and callPlanArb's defaults). */
const STEP_DEFAULTS: Record<(typeof STEP_KINDS)[number], number> = {
  call: 10, batch: 3, pair: 3, raceAlloc: 1, raceConnect: 1, connFault: 0, tick: 2, fault: 2, handshake: 1, raceBind: 1, staleConnect: 1, reuseUnread: 1, queueFill: 1, stgDown: 1, crossStg: 1, inFlight: 0,
};
const CALL_DEFAULTS: Record<(typeof CALL_KINDS)[number], number> = {
  socket: 4, bind: 3, listen: 3, accept: 3, connect: 3, send: 4, recv: 4, getsockname: 1, close: 2, stale: 1, wrong: 2,
};
const ALL_FAULTS: readonly FaultPlan['f'][] = ['crash', 'partition', 'heal', 'reset', 'stg-fail', 'stg-repair', 'cbt-reserve', 'cbt-release', 'delay', 'undelay'];

/** Per kind: as the shape says (1), left out (0), or favoured (4). Shrinks toward "as the shape says". */
const factorArb = fc.constantFrom(1, 0, 4);

/**
 * Multiplies each weight by its factor; the kind the shape weighs most keeps at least its own
 * weight, so a run never loses what its property is about, and a profile that would leave
 * nothing to draw keeps the shape's weights.
 */
function scaled<K extends string>(base: Record<K, number>, factors: Record<K, number>, keep: readonly string[]): Record<K, number> {
  const keys = Object.keys(base) as K[];
  const top = keys.reduce((best, k) => (base[k] > base[best] ? k : best), keys[0]!);
  const out = {} as Record<K, number>;
  // A kind the profile has no factor for (sessions: only the property that asks for them) keeps its weight.
  for (const k of keys) out[k] = base[k] * (k === top || keep.includes(k) ? Math.max(1, factors[k] ?? 1) : (factors[k] ?? 1));
  return keys.some((k) => out[k] > 0) ? out : base;
}

/**
 * Swarm testing (Groce et al., "Swarm testing", ISSTA 2012): each run draws, from the seed, a
 * profile that leaves some kinds of step, call and fault out and favours others, so that some
 * runs go deep in one kind (many binds, many closes, many faults) instead of every run being the
 * same even mix. One run in three keeps the property's own mix. The profile shrinks toward it.
 */
export function swarmShapeArb(shape: PlanShape): fc.Arbitrary<PlanShape> {
  const factors = <K extends string>(keys: readonly K[]): fc.Arbitrary<Record<K, number>> =>
    fc.record(Object.fromEntries(keys.map((k) => [k, factorArb])) as Record<K, fc.Arbitrary<number>>) as unknown as fc.Arbitrary<Record<K, number>>;
  const faultKinds = shape.faults ?? ALL_FAULTS;
  const profile = fc.record({ steps: factors(STEP_KINDS), calls: factors(CALL_KINDS), faults: fc.array(fc.boolean(), { minLength: faultKinds.length, maxLength: faultKinds.length }) });
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(shape) },
    {
      weight: 2,
      arbitrary: profile.map((p) => {
        const steps = scaled({ ...STEP_DEFAULTS, ...shape.steps } as Record<(typeof STEP_KINDS)[number], number>, p.steps, shape.keep ?? []);
        const { dss, ...callWeights } = shape.calls ?? {};
        const calls = scaled({ ...CALL_DEFAULTS, ...callWeights } as Record<(typeof CALL_KINDS)[number], number>, p.calls, shape.keep ?? []);
        // A fault left in without its undoing (a partition never healed) is a run deep in that fault.
        const kept = faultKinds.filter((_, i) => !p.faults[i]);
        const faults = kept.length > 0 ? kept : faultKinds;
        return { ...shape, steps, calls: { ...calls, ...(dss !== undefined ? { dss } : {}) }, faults };
      }),
    },
  );
}

export function planArb(shape: PlanShape = {}): fc.Arbitrary<PlanStep[]> {
  // fast-check's default size would keep plans to a handful of steps; ask for the full range.
  return swarmShapeArb(shape).chain((swarm) => fc.array(planStepArb(swarm), { minLength: shape.minLength ?? 1, maxLength: shape.maxLength ?? 24, size: 'max' }));
}
