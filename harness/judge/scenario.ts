/**
 * A handshake scenario, played to its end: the implementation plays one role
 * or both; the harness plays the other through plain calls (harness-role.ts);
 * a role can be held before a step so that a fault lands exactly there.
 *
 * Each turn of the loop starts the roles that may start (the listening role
 * first, its peer once the listener waits, unless the scenario starts them
 * together), sends the harness-played role's next call, and runs an epoch. A
 * turn with nothing to send releases a held role (injecting the scenario's
 * fault first), ends the scenario when both roles are over, undoes a fault
 * whose ticks are up, or advances the clock by one tick. At the end the
 * scenario undoes its faults and frees a harness-played role left waiting.
 */
import { type Scenario, rolesOf } from '../generate/plan.ts';
import type { Session } from '../drive/session.ts';
import { type Action, PROGRAMS, stepLabels } from '../../reference/index.ts';
import type { Fault, Reply, RoleParams } from '../../spec/messages.ts';
import { type WorldConfig, hostOf } from '../../spec/config.ts';
import type { Epochs } from './epochs.ts';
import type { Goals } from './goals.ts';
import type { RunRecord } from './record.ts';
import type { Answers } from './renaming.ts';
import { type FaultParts, injectFault, planScenarioFault } from './faults.ts';
import { type Side, type SideName, newSide, playerNext, playerOutcome } from './harness-role.ts';

/** What a scenario needs from the run. */
export interface ScenarioParts {
  readonly session: Session;
  readonly world: WorldConfig;
  readonly record: RunRecord;
  readonly goals: Goals;
  readonly answers: Answers;
  readonly epochs: Epochs;
  /** How each role of the command ended, by process: filled here, read by the inspection diff. */
  readonly roleOutcomes: Map<string, 'established' | 'failed'>;
}

/** Epochs a scenario may take before the runner stops it (the tick bound normally ends it first). */
const MAX_TURNS = 2000;
/** Turns after which the listening role's peer starts even if the listener has not yet blocked. */
const LISTENER_GRACE_TURNS = 40;

/** Play `scenario` as command `index`. */
export async function playScenario(parts: ScenarioParts, index: number, scenario: Scenario): Promise<void> {
  await new ScenarioPlay(parts, index, scenario).play();
}

/**
 * Play several plain scenarios at once as command `index` (SPEC.md §13.30: sessions whose set-ups
 * listen on distinct hosts). Every role is held before each of its steps, and each turn with
 * nothing to send resumes one held role, chosen by the command's `order` (used in turn, round
 * and round): the sessions' steps interleave one at a time in an order the seed picked, so that
 * every epoch has a step or two to explain. Roles running free at once leave the checker more
 * orders than it can search: with two sessions free, or held only before every third step, a
 * run of the property on seed 1 already went past 200,000 search nodes in one epoch. A turn with no role held ends the command when every
 * role is done, or advances the clock by one tick. Scenario k's roles answer in slots 2k (server)
 * and 2k+1 (client).
 */
export async function playSessions(parts: ScenarioParts, index: number, scenarios: readonly Scenario[], order: readonly number[]): Promise<void> {
  const plays = scenarios.map((scenario, k) => new ScenarioPlay(parts, index, scenario, 2 * k, true));
  const maxTicks = Math.max(...plays.map((p) => p.maxTicks));
  let ticks = 0;
  let resumes = 0;
  for (const play of plays) play.counted();
  for (let turn = 0; turn < MAX_TURNS; turn++) {
    const issues = plays.flatMap((p) => [...p.startRoles(turn), ...p.harnessCalls()]);
    const first: Action[] = [];
    if (issues.length === 0) {
      const held = plays.flatMap((play) => play.heldSides().map((side) => ({ play, side })));
      if (held.length > 0) {
        const pick = held[(order.length === 0 ? 0 : order[resumes % order.length]!) % held.length]!;
        resumes += 1;
        await pick.play.release(pick.side);
        continue;
      }
      if (plays.every((p) => p.over())) break;
      if (ticks >= maxTicks) {
        parts.record.fail(index, ['HS-STEP-TIMEOUT'], `every role of the ${plays.length} sessions done within ${maxTicks} ticks`, 'a role still running');
      }
      ticks += 1;
      await parts.session.tick(1);
      first.push({ type: 'tick' });
    }
    const replies = await parts.epochs.epoch(index, { first, issues });
    for (const play of plays) await play.absorb(replies);
  }
  for (const play of plays) await play.finish();
}

class ScenarioPlay {
  private readonly sides: Record<SideName, Side>;
  /** The role that listens first: the client for file-system backup, the server for database backup. */
  private readonly listener: SideName;
  private readonly other: SideName;
  private readonly faultParts: FaultParts;
  /** Faults to undo when the scenario ends. */
  private readonly undo: Fault[] = [];
  private undoAtTick: { at: number; fault: Fault } | null = null;
  private faultDone = false;
  private ticks = 0;
  readonly maxTicks: number;

  constructor(
    private readonly parts: ScenarioParts,
    private readonly index: number,
    private readonly scenario: Scenario,
    /** The answer slot of this scenario's server role; its client answers in the next. */
    private readonly slot = 0,
    /** Hold each implementation role before every step (playSessions resumes them one at a time). */
    private readonly holdEvery = false,
  ) {
    const config = parts.world;
    const roles = rolesOf(scenario.flow);
    const serverHost = hostOf(config, scenario.server.process)!;
    const clientHost = hostOf(config, scenario.client.process)!;
    const params: Record<SideName, RoleParams> = {
      server: scenario.flow === 'fs' ? { peer: clientHost, stg: scenario.stg } : { stg: scenario.stg },
      client: scenario.flow === 'fs' ? {} : { peer: serverHost },
    };
    this.sides = {
      server: newSide(scenario.server.by, scenario.server.process, roles.server, params.server),
      client: newSide(scenario.client.by, scenario.client.process, roles.client, params.client),
    };
    this.listener = scenario.flow === 'fs' ? 'client' : 'server';
    this.other = this.listener === 'server' ? 'client' : 'server';
    const steps = PROGRAMS[roles.server].steps.length + PROGRAMS[roles.client].steps.length;
    this.maxTicks = (steps + 4) * (config.ticks.stepTimeout + 2);
    this.faultParts = { session: parts.session, record: parts.record, epoch: (i, input) => parts.epochs.epoch(i, input) };
  }

  /** Count the scenario in the run's statistics. */
  counted(): void {
    this.parts.record.stats.handshakes += 1;
  }

  async play(): Promise<void> {
    this.counted();
    for (let turn = 0; turn < MAX_TURNS; turn++) {
      const issues = [...this.startRoles(turn), ...this.harnessCalls()];
      const first: Action[] = [];
      if (issues.length === 0) {
        const quiet = await this.whenQuiet();
        if (quiet === 'again') continue;
        if (quiet === 'over') break;
        first.push({ type: 'tick' });
      }
      await this.absorb(await this.parts.epochs.epoch(this.index, { first, issues }));
    }
    await this.finish();
  }

  /** Start the roles that may start now; the handshakes sent for implementation-played ones. */
  startRoles(turn: number): Action[] {
    const { session, answers } = this.parts;
    const issues: Action[] = [];
    for (const name of [this.listener, this.other] as const) {
      const side = this.sides[name];
      if (side.started) continue;
      const lead = this.sides[this.listener];
      const listenerReady = lead.started && (lead.blocked || lead.done || turn > LISTENER_GRACE_TURNS);
      if (name === this.listener || this.scenario.together || listenerReady) {
        side.started = true;
        if (side.by === 'impl') {
          const hold = this.holdEvery ? stepLabels(PROGRAMS[side.role]) : this.scenario.fault && this.scenario.fault.side === name ? [this.scenario.fault.label] : [];
          side.hs = session.handshake(side.process, side.role, side.params, hold);
          answers.expect(side.hs, { command: this.index, slot: this.slot + (name === 'server' ? 0 : 1), process: side.process });
          issues.push({ type: 'handshake', id: side.hs, process: side.process, role: side.role, params: side.params, hold });
        }
      }
    }
    return issues;
  }

  /** Send each harness-played role's next call, when it has none pending and is not waiting to retry. */
  harnessCalls(): Action[] {
    const { session, world, record, epochs } = this.parts;
    const issues: Action[] = [];
    for (const name of ['server', 'client'] as const) {
      const side = this.sides[name];
      if (side.by !== 'harness' || !side.started || side.done || side.pending !== null) continue;
      if (side.retryAt !== null && epochs.state.now < side.retryAt) continue;
      const call = playerNext(side, this.scenario, world, epochs.state.now);
      if (!call) continue;
      side.pending = session.call(side.process, call.op);
      if (side.label !== call.label) side.labelSince = epochs.state.now;
      side.label = call.label;
      side.lastOp = call.op;
      record.stats.calls += 1;
      issues.push({ type: 'call', id: side.pending, process: side.process, call: call.op });
    }
    return issues;
  }

  /** A turn with nothing to send: release a held role, end, undo a timed fault (`again` or `over`), or tick the clock (`ticked`). */
  private async whenQuiet(): Promise<'again' | 'over' | 'ticked'> {
    const held = (['server', 'client'] as const).find((n) => this.sides[n].held);
    if (held) {
      await this.release(held);
      return 'again';
    }
    if (this.over()) return 'over';
    if (this.undoAtTick && this.ticks >= this.undoAtTick.at) {
      await this.absorb(await injectFault(this.faultParts, this.index, this.undoAtTick.fault));
      this.undoAtTick = null;
      return 'again';
    }
    if (this.ticks >= this.maxTicks) {
      this.parts.record.fail(this.index, ['HS-FAULT-FAILS-AT-STEP', 'HS-STEP-TIMEOUT'], `both roles done within ${this.maxTicks} ticks`, 'a role still running');
    }
    this.ticks += 1;
    await this.parts.session.tick(1);
    return 'ticked';
  }

  /** The implementation roles held before a step now. */
  heldSides(): SideName[] {
    return (['server', 'client'] as const).filter((n) => this.sides[n].held);
  }

  /** A role held before its step: inject the scenario's fault (once), then resume the role. */
  async release(held: SideName): Promise<void> {
    const side = this.sides[held];
    if (!this.faultDone && this.scenario.fault) {
      this.faultDone = true;
      this.parts.goals.add(`fault@${side.role}:${this.scenario.fault.label}`);
      const planned = planScenarioFault(this.parts.world, this.parts.epochs.state, this.scenario, this.sides, held);
      for (const fault of planned.now) await this.absorb(await injectFault(this.faultParts, this.index, fault));
      this.undo.push(...planned.undo);
      if (planned.later) this.undoAtTick = { at: this.ticks + planned.later.after, fault: planned.later.fault };
      // Held across ticks: the time held must not count toward the role's step timeout (HS-HOLD-RESUME), while its peer's time does.
      for (let i = 0; i < (this.scenario.fault.hold ?? 0) && !side.done; i++) {
        this.ticks += 1;
        await this.parts.session.tick(1);
        await this.absorb(await this.parts.epochs.epoch(this.index, { first: [{ type: 'tick' }], issues: [] }));
      }
    }
    side.held = false;
    // A crash of the held role's own process ends it: there is nothing to resume.
    if (!side.done) {
      await this.parts.session.resume(side.hs!);
      await this.absorb(await this.parts.epochs.epoch(this.index, { first: [{ type: 'resume', hs: side.hs! }], issues: [] }));
    }
  }

  /** Over when the implementation's roles are done and a harness-played one can only wait for a peer that has gone. */
  over(): boolean {
    const { server, client } = this.sides;
    const over = (side: Side): boolean => side.done || (side.by === 'harness' && side.pending !== null);
    return over(server) && over(client) && (server.by === 'impl' ? server.done : true) && (client.by === 'impl' ? client.done : true);
  }

  /** Feed an epoch's answers to the scenario's sides. */
  async absorb(replies: readonly Reply[]): Promise<void> {
    const { world, epochs, roleOutcomes } = this.parts;
    const sides = Object.values(this.sides);
    for (const side of sides) side.blocked = false;
    for (const reply of replies) {
      for (const side of sides) {
        if (side.by === 'impl' && reply.id === side.hs) {
          if (reply.type === 'held') side.held = true;
          if (reply.type === 'done') {
            side.done = true;
            side.outcome = reply.outcome.status;
            roleOutcomes.set(side.process, reply.outcome.status);
          }
        }
        if (side.by === 'harness' && reply.id === side.pending && reply.type === 'result') {
          side.pending = null;
          playerOutcome(side, reply.outcome, world, epochs.state.now);
        }
      }
    }
    for (const side of sides) {
      if (side.by === 'impl' && side.hs !== null && !side.done) side.blocked = true;
      if (side.by === 'harness' && side.pending !== null) side.blocked = true;
      if (side.by === 'harness' && !epochs.state.procs[side.process]!.alive) side.done = true;
    }
  }

  /** The scenario has ended: what its fault showed, its faults undone, a harness-played role left waiting freed. */
  async finish(): Promise<void> {
    const { session, record, epochs } = this.parts;
    if (this.scenario.fault) {
      for (const side of Object.values(this.sides)) {
        if (side.outcome) record.touch([side.outcome === 'established' ? 'HS-FAULT-TOLERATED' : 'HS-FAULT-FAILS-AT-STEP']);
      }
    }
    if (this.undoAtTick) this.undo.unshift(this.undoAtTick.fault);
    for (const fault of this.undo) await injectFault(this.faultParts, this.index, fault);
    // A harness-played role left waiting forever would keep its process busy: crash and recover it when we can.
    for (const name of ['server', 'client'] as const) {
      const side = this.sides[name];
      if (side.by === 'harness' && side.pending !== null && session.hello.capabilities.faults.includes('crash') && epochs.state.procs[side.process]!.alive) {
        await injectFault(this.faultParts, this.index, { kind: 'crash', process: side.process });
        await injectFault(this.faultParts, this.index, { kind: 'recover', process: side.process });
      }
    }
  }
}
