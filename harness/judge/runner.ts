/**
 * The runner: executes commands against an implementation, one epoch at a
 * time (send, settle, check), and keeps what a report and a counterexample
 * need — the commands, a readable trace in the order the checker explained
 * them, which requirements each epoch exercised, SHOULD findings, skipped
 * capabilities, and the first failure.
 *
 * Handshake scenarios run here too: the implementation plays one role or
 * both; the harness plays the other through plain calls, from the very step
 * tables of reference/roles.ts, faithfully or with one deviation; a role can
 * be held before a step so that a fault lands exactly there.
 */
import { type Command, type Scenario, type Deviation, rolesOf } from '../generate/plan.ts';
import { type EpochInput, type Observed, type RoleMessage, type CheckerLimits, DEFAULT_LIMITS, checkEpoch } from './checker.ts';
import type { Session } from '../drive/session.ts';
import {
  type Action,
  type State,
  INVARIANT_REQS,
  PROGRAMS,
  type Progress,
  type RoleCtx,
  checkInvariants,
  describeFault,
  initialState,
  inspect,
  roleNext,
  roleOnOutcome,
} from '../../reference/index.ts';
import type { Fault, Op, Outcome, Reply, Role, RoleParams } from '../../spec/messages.ts';
import { type WorldConfig, hostOf, stgOf } from '../../spec/config.ts';
import { bytesToHex, hexToBytes, readU32, u32 } from '../../spec/bytes.ts';
import { diffInspections, normalise } from './inspection-diff.ts';
import { InvalidCommand, describeCommand, validateCommand } from './commands.ts';
import { type RunFailure, type RunStats, type TraceEntry, RunRecord, Stop } from './record.ts';
import { GOALS, Goals, faultPoints } from './goals.ts';
import { type Answer, Answers } from './renaming.ts';

export { type Answer, type RunFailure, type RunStats, type TraceEntry, GOALS, InvalidCommand, describeCommand, faultPoints };

export interface RunOptions {
  /** Inspect (and check invariants) after every epoch, not only after batches, faults and handshakes. */
  readonly thorough?: boolean;
  readonly limits?: CheckerLimits;
  /**
   * A replay's recorded answers (Run.answers of the run that wrote the commands). Descriptors
   * in the commands are renamed through them: where the recording got fd 5 and this run got
   * fd 4, later commands' fd 5 becomes 4 — so a replay survives an implementation that picks
   * other descriptors, and shrinking survives dropping a socket() before others.
   */
  readonly recorded?: readonly (readonly Answer[])[];
}

/** How long, after a failure with an answer missing, further settles wait for that answer to turn up late. */
const LATE_PROBE_MS = 100;

export class Run {
  private frontier: State[];
  private readonly logs = new Map<number, { messages: RoleMessage[]; consumed: number }>();
  readonly commands: Command[] = [];
  /** The trace, what the run exercised, skipped and found, its counters and its first failure. */
  private readonly record = new RunRecord();
  readonly touched = this.record.touched;
  readonly soft = this.record.soft;
  readonly skipped = this.record.skipped;
  readonly stats: RunStats = this.record.stats;
  /** How each handshake role of the current command ended, by process: an inspection explains itself with it. */
  private roleOutcomes = new Map<string, 'established' | 'failed'>();
  private readonly goalTracker: Goals;
  /** Deep situations this run reached (see GOALS): what a report shows beside the requirements. */
  readonly goals: Set<string>;
  /** Answers per command and the descriptor renaming a replay learns from them. */
  private readonly answerBook: Answers;
  /** Answers per command, as they arrive (a blocked call's arrives in a later epoch). */
  readonly answers: Answer[][];

  constructor(
    private readonly session: Session,
    readonly world: WorldConfig,
    private readonly options: RunOptions = {},
  ) {
    this.frontier = [initialState(world)];
    this.goalTracker = new Goals(world);
    this.goals = this.goalTracker.reached;
    this.answerBook = new Answers(options.recorded);
    this.answers = this.answerBook.table;
  }

  /** The trace of the run, a line per call and note, in the order the checker explained them. */
  get trace(): TraceEntry[] {
    return this.record.trace;
  }

  /** The first failure, or null while the run passes. */
  get failure(): RunFailure | null {
    return this.record.failure;
  }

  /** The state generators resolve plans against (the first of the possible ones). */
  get state(): State {
    return this.frontier[0]!;
  }

  get capabilities(): { handshakes: readonly Role[]; faults: readonly string[] } {
    return this.session.hello.capabilities;
  }

  /** Build the world afresh, and check it is the configured one before anything runs. */
  async reset(): Promise<void> {
    await this.session.reset(this.world);
    this.record.begin();
    try {
      await this.check(-1);
      this.touch(['WORLD-RESET-BUILDS-CONFIG']);
    } catch (error) {
      if (!(error instanceof Stop)) throw error;
      this.record.failure = { ...this.record.failure!, reqs: ['WORLD-RESET-BUILDS-CONFIG', ...this.record.failure!.reqs] };
      this.record.end(-1, () => 'reset');
    }
  }

  private touch(reqs: Iterable<string>): void {
    this.record.touch(reqs);
  }

  skip(capability: string): void {
    this.record.skip(capability);
  }

  /** Runs one command; false once the run has failed. */
  async exec(given: Command): Promise<boolean> {
    if (this.record.failure) return false;
    const command = this.answerBook.rename(given);
    validateCommand(this.state, command);
    const index = this.commands.length;
    this.commands.push(command);
    this.answerBook.open(command);
    this.record.begin();
    this.roleOutcomes = new Map();
    try {
      switch (command.type) {
        case 'call': {
          const id = this.session.call(command.process, command.call);
          this.answerBook.expect(id, { command: index, slot: 0, process: command.process });
          this.stats.calls += 1;
          await this.epoch(index, { first: [], issues: [{ type: 'call', id, process: command.process, call: command.call }] });
          break;
        }
        case 'batch': {
          this.goalTracker.noteBatch(command);
          const ids = await this.session.batch(command.calls);
          ids.forEach((id, slot) => this.answerBook.expect(id, { command: index, slot, process: command.calls[slot]!.process }));
          this.stats.calls += ids.length;
          const issues = command.calls.map((c, i): Action => ({ type: 'call', id: ids[i]!, process: c.process, call: c.call }));
          await this.epoch(index, { first: [], issues });
          await this.check(index);
          break;
        }
        case 'tick':
          await this.session.tick(1);
          await this.epoch(index, { first: [{ type: 'tick' }], issues: [] });
          break;
        case 'fault':
          await this.fault(index, command.fault);
          await this.check(index);
          break;
        case 'handshake':
          await this.scenario(index, command.scenario);
          await this.check(index);
          break;
      }
    } catch (error) {
      if (!(error instanceof Stop)) throw error;
    } finally {
      this.record.end(index, () => describeCommand(command));
    }
    return this.record.failure === null;
  }

  private async fault(index: number, fault: Fault): Promise<readonly Reply[]> {
    if (!(await this.session.fault(fault))) {
      this.skip(`fault:${fault.kind}`);
      this.record.note(`(unsupported by the implementation: ${describeFault(fault)} skipped)`);
      return [];
    }
    this.record.note(`fault ${describeFault(fault)}`);
    return this.epoch(index, { first: [{ type: 'fault', fault }], issues: [] });
  }

  private fail(index: number, reqs: readonly string[], expected: string, actual: string): never {
    return this.record.fail(index, reqs, expected, actual);
  }

  /** One epoch: what was sent is in `input`; settle, then have the checker explain the answers. */
  private async epoch(index: number, input: EpochInput): Promise<Reply[]> {
    const settled = await this.session.settle();
    this.stats.epochs += 1;
    const results = new Map<number, Outcome>();
    const arrival = new Map<string, number>();
    const roles = new Map<number, { messages: readonly RoleMessage[]; consumed: number }>();
    settled.replies.forEach((reply, position) => {
      if (reply.type === 'result' || reply.type === 'done') this.answerBook.record(reply.id, reply.outcome);
      if (reply.type === 'result') {
        results.set(reply.id, reply.outcome);
        arrival.set(`r${reply.id}`, position);
        return;
      }
      let log = this.logs.get(reply.id);
      if (!log) {
        log = { messages: [], consumed: 0 };
        this.logs.set(reply.id, log);
      }
      arrival.set(`h${reply.id}#${log.messages.length}`, position);
      if (reply.type === 'event') {
        this.stats.roleCalls += 1;
        log.messages.push({ type: 'event', label: reply.label, call: reply.call, outcome: reply.outcome });
      }
      else if (reply.type === 'held') log.messages.push({ type: 'held', label: reply.label });
      else if (reply.type === 'done') log.messages.push({ type: 'done', outcome: reply.outcome });
    });
    for (const [id, log] of this.logs) roles.set(id, { messages: log.messages, consumed: log.consumed });
    this.touch(['WIRE-WELL-FORMED', 'WIRE-ONE-REPLY', 'WIRE-TIMELY']);
    if (settled.replies.some((r) => (r.type === 'result' || r.type === 'event') && 'error' in r.outcome)) this.touch(['ERR-KNOWN-CODES']);
    const observed: Observed = { results, roles, pending: settled.pending, arrival };
    const verdict = checkEpoch(this.frontier, input, observed, this.options.limits ?? DEFAULT_LIMITS);
    if (!verdict.ok) {
      this.record.note(...verdict.failure.path);
      this.record.note(`✗ expected ${verdict.failure.expected}; the implementation: ${verdict.failure.actual}`);
      // Settle again, sending nothing: an answer arriving now was held back past the first
      // settle, which was therefore not exact — the cause of what looked wrong. This decides only
      // which requirement an established failure is reported under, never whether there is one;
      // when an answer was missing, the probe gives it up to LATE_PROBE_MS to turn up.
      const missing = verdict.failure.actual === 'no answer by settle';
      const until = Date.now() + (missing ? LATE_PROBE_MS : 0);
      let late: Reply[] = [];
      for (let tries = 0; late.length === 0 && (tries < 3 || Date.now() < until); tries++) {
        if (tries >= 3) await new Promise((resolve) => setTimeout(resolve, 5));
        late = (await this.session.settle()).replies.filter((r) => r.type === 'result' || r.type === 'event' || r.type === 'done');
      }
      if (late.length > 0) {
        this.record.note(`another settle, with nothing sent, brought ${late.length} more answer(s): the first settle was answered too early`);
        this.fail(index, ['CLOCK-SETTLE-EXACT', ...verdict.failure.reqs.filter((r) => r !== 'CLOCK-SETTLE-EXACT')], verdict.failure.expected, `${verdict.failure.actual} (and an answer after settle)`);
      }
      // A wrong answer often comes from a corrupted state: when the implementation's own
      // inspection now breaks an invariant, that is the requirement to report first.
      const view = await this.session.inspect();
      const breach = checkInvariants(this.world, view)[0];
      if (breach) this.record.note(`inspect after the failure: ${breach.message}`);
      const reqs = breach ? [breach.req, ...verdict.failure.reqs.filter((r) => r !== breach.req)] : verdict.failure.reqs;
      this.fail(index, reqs, verdict.failure.expected, verdict.failure.actual);
    }
    this.record.note(...verdict.path);
    this.goalTracker.notePath(verdict.path, input, this.state);
    this.frontier = verdict.frontier;
    for (const [id, log] of this.logs) {
      log.consumed = log.messages.length;
      if (log.messages.at(-1)?.type === 'done') this.logs.delete(id);
    }
    this.touch(verdict.touched);
    this.soft.push(...verdict.soft);
    if (this.options.thorough || this.frontier.length > 1) await this.check(index);
    return settled.replies as Reply[];
  }

  /** Inspect: invariants first (they name the requirement), then equality with some possible model state. */
  async check(index: number): Promise<void> {
    if (this.record.failure) return;
    const view = await this.session.inspect();
    this.stats.inspections += 1;
    const breaches = checkInvariants(this.world, view);
    if (breaches.length > 0) {
      this.record.note(`inspect: ${breaches.map((b) => b.message).join('; ')}`);
      this.fail(index, [breaches[0]!.req], 'an inspection that keeps every invariant', breaches[0]!.message);
    }
    this.touch(INVARIANT_REQS);
    const observed = normalise(view);
    const matching = this.frontier.filter((state) => observed === normalise(inspect(state)));
    if (matching.length === 0) {
      const difference = diffInspections(inspect(this.frontier[0]!), view, { state: this.frontier[0]!, command: this.commands[index] ?? null, roles: this.roleOutcomes });
      this.record.note(`inspect: ${difference.text}`);
      this.fail(index, difference.reqs, difference.expected, difference.actual);
    }
    this.touch(['WIRE-INSPECT-MATCHES']);
    this.frontier = matching;
  }

  // ── handshake scenarios ────────────────────────────────────────────────

  private async scenario(index: number, scenario: Scenario): Promise<void> {
    this.stats.handshakes += 1;
    const config = this.world;
    const roles = rolesOf(scenario.flow);
    const serverHost = hostOf(config, scenario.server.process)!;
    const clientHost = hostOf(config, scenario.client.process)!;
    const params: Record<'server' | 'client', RoleParams> = {
      server: scenario.flow === 'fs' ? { peer: clientHost, stg: scenario.stg } : { stg: scenario.stg },
      client: scenario.flow === 'fs' ? {} : { peer: serverHost },
    };
    const sides: Record<'server' | 'client', Side> = {
      server: newSide(scenario.server.by, scenario.server.process, roles.server, params.server),
      client: newSide(scenario.client.by, scenario.client.process, roles.client, params.client),
    };
    const listener: 'server' | 'client' = scenario.flow === 'fs' ? 'client' : 'server';
    const other = listener === 'server' ? 'client' : 'server';
    const undo: Fault[] = [];
    let undoAtTick: { at: number; fault: Fault } | null = null;
    let faultDone = false;
    let ticks = 0;
    const steps = PROGRAMS[roles.server].steps.length + PROGRAMS[roles.client].steps.length;
    const maxTicks = (steps + 4) * (config.ticks.stepTimeout + 2);

    for (let epochs = 0; epochs < 2000; epochs++) {
      const issues: Action[] = [];
      const first: Action[] = [];
      for (const name of [listener, other] as const) {
        const side = sides[name];
        if (side.started) continue;
        const listenerReady = sides[listener].started && (sides[listener].blocked || sides[listener].done || epochs > 40);
        if (name === listener || scenario.together || listenerReady) {
          side.started = true;
          if (side.by === 'impl') {
            const hold = scenario.fault && scenario.fault.side === name ? [scenario.fault.label] : [];
            side.hs = this.session.handshake(side.process, side.role, side.params, hold);
            this.answerBook.expect(side.hs, { command: index, slot: name === 'server' ? 0 : 1, process: side.process });
            issues.push({ type: 'handshake', id: side.hs, process: side.process, role: side.role, params: side.params, hold });
          }
        }
      }
      for (const name of ['server', 'client'] as const) {
        const side = sides[name];
        if (side.by !== 'harness' || !side.started || side.done || side.pending !== null) continue;
        if (side.retryAt !== null && this.state.now < side.retryAt) continue;
        const call = this.playerNext(side, scenario);
        if (!call) continue;
        side.pending = this.session.call(side.process, call.op);
        if (side.label !== call.label) side.labelSince = this.state.now;
        side.label = call.label;
        side.lastOp = call.op;
        this.stats.calls += 1;
        issues.push({ type: 'call', id: side.pending, process: side.process, call: call.op });
      }
      if (issues.length === 0) {
        const held = (['server', 'client'] as const).find((n) => sides[n].held);
        if (held) {
          if (!faultDone && scenario.fault) {
            faultDone = true;
            this.goalTracker.add(`fault@${sides[held].role}:${scenario.fault.label}`);
            const planned = this.scenarioFault(scenario, sides, held);
            for (const fault of planned.now) await this.absorb(index, sides, await this.fault(index, fault));
            undo.push(...planned.undo);
            if (planned.later) undoAtTick = { at: ticks + planned.later.after, fault: planned.later.fault };
          }
          sides[held].held = false;
          // A crash of the held role's own process ends it: there is nothing to resume.
          if (!sides[held].done) {
            await this.session.resume(sides[held].hs!);
            await this.absorb(index, sides, await this.epoch(index, { first: [{ type: 'resume', hs: sides[held].hs! }], issues: [] }));
          }
          continue;
        }
        // Over when the implementation's roles are done and a harness-played one can only wait for a peer that has gone.
        const over = (side: Side): boolean => side.done || (side.by === 'harness' && side.pending !== null);
        if (over(sides.server) && over(sides.client) && (sides.server.by === 'impl' ? sides.server.done : true) && (sides.client.by === 'impl' ? sides.client.done : true)) break;
        if (undoAtTick && ticks >= undoAtTick.at) {
          await this.absorb(index, sides, await this.fault(index, undoAtTick.fault));
          undoAtTick = null;
          continue;
        }
        if (ticks >= maxTicks) {
          this.fail(index, ['HS-FAULT-FAILS-AT-STEP', 'HS-STEP-TIMEOUT'], `both roles done within ${maxTicks} ticks`, 'a role still running');
        }
        ticks += 1;
        await this.session.tick(1);
        first.push({ type: 'tick' });
      }
      await this.absorb(index, sides, await this.epoch(index, { first, issues }));
    }
    if (scenario.fault) {
      for (const side of Object.values(sides)) {
        if (side.outcome) this.touch([side.outcome === 'established' ? 'HS-FAULT-TOLERATED' : 'HS-FAULT-FAILS-AT-STEP']);
      }
    }
    if (undoAtTick) undo.unshift(undoAtTick.fault);
    for (const fault of undo) await this.fault(index, fault);
    // A harness-played role left waiting forever would keep its process busy: crash and recover it when we can.
    for (const name of ['server', 'client'] as const) {
      const side = sides[name];
      if (side.by === 'harness' && side.pending !== null && this.capabilities.faults.includes('crash') && this.state.procs[side.process]!.alive) {
        await this.fault(index, { kind: 'crash', process: side.process });
        await this.fault(index, { kind: 'recover', process: side.process });
      }
    }
  }

  /** Feed an epoch's answers to the scenario's sides. */
  private async absorb(_index: number, sides: Record<'server' | 'client', Side>, replies: readonly Reply[]): Promise<void> {
    for (const side of Object.values(sides)) side.blocked = false;
    for (const reply of replies) {
      for (const side of Object.values(sides)) {
        if (side.by === 'impl' && reply.id === side.hs) {
          if (reply.type === 'held') side.held = true;
          if (reply.type === 'done') {
            side.done = true;
            side.outcome = reply.outcome.status;
            this.roleOutcomes.set(side.process, reply.outcome.status);
          }
        }
        if (side.by === 'harness' && reply.id === side.pending && reply.type === 'result') {
          side.pending = null;
          this.playerOutcome(side, reply.outcome);
        }
      }
    }
    for (const side of Object.values(sides)) {
      if (side.by === 'impl' && side.hs !== null && !side.done) side.blocked = true;
      if (side.by === 'harness' && side.pending !== null) side.blocked = true;
      if (side.by === 'harness' && !this.state.procs[side.process]!.alive) side.done = true;
    }
  }

  private roleCtx(side: Side): RoleCtx {
    return { config: this.world, params: side.params, now: this.state.now };
  }

  /** The harness-played role's next call, with the scenario's deviation applied. */
  private playerNext(side: Side, scenario: Scenario): { label: string; op: Op } | null {
    const next = roleNext(PROGRAMS[side.role], side.progress, this.roleCtx(side));
    if (next.kind === 'done') {
      side.done = true;
      return null;
    }
    const deviation = scenario.deviation;
    if (deviation && deviation.label === next.label) {
      if (deviation.kind === 'silent') {
        side.done = true;
        return null;
      }
      return { label: next.label, op: deviate(next.op, deviation.kind, this.world, scenario.stg) };
    }
    return { label: next.label, op: next.op };
  }

  private playerOutcome(side: Side, outcome: Outcome): void {
    const reaction = roleOnOutcome(PROGRAMS[side.role], side.progress, outcome, this.roleCtx(side));
    // The harness keeps the rules it holds implementations to: retry a refused connect within the step timeout.
    if (reaction.kind === 'retry' && this.state.now + 1 - side.labelSince < this.world.ticks.stepTimeout) side.retryAt = this.state.now + 1;
    else if (reaction.kind === 'retry' || reaction.kind === 'fail') side.done = true;
  }

  private scenarioFault(
    scenario: Scenario,
    sides: Record<'server' | 'client', Side>,
    held: 'server' | 'client',
  ): { now: Fault[]; undo: Fault[]; later: { after: number; fault: Fault } | null } {
    const fault = scenario.fault!;
    const self = sides[held];
    const peer = sides[held === 'server' ? 'client' : 'server'];
    const hosts = [hostOf(this.world, sides.server.process)!, hostOf(this.world, sides.client.process)!].sort() as [string, string];
    const d = Math.max(1, fault.ticks);
    switch (fault.kind) {
      case 'crash-self':
        return { now: [{ kind: 'crash', process: self.process }], undo: [{ kind: 'recover', process: self.process }], later: null };
      case 'crash-peer':
        return { now: [{ kind: 'crash', process: peer.process }], undo: [{ kind: 'recover', process: peer.process }], later: null };
      case 'partition':
        return { now: [{ kind: 'partition', hosts }], undo: [], later: { after: fault.ticks, fault: { kind: 'heal', hosts } } };
      case 'reset': {
        const connected = Object.values(this.state.socks).filter((s) => s.proc === self.process && s.conn !== null && this.state.conns[s.conn]);
        const target = connected[0];
        return { now: target ? [{ kind: 'reset', process: self.process, fd: target.fd }] : [], undo: [], later: null };
      }
      case 'stg-fail':
        return { now: [{ kind: 'stg-fail', stg: scenario.stg }], undo: [{ kind: 'stg-repair', stg: scenario.stg }], later: null };
      case 'cbt-exhaust':
        return { now: [{ kind: 'cbt-reserve', count: this.world.cbt.capacity }], undo: [{ kind: 'cbt-release' }], later: null };
      case 'delay-net':
        return { now: [{ kind: 'delay', channel: 'net', ticks: d }], undo: [{ kind: 'undelay', channel: 'net' }], later: null };
      case 'delay-dss':
        return { now: [{ kind: 'delay', channel: 'dss', ticks: d }], undo: [{ kind: 'undelay', channel: 'dss' }], later: null };
    }
  }
}

interface Side {
  readonly by: 'impl' | 'harness';
  readonly process: string;
  readonly role: Role;
  readonly params: RoleParams;
  started: boolean;
  done: boolean;
  held: boolean;
  blocked: boolean;
  hs: number | null;
  pending: number | null;
  retryAt: number | null;
  label: string | null;
  labelSince: number;
  outcome: 'established' | 'failed' | null;
  lastOp: Op | null;
  progress: Progress;
}

function newSide(by: 'impl' | 'harness', process: string, role: Role, params: RoleParams): Side {
  const vars: Progress['vars'] = {};
  if (role === 'fs-server' || role === 'db-server') vars.stg = params.stg ?? -1;
  return { by, process, role, params, started: false, done: false, held: false, blocked: false, hs: null, pending: null, retryAt: null, label: null, labelSince: 0, outcome: null, lastOp: null, progress: { pc: 0, vars, buf: '' } };
}

/** One deliberate deviation of a harness-played role's message. */
export function deviate(op: Op, kind: Deviation, config: WorldConfig, stgId: number): Op {
  if (op.op !== 'send') return op;
  const data = hexToBytes(op.data);
  const stg = stgOf(config, stgId)!;
  let changed: string;
  switch (kind) {
    case 'wrong-string':
      changed = [...data].map((ch) => String.fromCharCode(ch.charCodeAt(0) ^ 0x01)).join('');
      break;
    case 'wrong-echo':
      changed = u32(readU32(data) + 1);
      break;
    case 'bad-stg-id':
      changed = u32(readU32(data, 0) + 1000) + data.slice(4);
      break;
    case 'bad-stg-length':
      changed = data.slice(0, 4) + u32(readU32(data, 4) + 1);
      break;
    case 'swapped-stg':
      changed = data.slice(4, 8) + data.slice(0, 4);
      break;
    case 'bad-port':
      changed = u32(70000);
      break;
    case 'unused-port': {
      const port = readU32(data);
      const range = port >= stg.ports[0] && port <= stg.ports[1] ? stg.ports : config.netPorts;
      changed = u32(port === range[1] ? range[0] : range[1]);
      break;
    }
    case 'silent':
      changed = data;
      break;
  }
  return { ...op, data: bytesToHex(changed) };
}
