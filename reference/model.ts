/**
 * The model's one public step: `step(state, action, options)` returns the next
 * state and what the implementation must have emitted, a violation when the
 * implementation's observed answer is not allowed, or `illegal` when the
 * action makes no sense in this state (a harness bug, never a verdict).
 *
 * Actions are finer than wire requests: a call is issued by one action and,
 * if it blocks, completed by a later `complete`; a handshake role moves by
 * `advance`. `enabledActions` lists the completions and advances that can
 * happen now — a settled implementation has none left.
 */
import type { Fault, HandshakeOutcome, Op, Outcome, Role, RoleParams } from '../spec/messages.ts';
import { type Ctx, type Emission, Illegal, type SoftFinding, Violation } from './context.ts';
import { ERROR_CODES } from '../spec/errors.ts';
import { type Choice, PROGRAMS, type Programs, type RoleCtx, type RoleProgram, choiceAllows, strandOf, initialVars, missingParams, roleChoices, roleOnOutcome, roleTake } from './roles.ts';
import { describeOp, describeOutcome } from './describe.ts';
import { type RoleRun, type State, clone, sockKey } from './state.ts';
import { type RuleId, type StaticRuleId, hsRule } from './rules.ts';
import { deepEqual } from './equal.ts';
import { abandon, applyFault, closeSocket, complete, completable, gcConns, issue, tickWorld } from './world.ts';

export type Action =
  | { readonly type: 'call'; readonly id: number; readonly process: string; readonly call: Op }
  | {
      readonly type: 'handshake';
      readonly id: number;
      readonly process: string;
      readonly role: Role;
      readonly params: RoleParams;
      readonly hold: readonly string[];
    }
  | { readonly type: 'advance'; readonly hs: number }
  | { readonly type: 'complete'; readonly key: string }
  | { readonly type: 'resume'; readonly hs: number }
  | { readonly type: 'tick' }
  | { readonly type: 'fault'; readonly fault: Fault };

export interface StepOptions {
  /** The implementation's answer for a call key ("17" for call 17, "h5.3" for handshake 5's fourth call). */
  readonly observed?: (key: string) => Outcome | undefined;
  /**
   * What the implementation's role reported for a role call key ("h5.3"): the label of its
   * next step (a `held` before it gives the label alone) and, once the call was made, the call
   * and its outcome. The role's next step is chosen by it, and a call or label the role may not
   * make there is a violation of the step order before its outcome is looked at.
   */
  readonly observedStep?: (key: string) => ObservedStep | undefined;
  /** Answers for the unobservable choices, in the order they come up; missing ones take 0. */
  readonly choices?: readonly number[];
  /**
   * The step tables the roles run from (default: PROGRAMS, the figures'). A caller that
   * passes others passes the same ones to every step of a run: a role's progress is an
   * index into its table.
   */
  readonly programs?: Programs;
}

export interface ObservedStep {
  readonly label: string;
  readonly call?: Op;
  readonly outcome?: Outcome;
}

export type StepResult =
  | {
      readonly kind: 'ok';
      readonly state: State;
      readonly emissions: readonly Emission[];
      readonly soft: readonly SoftFinding[];
      readonly choicePoints: readonly number[];
      /** Requirements the step's decisions rested on. */
      readonly touched: readonly string[];
      /** The rules (rules.ts) the step's decisions took. */
      readonly rules: readonly string[];
    }
  | { readonly kind: 'violation'; readonly violation: Violation; readonly choicePoints: readonly number[] }
  | { readonly kind: 'illegal'; readonly reason: string };

const DEFINITE: ReadonlySet<string> = new Set(ERROR_CODES.filter((e) => e.definite).map((e) => e.code));

/** The requirement each fault kind exercises (and a report names when a fault's effect is missing). */
export const FAULT_REQS: Readonly<Record<Fault['kind'], string>> = {
  crash: 'FAULT-CRASH-TEARDOWN',
  recover: 'FAULT-RECOVER-RECLAIMS',
  partition: 'FAULT-PARTITION-HOLDS',
  heal: 'FAULT-HEAL-DELIVERS',
  reset: 'FAULT-RESET',
  'stg-fail': 'FAULT-STG-FAIL-EIO',
  'stg-repair': 'FAULT-STG-FAIL-EIO',
  'cbt-reserve': 'FAULT-CBT-RESERVE',
  'cbt-release': 'FAULT-CBT-RESERVE',
  delay: 'FAULT-DELAY-CHANNEL',
  undelay: 'FAULT-DELAY-CHANNEL',
};

/** The rule each fault kind fires, whatever state it meets (world/faults.ts names the states). */
const FAULT_RULES: Readonly<Record<Fault['kind'], StaticRuleId>> = {
  crash: 'fault.crash',
  recover: 'fault.recover',
  partition: 'fault.partition',
  heal: 'fault.heal',
  reset: 'fault.reset',
  'stg-fail': 'fault.stg-fail',
  'stg-repair': 'fault.stg-repair',
  'cbt-reserve': 'fault.cbt-reserve',
  'cbt-release': 'fault.cbt-release',
  delay: 'fault.delay',
  undelay: 'fault.undelay',
};

export function roleCallKey(hs: number, seq: number): string {
  return `h${hs}.${seq}`;
}

export function step(state: State, action: Action, options: StepOptions = {}): StepResult {
  const next = clone(state);
  const emissions: Emission[] = [];
  const soft: SoftFinding[] = [];
  const choicePoints: number[] = [];
  const touched = new Set<string>();
  const rules = new Set<string>();
  const choices = options.choices ?? [];
  const ctx: Ctx = {
    observed: options.observed ?? (() => undefined),
    pick(n: number, rule: RuleId): number {
      // A choice among one way is no choice: only a real one fires its rule.
      if (n > 1) rules.add(rule);
      const index = choicePoints.length;
      choicePoints.push(n);
      const choice = choices[index] ?? 0;
      return choice < n ? choice : 0;
    },
    soft(req: string, message: string) {
      soft.push({ req, message });
    },
    touch(reqs: readonly string[], rule: RuleId) {
      for (const req of reqs) touched.add(req);
      rules.add(rule);
    },
    emit(emission: Emission) {
      emissions.push(emission);
    },
  };
  try {
    applyAction(next, ctx, action, options.programs ?? PROGRAMS, options.observedStep ?? (() => undefined));
    gcConns(next);
    return { kind: 'ok', state: next, emissions, soft, choicePoints, touched: [...touched], rules: [...rules] };
  } catch (thrown) {
    if (thrown instanceof Violation) return { kind: 'violation', violation: thrown, choicePoints };
    if (thrown instanceof Illegal) return { kind: 'illegal', reason: thrown.reason };
    throw thrown;
  }
}

type SeenStep = (key: string) => ObservedStep | undefined;

function applyAction(state: State, ctx: Ctx, action: Action, programs: Programs, seen: SeenStep): void {
  switch (action.type) {
    case 'call': {
      const proc = state.procs[action.process];
      if (!proc) throw new Illegal(`no process ${action.process}`);
      if (proc.busy) throw new Illegal(`process ${action.process} is busy with ${proc.busy}`);
      const key = String(action.id);
      if (state.pending[key]) throw new Illegal(`call id ${key} is already pending`);
      issue(state, ctx, key, action.process, action.call, null);
      proc.busy = key;
      if (completable(state, key)) completeCall(state, ctx, key, programs);
      return;
    }
    case 'complete': {
      if (!completable(state, action.key)) throw new Illegal(`call ${action.key} cannot complete now`);
      const pending = state.pending[action.key]!;
      if (pending.role !== null) checkStepOrder(state, action.key, pending.op, seen, programs);
      completeCall(state, ctx, action.key, programs);
      return;
    }
    case 'handshake':
      return startHandshake(state, action, programs);
    case 'advance':
      return advance(state, ctx, action.hs, programs, seen);
    case 'resume': {
      const run = state.roles[String(action.hs)];
      if (!run || !run.held) throw new Illegal(`handshake ${action.hs} is not held`);
      run.held = false;
      run.passed = [...run.passed, run.label!];
      run.labelSince = state.now;
      return;
    }
    case 'tick':
      ctx.touch(['CLOCK-TICKS-ONLY'], 'clock.tick');
      tickWorld(state, ctx);
      timeOutRoles(state);
      return;
    case 'fault':
      ctx.touch([FAULT_REQS[action.fault.kind]], FAULT_RULES[action.fault.kind]);
      applyFault(state, ctx, action.fault);
      if (action.fault.kind === 'crash') crashRoles(state, action.fault.process, programs);
      return;
  }
}

function completeCall(state: State, ctx: Ctx, key: string, programs: Programs): void {
  const pending = state.pending[key]!;
  const outcome = complete(state, ctx, key);
  if ('error' in outcome && DEFINITE.has(outcome.error)) ctx.touch(['ERR-NO-EFFECT'], 'error.definite-no-effect');
  const proc = state.procs[pending.proc]!;
  if (pending.role === null) {
    if (proc.busy === key) proc.busy = null;
    ctx.emit({ type: 'result', id: Number(key), proc: pending.proc, op: pending.op, outcome });
    return;
  }
  const run = state.roles[pending.role]!;
  run.pendingKey = null;
  const program = programs[run.role];
  const stepReqs = [...(program.steps[run.pc]?.reqs ?? []), 'HS-STEP-ORDER'];
  const label = run.label!;
  ctx.emit({ type: 'event', id: Number(run.id), proc: run.proc, label, op: pending.op, outcome, reqs: stepReqs });
  track(run, pending.op, outcome);
  const reaction = roleOnOutcome(program, run, outcome, roleCtx(state, run), pending.op);
  // The step's requirements rest on its call whatever the role makes of it; the rule says what it made.
  const rule = stepRule(run.role, label, reaction, outcome);
  ctx.touch(stepReqs, rule);
  if (pending.op.op === 'send') ctx.touch(['HS-PAYLOAD-ENCODING'], rule);
  if (pending.op.op === 'recv') ctx.touch(['HS-RECV-EXACT'], rule);
  // Where a retry is allowed but not required, failing at once is the other way (checkers enumerate both).
  if (reaction.kind === 'retry' && reaction.may && ctx.pick(2, 'pick.role-retry') === 1) {
    ctx.touch(['HS-CONNECT-RETRY'], hsRule(run.role, label, 'gave-up'));
    run.failure = { label: run.label!, error: 'ECONNREFUSED', reqs: ['HS-CONNECT-RETRY'], why: `${run.label} was refused`, cleanup: true };
  } else if (reaction.kind === 'retry') {
    if (state.now + 1 - run.labelSince < state.config.ticks.stepTimeout) run.retryAt = state.now + 1;
    else {
      ctx.touch(['HS-CONNECT-RETRY'], hsRule(run.role, null, 'retry-exhausted'));
      run.failure = { label: run.label!, error: 'ECONNREFUSED', reqs: ['HS-CONNECT-RETRY'], why: `refused for ${state.config.ticks.stepTimeout} ticks`, cleanup: true };
    }
  } else if (reaction.kind === 'fail') {
    run.failure = { label: run.label!, error: reaction.error, reqs: reaction.reqs, why: reaction.why, cleanup: true };
  }
}

/** The rule a role's call fired: its step went on, made another call, was refused, or failed one of three ways. */
function stepRule(role: Role, label: string, reaction: ReturnType<typeof roleOnOutcome>, outcome: Outcome): RuleId {
  switch (reaction.kind) {
    case 'next':
      return hsRule(role, label);
    case 'again':
      return hsRule(role, label, 'partial');
    case 'retry':
      return hsRule(role, label, 'refused');
    case 'fail':
      if ('error' in outcome) return hsRule(role, null, 'call-failed');
      return reaction.error === 'ECONNABORTED' ? hsRule(role, null, 'eof') : hsRule(role, label, 'rejected');
  }
}

/** Keep the list of descriptors a role holds, for its cleanup and its layout check. */
function track(run: RoleRun, op: Op, outcome: Outcome): void {
  if (!('value' in outcome)) return;
  const value = outcome.value as { fd?: number };
  if ((op.op === 'socket' || op.op === 'accept') && value.fd !== undefined) run.opened = [...run.opened, value.fd];
  if (op.op === 'close') run.opened = run.opened.filter((fd) => fd !== op.fd);
}

function roleCtx(state: State, run: RoleRun): RoleCtx {
  return { config: state.config, params: run.params, now: state.now };
}

function startHandshake(state: State, action: Extract<Action, { type: 'handshake' }>, programs: Programs): void {
  const proc = state.procs[action.process];
  if (!proc) throw new Illegal(`no process ${action.process}`);
  if (!proc.alive) throw new Illegal(`process ${action.process} has crashed`);
  if (proc.busy) throw new Illegal(`process ${action.process} is busy with ${proc.busy}`);
  const program = programs[action.role];
  const missing = missingParams(program, action.params, state.config);
  if (missing) throw new Illegal(missing);
  const id = String(action.id);
  if (state.roles[id]) throw new Illegal(`handshake ${id} exists`);
  state.roles[id] = {
    id,
    role: action.role,
    proc: action.process,
    params: action.params,
    hold: [...action.hold],
    pc: 0,
    vars: initialVars(program, action.params),
    buf: '',
    label: null,
    labelSince: state.now,
    passed: [],
    held: false,
    retryAt: 0,
    seq: 0,
    pendingKey: null,
    opened: [],
    failure: null,
    finished: false,
  };
  proc.busy = `h${id}`;
}

function advance(state: State, ctx: Ctx, hs: number, programs: Programs, seen: SeenStep): void {
  const run = state.roles[String(hs)];
  if (!run || !canAdvance(state, run)) throw new Illegal(`handshake ${hs} cannot move now`);
  const proc = state.procs[run.proc]!;
  if (run.failure) {
    if (run.failure.cleanup && run.opened.length > 0) ctx.touch(['HS-FAIL-RELEASES'], hsRule(run.role, null, 'released'));
    if (run.failure.cleanup) {
      for (const fd of run.opened) {
        const sock = state.socks[sockKey(run.proc, fd)];
        if (sock) closeSocket(state, ctx, sock);
      }
    }
    run.opened = [];
    const reqs = [...run.failure.reqs, ...(run.failure.cleanup ? ['HS-FAIL-RELEASES'] : [])];
    if (run.failure.reqs.includes('HS-STEP-TIMEOUT')) ctx.touch(['HS-STEP-TIMEOUT'], hsRule(run.role, null, 'timeout'));
    if (!run.failure.cleanup) ctx.touch(['FAULT-CRASH-TEARDOWN'], hsRule(run.role, null, 'crashed'));
    finish(state, ctx, run, { status: 'failed', label: run.failure.label, error: run.failure.error }, reqs, hsRule(run.role, null, 'failed'));
    if (proc.busy === `h${run.id}`) proc.busy = null;
    return;
  }
  const program = programs[run.role];
  const key = roleCallKey(hs, run.seq);
  const choices = roleChoices(program, run, roleCtx(state, run));
  if (choices.length === 0) {
    const layout = program.layout(run.vars);
    if (besideEstablished(state, run.proc, Object.values(layout))) ctx.touch(['HS-SESSIONS'], 'session.beside-established');
    finish(state, ctx, run, { status: 'established', layout }, ['HS-ESTABLISHED-LAYOUT', ...program.reqs], hsRule(run.role, null, 'established'));
    if (proc.busy === `h${run.id}`) proc.busy = null;
    return;
  }
  const { choice, op } = chooseStep(run, program, choices, seen(key), ctx);
  // Fig. 4A may be set up while Fig. 4 runs (HS-FS-PARALLEL): exercised wherever the role could interleave, whichever it did.
  if (new Set(choices.map((c) => strandOf(program, c.index))).size > 1) ctx.touch(['HS-FS-PARALLEL'], 'pick.role-step');
  roleTake(program, run, choice);
  if (run.label !== choice.label) {
    run.label = choice.label;
    run.labelSince = state.now;
    if (run.hold.includes(choice.label) && !run.passed.includes(choice.label)) {
      run.held = true;
      ctx.touch(['HS-HOLD-RESUME'], hsRule(run.role, null, 'held'));
      ctx.emit({ type: 'held', id: hs, proc: run.proc, label: choice.label, reqs: ['HS-HOLD-RESUME'] });
      return;
    }
  }
  run.seq += 1;
  run.pendingKey = key;
  issue(state, ctx, key, run.proc, op, run.id);
  if (completable(state, key)) completeCall(state, ctx, key, programs);
}

/**
 * The step a role makes next, and its call: the one the implementation's role reported, if the
 * role may make it here (SPEC.md §7.1); with nothing reported yet, each step the role may make
 * (an unobservable choice, the table's order first).
 */
function chooseStep(run: RoleRun, program: RoleProgram, choices: readonly Choice[], seen: ObservedStep | undefined, ctx: Ctx): { choice: Choice; op: Op } {
  if (!seen) {
    const choice = choices.length > 1 ? choices[ctx.pick(choices.length, 'pick.role-step')]! : choices[0]!;
    return { choice, op: choice.op };
  }
  const labelled = choices.filter((c) => c.label === seen.label);
  if (seen.call === undefined) {
    if (labelled.length > 0) return { choice: labelled[0]!, op: labelled[0]!.op };
  } else {
    const allowed = labelled.find((c) => choiceAllows(c, seen.call!));
    if (allowed) return { choice: allowed, op: seen.call };
  }
  throw stepOrderViolation(run.proc, program, choices, labelled, seen);
}

/** A role's call completes: the implementation's event for it must be that call, under that label, before its outcome counts. */
function checkStepOrder(state: State, key: string, op: Op, seen: SeenStep, programs: Programs): void {
  const observed = seen(key);
  const run = state.roles[state.pending[key]!.role!]!;
  if (!observed || observed.call === undefined) return;
  if (observed.label === run.label && deepEqual(observed.call, op)) return;
  const step = programs[run.role].steps[run.pc]!;
  const made = { index: run.pc, step, label: run.label!, op };
  throw stepOrderViolation(run.proc, programs[run.role], [made], observed.label === run.label ? [made] : [], observed);
}

/**
 * HS-STEP-ORDER, naming the implementation's event. A call its step does not make, or a later
 * step of the same strand (the step due was left out or cut short), breaks that step's own
 * requirements first, as a payload unlike the table's does; a step of another strand made too
 * early breaks the order alone.
 */
function stepOrderViolation(proc: string, program: RoleProgram, choices: readonly Choice[], labelled: readonly Choice[], seen: ObservedStep): Violation {
  const expected = (labelled.length > 0 ? labelled : choices).map((c) => `${proc}[${c.label}]:${describeOp(c.op)}`).join(' or ');
  const made = seen.call === undefined ? 'held' : `${describeOp(seen.call)}${seen.outcome ? `->${describeOutcome(seen.outcome)}` : ''}`;
  const later = program.steps.findIndex((s, i) => s.label === seen.label && choices.some((c) => c.index < i && strandOf(program, c.index) === strandOf(program, i)));
  const passed = labelled[0] ?? choices.find((c) => later >= 0 && c.index < later && strandOf(program, c.index) === strandOf(program, later));
  const reqs = passed ? [...passed.step.reqs, 'HS-STEP-ORDER'] : ['HS-STEP-ORDER'];
  const why = labelled.length > 0 ? 'the step makes another call' : `the role's next step is ${[...new Set(choices.map((c) => c.label))].join(' or ')}`;
  return new Violation(reqs, `${expected} (${why})`, `${proc}[${seen.label}]:${made}`);
}

/** Does another session hold connections on the WKP of this process's host (SPEC.md §13.30)? */
function besideEstablished(state: State, proc: string, layout: readonly (number | undefined)[]): boolean {
  const host = state.procs[proc]!.host;
  return Object.values(state.socks).some(
    (s) => s.state === 'connected' && s.local !== null && 'host' in s.local && s.local.host === host && s.local.port === state.config.wkp && !(s.proc === proc && layout.includes(s.fd)),
  );
}

function finish(state: State, ctx: Ctx, run: RoleRun, outcome: HandshakeOutcome, reqs: readonly string[], rule: RuleId): void {
  ctx.touch(reqs, rule);
  ctx.emit({ type: 'done', id: Number(run.id), proc: run.proc, outcome, reqs });
  delete state.roles[run.id];
}

function canAdvance(state: State, run: RoleRun): boolean {
  if (run.finished || run.held || run.pendingKey !== null) return false;
  if (run.failure) return true;
  return state.now >= run.retryAt;
}

/** A role still blocked stepTimeout ticks after its step began fails there (HS-STEP-TIMEOUT). */
function timeOutRoles(state: State): void {
  for (const run of Object.values(state.roles)) {
    if (run.failure || !run.pendingKey) continue;
    if (completable(state, run.pendingKey)) continue;
    if (state.now - run.labelSince < state.config.ticks.stepTimeout) continue;
    abandon(state, run.pendingKey);
    run.pendingKey = null;
    run.failure = { label: run.label!, error: 'ETIMEDOUT', reqs: ['HS-STEP-TIMEOUT'], why: `waited ${state.config.ticks.stepTimeout} ticks at ${run.label}`, cleanup: true };
  }
}

function crashRoles(state: State, proc: string, programs: Programs): void {
  for (const run of Object.values(state.roles)) {
    if (run.proc !== proc) continue;
    run.pendingKey = null;
    run.held = false;
    run.failure = { label: run.label ?? programs[run.role].steps[0]!.label, error: 'ECANCELED', reqs: ['FAULT-CRASH-TEARDOWN'], why: `${proc} crashed`, cleanup: false };
  }
}

/** The completions and role moves that can happen now, without the clock advancing. */
export function enabledActions(state: State): Action[] {
  const actions: Action[] = [];
  for (const key of Object.keys(state.pending)) if (completable(state, key)) actions.push({ type: 'complete', key });
  for (const run of Object.values(state.roles)) if (canAdvance(state, run)) actions.push({ type: 'advance', hs: Number(run.id) });
  return actions;
}

/** Ids of the raw calls and handshakes that have not given their final answer. */
export function pendingIds(state: State): number[] {
  const ids: number[] = [];
  for (const pending of Object.values(state.pending)) if (pending.role === null) ids.push(Number(pending.key));
  for (const run of Object.values(state.roles)) ids.push(Number(run.id));
  return ids.sort((a, b) => a - b);
}

/**
 * Run every enabled action, first come first served, until none is left (the reference
 * implementation's settle); `programs` as for `step`.
 */
export function settle(state: State, observed?: StepOptions['observed'], programs?: Programs): { state: State; emissions: Emission[]; soft: SoftFinding[] } {
  let current = state;
  const emissions: Emission[] = [];
  const soft: SoftFinding[] = [];
  for (let guard = 0; guard < 100_000; guard++) {
    const actions = enabledActions(current);
    if (actions.length === 0) return { state: current, emissions, soft };
    const result = step(current, actions[0]!, { observed, programs });
    if (result.kind !== 'ok') throw new Error(`settle: ${result.kind === 'illegal' ? result.reason : result.violation.expected}`);
    current = result.state;
    emissions.push(...result.emissions);
    soft.push(...result.soft);
  }
  throw new Error('settle: no quiescence after 100000 actions');
}
