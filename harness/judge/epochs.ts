/**
 * Epochs and the frontier: the states the model may be in, kept in step with
 * the implementation one epoch at a time.
 *
 * An epoch is what was sent since the last settle: `epoch` settles, gathers
 * every answer (results of calls, messages of handshake roles) into what the
 * checker explains, and on success moves the frontier to the states that
 * explain them; on failure it settles once more to tell an early settle from
 * a wrong answer, and inspects to find a broken invariant behind it, which
 * decide only which requirement the failure is reported under. `inspect`
 * compares the implementation's own inspection with the frontier and keeps
 * the states it matches — renaming first the ports pending connects took that
 * the epoch could not observe (renaming.ts), which is why an epoch that leaves
 * such ports is always followed by an inspection.
 */
import { type EpochInput, type EpochVerdict, type Failure, type Observed, type RoleMessage, type CheckerLimits, DEFAULT_LIMITS, checkEpoch } from './checker.ts';
import type { Settled, Session } from '../drive/session.ts';
import { type State, INVARIANT_REQS, checkInvariants, describeOp, describeOutcome, initialState, inspect } from '../../reference/index.ts';
import type { HandshakeOutcome, Outcome, Reply } from '../../spec/messages.ts';
import type { WorldConfig } from '../../spec/config.ts';
import type { Goals } from './goals.ts';
import type { RunRecord } from './record.ts';
import { type DiffContext, type Difference, breachReqs, diffInspections, normalise } from './inspection-diff.ts';
import { type OpenPorts, resolvePorts } from './renaming.ts';

/** How long, after a failure with an answer missing, further settles wait for that answer to turn up late. */
export const LATE_PROBE_MS = 100;

export interface EpochsOptions {
  /** Inspect (and check invariants) after every epoch, not only after batches, faults and handshakes. */
  readonly thorough?: boolean;
  readonly limits?: CheckerLimits;
}

/** What the epochs need from the rest of the run. */
export interface EpochsParts {
  readonly session: Session;
  readonly world: WorldConfig;
  readonly record: RunRecord;
  readonly goals: Goals;
  /** An answer arrived for call or handshake `id`. */
  readonly answered: (id: number, outcome: Outcome | HandshakeOutcome) => void;
  /** What an inspection diff knows of the command `index` (the command, how its roles ended). */
  readonly contextOf: (index: number) => Omit<DiffContext, 'state'>;
}

export class Epochs {
  private frontier: State[];
  /** Per state of the frontier, its ports nobody has observed yet (named canonically until an inspection shows them), or null. */
  private open: readonly (OpenPorts | null)[] = [null];
  /** Every handshake's messages so far, and how many earlier epochs explained; dropped once it is done. */
  private readonly logs = new Map<number, { messages: RoleMessage[]; consumed: number }>();

  constructor(
    private readonly parts: EpochsParts,
    private readonly options: EpochsOptions,
  ) {
    this.frontier = [initialState(parts.world)];
  }

  /** The state generators resolve plans against (the first of the possible ones). */
  get state(): State {
    return this.frontier[0]!;
  }

  /** One epoch: what was sent is in `input`; settle, then have the checker explain the answers. */
  async epoch(index: number, input: EpochInput): Promise<Reply[]> {
    const { session, record } = this.parts;
    const settled = await session.settle();
    record.stats.epochs += 1;
    if (settled.early.length > 0) this.earlySettle(index, settled.early);
    const observed = this.observe(settled);
    record.touch(['WIRE-WELL-FORMED', 'WIRE-ONE-REPLY', 'WIRE-TIMELY']);
    if (settled.replies.some((r) => (r.type === 'result' || r.type === 'event') && 'error' in r.outcome)) record.touch(['ERR-KNOWN-CODES']);
    const verdict = checkEpoch(this.frontier, input, observed, this.options.limits ?? DEFAULT_LIMITS);
    if (!verdict.ok) return this.blame(index, verdict.failure);
    this.accept(verdict, input);
    if (this.options.thorough || this.frontier.length > 1 || this.open.some(Boolean)) await this.inspect(index);
    return settled.replies as Reply[];
  }

  /**
   * Answers arrived after `settled` with nothing sent that could cause them: settle was answered
   * before the implementation had finished, whatever else those answers say (CLOCK-SETTLE-EXACT).
   */
  private earlySettle(index: number, early: readonly Reply[]): never {
    const first = early[0]!;
    const what = first.type === 'result' ? `the result of call id ${first.id}` : `a \`${first.type}\` of handshake id ${first.id}`;
    this.parts.record.note(`${early.length} answer(s) arrived after \`settled\`, with nothing sent since: ${what} first`);
    this.parts.record.fail(index, ['CLOCK-SETTLE-EXACT'], 'settle answered only after every call that can complete has completed and its answer was written', `\`settled\`, then ${what}`);
  }

  /** The settle's replies as the checker reads them: results by call, handshake messages appended to their logs. */
  private observe(settled: Settled): Observed {
    const { record } = this.parts;
    const results = new Map<number, Outcome>();
    const arrival = new Map<string, number>();
    const roles = new Map<number, { messages: readonly RoleMessage[]; consumed: number }>();
    settled.replies.forEach((reply, position) => {
      if (reply.type === 'result' || reply.type === 'done') this.parts.answered(reply.id, reply.outcome);
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
        record.stats.roleCalls += 1;
        log.messages.push({ type: 'event', label: reply.label, call: reply.call, outcome: reply.outcome });
      }
      else if (reply.type === 'held') log.messages.push({ type: 'held', label: reply.label });
      else if (reply.type === 'done') log.messages.push({ type: 'done', outcome: reply.outcome });
    });
    for (const [id, log] of this.logs) roles.set(id, { messages: log.messages, consumed: log.consumed });
    return { results, roles, pending: settled.pending, arrival };
  }

  /** Report a failed epoch, under the requirement its likeliest cause breaks. */
  private async blame(index: number, failure: Failure): Promise<never> {
    const { session, record, world } = this.parts;
    record.note(...failure.path);
    record.note(`✗ expected ${failure.expected}; the implementation: ${failure.actual}`);
    // Settle again, sending nothing: an answer arriving now was held back past the first
    // settle, which was therefore not exact — the cause of what looked wrong. This decides only
    // which requirement an established failure is reported under, never whether there is one;
    // when an answer was missing, the probe gives it up to LATE_PROBE_MS to turn up.
    const missing = failure.actual === 'no answer by settle';
    const until = Date.now() + (missing ? LATE_PROBE_MS : 0);
    let late: Reply[] = [];
    for (let tries = 0; late.length === 0 && (tries < 3 || Date.now() < until); tries++) {
      if (tries >= 3) await new Promise((resolve) => setTimeout(resolve, 5));
      const again = await session.settle();
      late = [...again.early, ...again.replies].filter((r) => r.type === 'result' || r.type === 'event' || r.type === 'done');
    }
    if (late.length > 0) {
      record.note(`another settle, with nothing sent, brought ${late.length} more answer(s): the first settle was answered too early`);
      record.fail(index, ['CLOCK-SETTLE-EXACT', ...failure.reqs.filter((r) => r !== 'CLOCK-SETTLE-EXACT')], failure.expected, `${failure.actual} (and an answer after settle)`);
    }
    // A wrong answer often comes from a corrupted state: when the implementation's own
    // inspection now breaks an invariant, that is the requirement to report first.
    const view = await session.inspect();
    const breach = checkInvariants(world, view)[0];
    if (breach) record.note(`inspect after the failure: ${breach.message}`);
    const reqs = breach ? [breach.req, ...failure.reqs.filter((r) => r !== breach.req)] : failure.reqs;
    return record.fail(index, reqs, failure.expected, failure.actual);
  }

  /**
   * The requirements a differing inspection names, once the call it asks for has been made: like
   * the late probe, after the failure, deciding only which requirement it is reported under.
   */
  private async probed(difference: Difference): Promise<readonly string[]> {
    const probe = difference.probe;
    if (!probe) return difference.reqs;
    const { session, record } = this.parts;
    const shown = `${probe.process}:${describeOp(probe.call)}`;
    const id = session.call(probe.process, probe.call);
    const settled = await session.settle();
    const answer = settled.replies.find((r): r is Extract<Reply, { type: 'result' }> => r.type === 'result' && r.id === id);
    if (answer) {
      record.note(`probe after the failure: ${shown}->${describeOutcome(answer.outcome)}: the inspection alone differs`);
      return difference.reqs;
    }
    record.note(`probe after the failure: ${shown} stays blocked: ${probe.why}`);
    return probe.blocked;
  }

  /** Take an explained epoch: its trace, goals, the new frontier, what it exercised and found. */
  private accept(verdict: Extract<EpochVerdict, { ok: true }>, input: EpochInput): void {
    const { record, goals } = this.parts;
    record.note(...verdict.path);
    goals.notePath(verdict.path, input, this.state);
    this.frontier = verdict.frontier;
    this.open = verdict.open;
    record.stats.frontierMax = Math.max(record.stats.frontierMax, verdict.frontier.length);
    for (const [id, log] of this.logs) {
      log.consumed = log.messages.length;
      if (log.messages.at(-1)?.type === 'done') this.logs.delete(id);
    }
    record.touch(verdict.touched);
    record.fire(verdict.rules);
    record.soft.push(...verdict.soft);
  }

  /** Inspect: invariants first (they name the requirement), then equality with some possible model state. */
  async inspect(index: number): Promise<void> {
    const { session, record, world } = this.parts;
    if (record.failure) return;
    const view = await session.inspect();
    record.stats.inspections += 1;
    const breaches = checkInvariants(world, view);
    if (breaches.length > 0) {
      record.note(`inspect: ${breaches.map((b) => b.message).join('; ')}`);
      record.fail(index, breachReqs(breaches[0]!, this.parts.contextOf(index)), 'an inspection that keeps every invariant', breaches[0]!.message);
    }
    record.touch(INVARIANT_REQS);
    const observed = normalise(view);
    // A state's unobserved ports become the ones the implementation shows, where its pool allows them.
    const named = this.frontier.map((state, i) => {
      const open = this.open[i];
      return open ? (resolvePorts(state, open, view) ?? state) : state;
    });
    const matching = named.filter((state) => observed === normalise(inspect(state)));
    if (matching.length === 0) {
      const difference = diffInspections(inspect(named[0]!), view, { state: named[0]!, ...this.parts.contextOf(index) });
      record.note(`inspect: ${difference.text}`);
      record.fail(index, await this.probed(difference), difference.expected, difference.actual);
    }
    record.touch(['WIRE-INSPECT-MATCHES']);
    this.frontier = matching;
    this.open = matching.map(() => null);
  }
}
