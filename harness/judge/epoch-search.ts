/**
 * The epoch search: a depth-first search for an order of the model's actions
 * that explains every answer of one epoch (checker.ts says what an epoch is).
 *
 * It reads top-down: `run` visits one root per state of the frontier and
 * turns what it found into a verdict. `visit` expands a node — first the
 * actions the harness applied first (tick, fault, resume), then, in the
 * likeliest order, each issued call and each enabled action whose answer
 * arrived — and `settleAt` decides a node with nothing left to try: an
 * answer unexplained, a call that should have completed, a pending list that
 * differs, or a solution. `match` matches the emissions of one model step
 * against what was observed; `fail` keeps the failure at the earliest answer,
 * in arrival order, that no order explains (attribution.ts `outranks`);
 * `seenBefore` memoises on (model state, what has been explained) once a
 * search is big enough for it to pay.
 *
 * Dynamic ports that connects still pending took, and that nothing in the
 * epoch names, are renamed canonically as soon as a step has chosen them
 * (renaming.ts): the states that differ only in those ports are one node,
 * and one state of the next frontier, whatever order the calls arrived in.
 */
import type { CheckerLimits, EpochInput, EpochVerdict, Failure, Observed, RoleMessage } from './epoch-types.ts';
import { type NamedPorts, type OpenPorts, canonicalPorts, openSockets, portsNamed, portsNamedBy } from './renaming.ts';
import {
  type Action,
  type Emission,
  type ObservedStep,
  type SoftFinding,
  type State,
  describeEmission,
  describeOutcome,
  enabledActions,
  fingerprint,
  pendingIds,
  step,
} from '../../reference/index.ts';
import { deepEqual } from '../../reference/equal.ts';
import {
  type Blame,
  type Standing,
  RANK_MISMATCH,
  RANK_VIOLATION,
  arrivalOfKey,
  decidedByFault,
  describeMessage,
  explainedPrefix,
  lateReqs,
  misrouted,
  misroutedEvent,
  outranks,
  unexplainedMessage,
  unexplainedResult,
  whose,
} from './attribution.ts';
import type { Outcome } from '../../spec/messages.ts';

/** Added to the progress of a failure no order of the other answers can avoid (a role's own step order), so that it is the one reported. */
const DECISIVE = 1_000_000;

/** Nodes an epoch's search visits before it starts remembering the states it has seen. */
const MEMO_AFTER_NODES = 16;

export class CheckerGaveUp extends Error {
  constructor(
    readonly nodes: number,
    /** Why, for people: which limit the epoch went past. */
    readonly reason = `after ${nodes} search nodes, the epoch has too many possible orders`,
  ) {
    super(`the checker gave up: ${reason}`);
  }
}

interface Node {
  readonly state: State;
  /** Some ancestor had a choice: only then can two orders meet in one state, so only then is memoising worth a fingerprint. */
  readonly branched: boolean;
  readonly firstDone: number;
  readonly issued: readonly boolean[];
  readonly consumed: ReadonlySet<number>;
  readonly cursors: ReadonlyMap<number, number>;
  /** The node this one was reached from, and what the step between them emitted, found and touched. */
  readonly parent: Node | null;
  readonly emissions: readonly Emission[];
  readonly soft: readonly SoftFinding[];
  readonly touched: readonly string[];
  /** The rules (reference/rules.ts) the step took. */
  readonly rules: readonly string[];
}

/** What the steps from the root to this node emitted, found and touched — walked back only where needed. */
function along<T>(node: Node, part: (n: Node) => readonly T[]): T[] {
  const chunks: (readonly T[])[] = [];
  for (let n: Node | null = node; n; n = n.parent) chunks.push(part(n));
  return chunks.reverse().flat();
}

const same = deepEqual;

/** A role's messages by call: the n-th event, or the `held` that came where the n-th event is due. */
function stepsOf(messages: readonly RoleMessage[]): ObservedStep[] {
  const steps: ObservedStep[] = [];
  let seq = 0;
  for (const message of messages) {
    if (message.type === 'event') steps[seq++] = { label: message.label, call: message.call, outcome: message.outcome };
    else if (message.type === 'held') steps[seq] = { label: message.label };
  }
  return steps;
}

type StepResult = ReturnType<typeof step>;
type RoleEmission = Exclude<Emission, { type: 'result' }>;

/** An action to try from a node: `issue` is its index among the epoch's issues (-1 for an enabled action), `order` the likeliest first. */
interface Candidate {
  readonly action: Action;
  readonly issue: number;
  readonly order: number;
}

/** Search one epoch; with `forbidSoft`, only orders that leave every SHOULD met explain it. */
export function searchEpoch(frontier: readonly State[], input: EpochInput, observed: Observed, limits: CheckerLimits, forbidSoft: boolean): EpochVerdict {
  return new EpochSearch(input, observed, limits, forbidSoft).run(frontier);
}

class EpochSearch {
  /** Nodes where every answer was explained, one per distinct end state (the next frontier). */
  private readonly solutions: Node[] = [];
  /** Per solution, the ports its pending connects took that nobody observed (renamed canonically), or null. */
  private readonly openPorts: (OpenPorts | null)[] = [];
  /** Ports the epoch names (its calls, its answers, what its start states refer to): never renamed. */
  private readonly named: NamedPorts = new Set();
  /** Calls pending before the epoch: the inspection after the epoch that issued them has shown their ports. */
  private readonly earlier = new Set<string>();
  /** Fingerprints of the solutions' end states; kept only once there is more than one solution. */
  private readonly ends = new Set<string>();
  private readonly seen = new Set<string>();
  private best: Failure | null = null;
  /** Where the kept failure stands (attribution.ts `outranks`). */
  private standing: Standing | null = null;
  private nodes = 0;
  /**
   * The role call keys map to event messages: the n-th call of a handshake is its n-th event,
   * and a `held` just before it gives its label before the call is made.
   */
  private readonly eventSteps = new Map<number, ObservedStep[]>();

  constructor(
    private readonly input: EpochInput,
    private readonly observed: Observed,
    private readonly limits: CheckerLimits,
    private readonly forbidSoft: boolean,
  ) {
    for (const [hs, log] of observed.roles) {
      this.eventSteps.set(hs, stepsOf(log.messages));
      portsNamed(log.messages, this.named);
    }
    portsNamed(input, this.named);
    portsNamed([...observed.results.values()], this.named);
  }

  run(frontier: readonly State[]): EpochVerdict {
    for (const state of frontier) {
      portsNamedBy(state, this.named);
      for (const key of Object.keys(state.pending)) this.earlier.add(key);
    }
    for (const state of frontier) {
      this.visit({ state, branched: frontier.length > 1, firstDone: 0, issued: this.input.issues.map(() => false), consumed: new Set(), cursors: new Map(), parent: null, emissions: [], soft: [], touched: [], rules: [] });
      if (this.full()) break;
    }
    // Dropping a possible state could later blame a correct implementation: give up instead.
    if (this.full()) throw new CheckerGaveUp(this.nodes, `the answers leave more than ${this.limits.maxStates} possible states of the world`);
    return this.verdict();
  }

  /** The first solution's path and findings, every solution's end state; or the failure that got furthest. */
  private verdict(): EpochVerdict {
    const { solutions, nodes } = this;
    if (solutions.length === 0) {
      const failure: Failure = this.best ?? { reqs: ['CLOCK-SETTLE-EXACT'], expected: 'an explanation', actual: 'none found', path: [], progress: 0, rank: 0 };
      return { ok: false, failure, nodes };
    }
    const first = solutions[0]!;
    const touched = new Set<string>(['CLOCK-SETTLE-EXACT']);
    for (const s of solutions) for (const req of along(s, (n) => n.touched)) touched.add(req);
    const rules = new Set<string>();
    for (const s of solutions) for (const rule of along(s, (n) => n.rules)) rules.add(rule);
    return { ok: true, frontier: solutions.map((s) => s.state), open: this.openPorts, path: along(first, (n) => n.emissions), soft: along(first, (n) => n.soft), touched, rules, nodes };
  }

  /** More solutions than the frontier may hold: the search stops. */
  private full(): boolean {
    return this.solutions.length > this.limits.maxStates;
  }

  // ── expanding a node ─────────────────────────────────────────────────────

  /** Expand a node: the actions applied first, in order; then every candidate, likeliest first; a node with none is decided. */
  private visit(node: Node): void {
    if (this.full()) return;
    this.nodes += 1;
    if (this.nodes > this.limits.maxNodes) throw new CheckerGaveUp(this.nodes);
    if (this.seenBefore(node)) return;

    if (node.firstDone < this.input.first.length) {
      const action = this.input.first[node.firstDone]!;
      const results = this.outcomesOf(node.state, action);
      const twins = results.length > 1 ? new Set<string>() : null;
      for (const result of results) {
        const next = this.follow(node, action, result, -1, node.firstDone + 1, results.length > 1);
        if (next && !this.twin(twins, next)) this.visit(next);
      }
      return;
    }

    const { candidates, unobserved } = this.candidatesAt(node);
    if (candidates.length === 0) {
      this.settleAt(node, unobserved);
      return;
    }
    for (const candidate of candidates) {
      const results = this.outcomesOf(node.state, candidate.action);
      const twins = results.length > 1 ? new Set<string>() : null;
      for (const result of results) {
        const next = this.follow(node, candidate.action, result, candidate.issue, node.firstDone, candidates.length > 1 || results.length > 1);
        if (next && !this.twin(twins, next)) this.visit(next);
        if (this.full()) return;
      }
    }
    if (unobserved.length > 0 && this.allExplained(node)) this.shouldHaveCompleted(node, unobserved[0]!);
  }

  /**
   * One way of a step that leads where another way of it already led: with unobserved ports
   * renamed, every free port a pending connect may have taken is one node, visited once.
   */
  private twin(twins: Set<string> | null, node: Node): boolean {
    if (!twins) return false;
    const key = `${fingerprint(node.state)}|${[...node.consumed].sort().join()}|${[...node.cursors].join(';')}|${JSON.stringify(node.soft)}`;
    if (twins.has(key)) return true;
    twins.add(key);
    return false;
  }

  /** Memoising visited states prunes searches that blow up; a small one is cheaper without it. */
  private seenBefore(node: Node): boolean {
    if (!node.branched || this.nodes <= MEMO_AFTER_NODES) return false;
    const memo = `${fingerprint(node.state)}|${node.firstDone}|${node.issued.join()}|${[...node.consumed].sort().join()}|${[...node.cursors].join(';')}`;
    if (this.seen.has(memo)) return true;
    this.seen.add(memo);
    return false;
  }

  /** What may happen next: issues not yet sent, and enabled actions whose answer arrived (likeliest first); the enabled completions nobody answered. */
  private candidatesAt(node: Node): { candidates: Candidate[]; unobserved: Action[] } {
    const candidates: Candidate[] = [];
    this.input.issues.forEach((action, i) => {
      if (!node.issued[i]) candidates.push({ action, issue: i, order: 1e6 + i });
    });
    const unobserved: Action[] = [];
    for (const action of enabledActions(node.state)) {
      if (action.type === 'complete') {
        const known = action.key.startsWith('h') ? this.observe(action.key) !== undefined : this.observed.results.has(Number(action.key)) && !node.consumed.has(Number(action.key));
        if (!known) {
          unobserved.push(action);
          continue;
        }
      }
      candidates.push({ action, issue: -1, order: this.arrivalOf(action, node) });
    }
    candidates.sort((a, b) => a.order - b.order);
    return { candidates, unobserved };
  }

  /** Every way an action can go (unobservable choices enumerated). */
  private outcomesOf(state: State, action: Action): StepResult[] {
    const results: StepResult[] = [];
    const stack: number[][] = [[]];
    while (stack.length > 0) {
      const prefix = stack.pop()!;
      const result = step(state, action, { observed: (key) => this.observe(key), observedStep: (key) => this.observeStep(key), choices: prefix });
      results.push(result);
      if (result.kind === 'illegal') break;
      const points = result.choicePoints;
      for (let i = prefix.length; i < points.length; i++) {
        for (let c = 1; c < points[i]!; c++) stack.push([...prefix, ...new Array<number>(i - prefix.length).fill(0), c]);
      }
    }
    return results;
  }

  /** One way an action went: a violation is a failure; otherwise its emissions must match the answers. */
  private follow(node: Node, action: Action, result: StepResult, issue: number, firstDone: number, branched: boolean): Node | null {
    if (result.kind === 'illegal') throw new Error(`harness sent an impossible ${action.type}: ${result.reason}`);
    if (result.kind === 'violation') {
      // A role's own event that its table does not allow there fails whatever order the rest
      // took: it is reported before failures that other orders reach further on (a peer's recv
      // of bytes the role never sent in the table's way).
      const ownOrder = (action.type === 'advance' || action.type === 'complete') && result.violation.reqs.includes('HS-STEP-ORDER');
      const reqs = misrouted(node.state, action, result.violation, (key) => this.observeStep(key)?.call);
      const key = result.violation.key ?? (action.type === 'call' ? String(action.id) : null);
      this.fail(node, RANK_VIOLATION, reqs, result.violation.expected, whose(node.state, action, result.violation.key, (k) => this.observeStep(k)?.label) + result.violation.actual, [], ownOrder, arrivalOfKey(this.observed, key, node.cursors));
      return null;
    }
    return this.match(node, result, issue, firstDone, branched);
  }

  // ── matching observed answers ────────────────────────────────────────────

  /** The sockets of a state whose implicit port only this epoch chose, and nothing observed. */
  private openIn(state: State): string[] {
    return openSockets(state, (key) => !this.earlier.has(key) && this.observe(key) === undefined, this.named);
  }

  /** The outcome observed for a completion key: a call's result ("17"), or a role's n-th event ("h5.2"). */
  private observe(key: string): Outcome | undefined {
    if (key.startsWith('h')) return this.observeStep(key)?.outcome;
    return this.observed.results.get(Number(key));
  }

  /** What a role reported for its call key "h5.3": the label, call and outcome of its fourth event, or the label it is held before. */
  private observeStep(key: string): ObservedStep | undefined {
    const [hs, seq] = key.slice(1).split('.').map(Number) as [number, number];
    return this.eventSteps.get(hs)?.[seq];
  }

  /** Arrival position of the answer an action would explain, to try the likeliest order first. */
  private arrivalOf(action: Action, node: Node): number {
    const { observed } = this;
    if (action.type === 'complete') {
      if (action.key.startsWith('h')) {
        const hs = Number(action.key.slice(1).split('.')[0]);
        return observed.arrival.get(`h${hs}#${node.cursors.get(hs) ?? observed.roles.get(hs)?.consumed ?? 0}`) ?? 1e9;
      }
      return observed.arrival.get(`r${action.key}`) ?? 1e9;
    }
    if (action.type === 'advance') return observed.arrival.get(`h${action.hs}#${node.cursors.get(action.hs) ?? observed.roles.get(action.hs)?.consumed ?? 0}`) ?? -1;
    return 0;
  }

  /** Match the emissions of one model step against the answers; a new node, or null after recording why not. */
  private match(node: Node, result: Extract<StepResult, { kind: 'ok' }>, issuedIndex: number, firstDone: number, branched: boolean): Node | null {
    if (this.forbidSoft && result.soft.length > 0) return null;
    const consumed = new Set(node.consumed);
    const cursors = new Map(node.cursors);
    for (const emission of result.emissions) {
      const ok = emission.type === 'result' ? this.matchResult(node, emission, result.touched, consumed) : this.matchMessage(node, emission, cursors);
      if (!ok) return null;
    }
    const issued = issuedIndex >= 0 ? node.issued.map((b, i) => b || i === issuedIndex) : node.issued;
    return {
      state: canonicalPorts(result.state, this.openIn(result.state), this.named).state,
      branched: node.branched || branched,
      firstDone,
      issued,
      consumed,
      cursors,
      parent: node,
      emissions: result.emissions,
      soft: result.soft,
      touched: result.touched,
      rules: result.rules,
    };
  }

  /** A call's result the model emits: it must have arrived, once, equal to the model's. */
  private matchResult(node: Node, emission: Extract<Emission, { type: 'result' }>, touched: readonly string[], consumed: Set<number>): boolean {
    const answer = this.observed.results.get(emission.id);
    if (answer === undefined || consumed.has(emission.id)) {
      this.fail(node, RANK_MISMATCH, this.faultFirst(node, String(emission.id), lateReqs(emission, touched)), `${describeEmission(emission)} (it can complete now)`, 'no answer by settle', [emission]);
      return false;
    }
    if (!same(answer, emission.outcome)) {
      this.fail(node, RANK_MISMATCH, this.faultFirst(node, String(emission.id), touched), describeEmission(emission), describeOutcome(answer), [emission], false, this.observed.arrival.get(`r${emission.id}`));
      return false;
    }
    consumed.add(emission.id);
    return true;
  }

  /** A role's message the model emits: it must be that role's next message, equal to the model's. */
  private matchMessage(node: Node, emission: RoleEmission, cursors: Map<number, number>): boolean {
    const log = this.observed.roles.get(emission.id);
    const cursor = cursors.get(emission.id) ?? log?.consumed ?? 0;
    const message = log?.messages[cursor];
    const ok =
      message !== undefined &&
      (emission.type === 'event'
        ? message.type === 'event' && message.label === emission.label && same(message.call, emission.op) && same(message.outcome, emission.outcome)
        : emission.type === 'held'
          ? message.type === 'held' && message.label === emission.label
          : message.type === 'done' && same(message.outcome, emission.outcome));
    if (!ok) {
      const rank = message === undefined ? RANK_MISMATCH : RANK_VIOLATION;
      const reqs = message === undefined ? lateReqs(emission, emission.reqs) : misroutedEvent(node.state, emission.proc, message, emission.reqs);
      const at = message === undefined ? Infinity : this.observed.arrival.get(`h${emission.id}#${cursor}`);
      this.fail(node, rank, reqs, describeEmission(emission), `${emission.proc}${describeMessage(emission.id, message)}`, [emission], false, at);
      return false;
    }
    cursors.set(emission.id, cursor + 1);
    return true;
  }

  /** Every result consumed and every role's messages matched. */
  private allExplained(node: Node): boolean {
    if (node.consumed.size !== this.observed.results.size) return false;
    for (const [hs, log] of this.observed.roles) if ((node.cursors.get(hs) ?? log.consumed) !== log.messages.length) return false;
    return true;
  }

  // ── deciding a node with nothing left to try ────────────────────────────

  /** Nothing left to try: every answer explained, nothing the model could still complete, the same pending list — or the failure why not. */
  private settleAt(node: Node, unobserved: readonly Action[]): void {
    if (!this.allExplained(node)) {
      this.unexplained(node);
      return;
    }
    if (unobserved.length > 0) {
      this.shouldHaveCompleted(node, unobserved[0]!);
      return;
    }
    const modelPending = pendingIds(node.state);
    const listed = [...this.observed.pending].sort((a, b) => a - b);
    if (!same(modelPending, listed)) {
      this.fail(node, RANK_MISMATCH, ['CLOCK-SETTLE-EXACT'], `settle lists pending [${modelPending.join(', ')}]`, `settle listed [${listed.join(', ')}]`);
      return;
    }
    this.keepSolution(node);
  }

  /** Keep a solution whose end state is new; ends are told apart only once there is more than one (most epochs have one). */
  private keepSolution(node: Node): void {
    const { solutions, ends } = this;
    if (solutions.length > 0) {
      if (ends.size === 0) ends.add(fingerprint(solutions[0]!.state));
      const end = fingerprint(node.state);
      if (ends.has(end)) return;
      ends.add(end);
    }
    solutions.push(node);
    this.openPorts.push(canonicalPorts(node.state, this.openIn(node.state), this.named).ports);
  }

  // ── ranking failures ─────────────────────────────────────────────────────

  /** How many answers and actions a node has explained: the failure with the most is the one reported. */
  private progressOf(node: Node): number {
    return node.firstDone + node.issued.filter(Boolean).length + node.consumed.size + [...node.cursors.values()].reduce((a, b) => a + b, 0);
  }

  /**
   * Keep the failure at the earliest answer no order explains (attribution.ts `outranks`); a failure
   * about that same answer from another order adds the requirements it names after the first's.
   * `at` is the arrival of the answer the failure is about (Infinity: none arrived).
   */
  private fail(node: Node, rank: number, reqs: readonly string[], expected: string, actual: string, extra: readonly Emission[] = [], decisive = false, at = Infinity): void {
    const progress = this.progressOf(node) + (decisive ? DECISIVE : 0);
    const standing: Standing = { decisive, prefix: explainedPrefix(this.observed, node.consumed, node.cursors), at, rank, progress };
    const best = this.best;
    if (outranks(standing, this.standing)) {
      this.best = { reqs, expected, actual, path: [...along(node, (n) => n.emissions), ...extra], progress, rank };
      this.standing = standing;
    } else if (best && this.standing && at !== Infinity && standing.decisive === this.standing.decisive && standing.prefix === this.standing.prefix && at === this.standing.at) {
      const also = reqs.filter((r) => !best.reqs.includes(r));
      if (also.length > 0) this.best = { ...best, reqs: [...best.reqs, ...also] };
    }
  }

  /**
   * A call's answer a fault of this epoch decided (a heal delivering a held connect): the fault's
   * requirement first, then the call's own. The steps from the epoch's start are walked back to
   * the one that decided it.
   */
  private faultFirst(node: Node, key: string, reqs: readonly string[]): readonly string[] {
    for (let n: Node | null = node; n?.parent; n = n.parent) {
      if (n.firstDone === n.parent.firstDone) continue;
      const req = decidedByFault(n.parent.state, this.input.first[n.parent.firstDone]!, n.state, key);
      if (req) return [req, ...reqs.filter((r) => r !== req)];
    }
    return reqs;
  }

  private blame(node: Node, blame: Blame, at: number): void {
    this.fail(node, blame.rank, blame.reqs, blame.expected, blame.actual, [], false, at);
  }

  /** An answer no order of the model's actions produces: the model has the call blocked, or the role cannot move. */
  private unexplained(node: Node): void {
    const candidates: { at: number; report: () => void }[] = [];
    for (const [id, outcome] of this.observed.results) {
      if (node.consumed.has(id)) continue;
      const at = this.observed.arrival.get(`r${id}`) ?? 0;
      candidates.push({ at, report: () => this.blame(node, unexplainedResult(node.state, id, outcome), at) });
    }
    for (const [hs, log] of this.observed.roles) {
      const cursor = node.cursors.get(hs) ?? log.consumed;
      if (cursor >= log.messages.length) continue;
      const at = this.observed.arrival.get(`h${hs}#${cursor}`) ?? 0;
      candidates.push({ at, report: () => this.blame(node, unexplainedMessage(node.state, hs, log.messages[cursor]), at) });
    }
    candidates.sort((a, b) => a.at - b.at);
    candidates[0]?.report();
  }

  /** A blocked call the model can complete now, left pending at settle. */
  private shouldHaveCompleted(node: Node, action: Action): void {
    const result = step(node.state, action);
    if (result.kind !== 'ok') return;
    const emission = result.emissions[0];
    if (!emission) return;
    const key = action.type === 'complete' ? action.key : null;
    const reqs = key === null ? lateReqs(emission, result.touched) : this.faultFirst(node, key, lateReqs(emission, result.touched));
    this.fail(node, RANK_MISMATCH, reqs, `${describeEmission(emission)} (it can complete now)`, 'still pending at settle', [emission]);
  }
}
