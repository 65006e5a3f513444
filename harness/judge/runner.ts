/**
 * The runner: the façade the rest of the harness drives. A `Run` executes
 * commands against an implementation, one epoch at a time (send, settle,
 * check), and keeps what a report and a counterexample need.
 *
 * It composes the pieces of this folder, each with one job: commands.ts
 * refuses a command the model cannot take and describes one; renaming.ts
 * keeps each command's answers and renames a replay's descriptors;
 * epochs.ts keeps the model's possible states in step with the
 * implementation (settle, explain, inspect); scenario.ts plays a handshake
 * scenario, with harness-role.ts for the harness-played side and faults.ts
 * for its fault; goals.ts notes the deep situations reached; record.ts holds
 * the trace, the requirements exercised and the first failure. README.md
 * maps them.
 */
import type { Command } from '../generate/plan.ts';
import type { CheckerLimits } from './checker.ts';
import type { Session } from '../drive/session.ts';
import type { Action, State } from '../../reference/index.ts';
import type { Role } from '../../spec/messages.ts';
import type { WorldConfig } from '../../spec/config.ts';
import { InvalidCommand, describeCommand, validateCommand } from './commands.ts';
import { type RunFailure, type RunStats, type TraceEntry, RunRecord, Stop } from './record.ts';
import { GOALS, Goals, faultPoints } from './goals.ts';
import { type Answer, Answers } from './renaming.ts';
import { Epochs } from './epochs.ts';
import { type FaultParts, injectFault } from './faults.ts';
import { type ScenarioParts, playScenario, playSessions } from './scenario.ts';
import { deviate } from './harness-role.ts';
import { type DiffContext, diffInspections } from './inspection-diff.ts';

// What the rest of the harness imported from here before the runner was split: still here.
export { type Answer, type DiffContext, type RunFailure, type RunStats, type TraceEntry, GOALS, InvalidCommand, describeCommand, deviate, diffInspections, faultPoints };

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

export class Run {
  readonly commands: Command[] = [];
  /** The trace, what the run exercised, skipped and found, its counters and its first failure. */
  private readonly record = new RunRecord();
  readonly touched = this.record.touched;
  readonly fired = this.record.fired;
  readonly soft = this.record.soft;
  readonly skipped = this.record.skipped;
  readonly stats: RunStats = this.record.stats;
  /** How each handshake role of the current command ended, by process: an inspection explains itself with it. */
  private readonly roleOutcomes = new Map<string, 'established' | 'failed'>();
  private readonly goalTracker: Goals;
  /** Deep situations this run reached (see GOALS): what a report shows beside the requirements. */
  readonly goals: Set<string>;
  /** Answers per command and the descriptor renaming a replay learns from them. */
  private readonly answerBook: Answers;
  /** Answers per command, as they arrive (a blocked call's arrives in a later epoch). */
  readonly answers: Answer[][];
  private readonly epochs: Epochs;
  private readonly faultParts: FaultParts;

  constructor(
    private readonly session: Session,
    readonly world: WorldConfig,
    options: RunOptions = {},
  ) {
    this.goalTracker = new Goals(world);
    this.goals = this.goalTracker.reached;
    this.answerBook = new Answers(options.recorded);
    this.answers = this.answerBook.table;
    this.epochs = new Epochs(
      {
        session,
        world,
        record: this.record,
        goals: this.goalTracker,
        answered: (id, outcome) => this.answerBook.record(id, outcome),
        contextOf: (index) => ({ command: this.commands[index] ?? null, roles: this.roleOutcomes }),
      },
      { thorough: options.thorough, limits: options.limits },
    );
    this.faultParts = { session, record: this.record, epoch: (index, input) => this.epochs.epoch(index, input) };
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
    return this.epochs.state;
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
      this.record.touch(['WORLD-RESET-BUILDS-CONFIG']);
    } catch (error) {
      if (!(error instanceof Stop)) throw error;
      this.record.failure = { ...this.record.failure!, reqs: ['WORLD-RESET-BUILDS-CONFIG', ...this.record.failure!.reqs] };
      this.record.end(-1, () => 'reset');
    }
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
    this.roleOutcomes.clear();
    try {
      await this.send(index, command);
    } catch (error) {
      if (!(error instanceof Stop)) throw error;
    } finally {
      this.record.end(index, () => describeCommand(command));
    }
    return this.record.failure === null;
  }

  /** Send command `index` and judge what it brought; batches, faults and handshakes end with an inspection. */
  private async send(index: number, command: Command): Promise<void> {
    switch (command.type) {
      case 'call': {
        const id = this.session.call(command.process, command.call);
        this.answerBook.expect(id, { command: index, slot: 0, process: command.process });
        this.stats.calls += 1;
        await this.epochs.epoch(index, { first: [], issues: [{ type: 'call', id, process: command.process, call: command.call }] });
        break;
      }
      case 'batch': {
        this.goalTracker.noteBatch(command);
        const ids = await this.session.batch(command.calls);
        ids.forEach((id, slot) => this.answerBook.expect(id, { command: index, slot, process: command.calls[slot]!.process }));
        this.stats.calls += ids.length;
        const issues = command.calls.map((c, i): Action => ({ type: 'call', id: ids[i]!, process: c.process, call: c.call }));
        await this.epochs.epoch(index, { first: [], issues });
        await this.check(index);
        break;
      }
      case 'tick':
        await this.session.tick(1);
        await this.epochs.epoch(index, { first: [{ type: 'tick' }], issues: [] });
        break;
      case 'fault':
        await injectFault(this.faultParts, index, command.fault);
        await this.check(index);
        break;
      case 'handshake':
        await playScenario(this.scenarioParts(), index, command.scenario);
        await this.check(index);
        break;
      case 'sessions':
        await playSessions(this.scenarioParts(), index, command.scenarios, command.order);
        await this.check(index);
        break;
    }
  }

  private scenarioParts(): ScenarioParts {
    return { session: this.session, world: this.world, record: this.record, goals: this.goalTracker, answers: this.answerBook, epochs: this.epochs, roleOutcomes: this.roleOutcomes };
  }

  /** Inspect: invariants first (they name the requirement), then equality with some possible model state. */
  async check(index: number): Promise<void> {
    await this.epochs.inspect(index);
  }
}
