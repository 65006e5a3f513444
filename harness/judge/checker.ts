/**
 * The checker: judges what an implementation answered between two settles
 * (an "epoch") against the model.
 *
 * An epoch starts from the states the model may be in (the frontier), applies
 * what the harness sent (calls of a batch in any order; a tick, fault or
 * resume first), and must explain every answer that came back: each result
 * and each handshake message is matched to a model action — a call issued, a
 * blocked call completing, a role moving — in some order the model accepts.
 * That is linearizability over the epoch, found by a depth-first search with
 * memoisation on (model state, what has been explained). The epoch ends
 * settled: nothing the model could still do without the clock advancing, and
 * the implementation's pending list equal to the model's.
 *
 * When no order explains the answers, the verdict is the failure that got
 * furthest, with the requirements the model's decision rested on.
 */
import {
  type Action,
  type Emission,
  type SoftFinding,
  type State,
  blockedReason,
  describeEmission,
  describeOp,
  describeOutcome,
  enabledActions,
  fingerprint,
  pendingIds,
  step,
} from '../../reference/index.ts';
import { deepEqual } from '../../reference/equal.ts';
import { RANK_MISMATCH, RANK_UNEXPLAINED, RANK_VIOLATION, describeMessage, lateReqs, misrouted, whose } from './attribution.ts';
import type { HandshakeOutcome, Op, Outcome } from '../../spec/messages.ts';

export type RoleMessage =
  | { readonly type: 'event'; readonly label: string; readonly call: Op; readonly outcome: Outcome }
  | { readonly type: 'held'; readonly label: string }
  | { readonly type: 'done'; readonly outcome: HandshakeOutcome };

export interface RoleLog {
  /** Every message of the handshake so far, in arrival order. */
  readonly messages: readonly RoleMessage[];
  /** How many of them earlier epochs explained. */
  readonly consumed: number;
}

export interface Observed {
  /** Results of plain calls that arrived this epoch. */
  readonly results: ReadonlyMap<number, Outcome>;
  /** Handshakes with messages to explain (or still running). */
  readonly roles: ReadonlyMap<number, RoleLog>;
  /** The settle reply's pending list. */
  readonly pending: readonly number[];
  /** Arrival position of each answer ("r17", "h5#3"), to try the likeliest order first. */
  readonly arrival: ReadonlyMap<string, number>;
}

export interface EpochInput {
  /** Applied first, in this order (tick, fault, resume). */
  readonly first: readonly Action[];
  /** Issued in any order (calls of a batch, handshake starts). */
  readonly issues: readonly Action[];
}

export interface Failure {
  readonly reqs: readonly string[];
  readonly expected: string;
  readonly actual: string;
  /** Emissions of the order that got furthest, up to the failure. */
  readonly path: readonly Emission[];
  readonly progress: number;
  readonly rank: number;
}

export type EpochVerdict =
  | {
      readonly ok: true;
      readonly frontier: State[];
      /** Emissions in the order that explained them (the first solution). */
      readonly path: readonly Emission[];
      readonly soft: readonly SoftFinding[];
      readonly touched: ReadonlySet<string>;
      readonly nodes: number;
    }
  | { readonly ok: false; readonly failure: Failure; readonly nodes: number };

export interface CheckerLimits {
  /** States kept in the frontier. */
  readonly maxStates: number;
  /** Search nodes before the checker gives up on an epoch (reported as a harness error). */
  readonly maxNodes: number;
}

export const DEFAULT_LIMITS: CheckerLimits = { maxStates: 64, maxNodes: 200_000 };

/** Nodes an epoch's search visits before it starts remembering the states it has seen. */
const MEMO_AFTER_NODES = 16;

export class CheckerGaveUp extends Error {
  constructor(readonly nodes: number, why = `after ${nodes} search nodes: the epoch has too many possible orders`) {
    super(`the checker gave up ${why}`);
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
}

/** What the steps from the root to this node emitted, found and touched — walked back only where needed. */
function along<T>(node: Node, part: (n: Node) => readonly T[]): T[] {
  const chunks: (readonly T[])[] = [];
  for (let n: Node | null = node; n; n = n.parent) chunks.push(part(n));
  return chunks.reverse().flat();
}

const same = deepEqual;

export function checkEpoch(frontier: readonly State[], input: EpochInput, observed: Observed, limits: CheckerLimits = DEFAULT_LIMITS): EpochVerdict {
  const verdict = searchEpoch(frontier, input, observed, limits, false);
  // A SHOULD is unmet only if no order explains the answers without it: the first order found
  // may be the unlucky one (a recv that looks short only when placed before a send).
  if (verdict.ok && verdict.soft.length > 0) {
    const clean = searchEpoch(frontier, input, observed, limits, true);
    if (clean.ok) return { ...verdict, soft: [], path: clean.path, nodes: verdict.nodes + clean.nodes };
  }
  return verdict;
}

function searchEpoch(frontier: readonly State[], input: EpochInput, observed: Observed, limits: CheckerLimits, forbidSoft: boolean): EpochVerdict {
  const solutions: Node[] = [];
  const ends = new Set<string>();
  const seen = new Set<string>();
  let best: Failure | null = null;
  let nodes = 0;


  /** The role call keys map to event messages: the n-th call of a handshake is its n-th event. */
  const eventOutcomes = new Map<number, Outcome[]>();
  for (const [hs, log] of observed.roles) {
    eventOutcomes.set(
      hs,
      log.messages.filter((m): m is Extract<RoleMessage, { type: 'event' }> => m.type === 'event').map((m) => m.outcome),
    );
  }
  const observe = (key: string): Outcome | undefined => {
    if (key.startsWith('h')) {
      const [hs, seq] = key.slice(1).split('.').map(Number) as [number, number];
      return eventOutcomes.get(hs)?.[seq];
    }
    return observed.results.get(Number(key));
  };

  const progressOf = (node: Node): number =>
    node.firstDone + node.issued.filter(Boolean).length + node.consumed.size + [...node.cursors.values()].reduce((a, b) => a + b, 0);

  const fail = (node: Node, rank: number, reqs: readonly string[], expected: string, actual: string, extra: readonly Emission[] = []): void => {
    const progress = progressOf(node);
    if (!best || progress > best.progress || (progress === best.progress && rank > best.rank)) {
      best = { reqs, expected, actual, path: [...along(node, (n) => n.emissions), ...extra], progress, rank };
    }
  };

  /** Match the emissions of one model action against the answers; a new node, or null after recording why not. */
  const absorb = (node: Node, result: Extract<ReturnType<typeof step>, { kind: 'ok' }>, issuedIndex: number, firstDone: number, branched: boolean): Node | null => {
    if (forbidSoft && result.soft.length > 0) return null;
    const consumed = new Set(node.consumed);
    const cursors = new Map(node.cursors);
    for (const emission of result.emissions) {
      if (emission.type === 'result') {
        const answer = observed.results.get(emission.id);
        if (answer === undefined || consumed.has(emission.id)) {
          fail(node, RANK_MISMATCH, lateReqs(emission, result.touched), `${describeEmission(emission)} (it can complete now)`, 'no answer by settle', [emission]);
          return null;
        }
        if (!same(answer, emission.outcome)) {
          fail(node, RANK_MISMATCH, result.touched, describeEmission(emission), describeOutcome(answer), [emission]);
          return null;
        }
        consumed.add(emission.id);
        continue;
      }
      const log = observed.roles.get(emission.id);
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
        const reqs = message === undefined ? lateReqs(emission, emission.reqs) : emission.reqs;
        fail(node, rank, reqs, describeEmission(emission), `${emission.proc}${describeMessage(emission.id, message)}`, [emission]);
        return null;
      }
      cursors.set(emission.id, cursor + 1);
    }
    const issued = issuedIndex >= 0 ? node.issued.map((b, i) => b || i === issuedIndex) : node.issued;
    return {
      state: result.state,
      branched: node.branched || branched,
      firstDone,
      issued,
      consumed,
      cursors,
      parent: node,
      emissions: result.emissions,
      soft: result.soft,
      touched: result.touched,
    };
  };

  /** Every way an action can go (unobservable choices enumerated). */
  const outcomesOf = (state: State, action: Action): ReturnType<typeof step>[] => {
    const results: ReturnType<typeof step>[] = [];
    const stack: number[][] = [[]];
    while (stack.length > 0) {
      const prefix = stack.pop()!;
      const result = step(state, action, { observed: observe, choices: prefix });
      results.push(result);
      if (result.kind === 'illegal') break;
      const points = result.choicePoints;
      for (let i = prefix.length; i < points.length; i++) {
        for (let c = 1; c < points[i]!; c++) stack.push([...prefix, ...new Array<number>(i - prefix.length).fill(0), c]);
      }
    }
    return results;
  };

  const arrivalOf = (action: Action, node: Node): number => {
    if (action.type === 'complete') {
      if (action.key.startsWith('h')) {
        const hs = Number(action.key.slice(1).split('.')[0]);
        return observed.arrival.get(`h${hs}#${node.cursors.get(hs) ?? observed.roles.get(hs)?.consumed ?? 0}`) ?? 1e9;
      }
      return observed.arrival.get(`r${action.key}`) ?? 1e9;
    }
    if (action.type === 'advance') return observed.arrival.get(`h${action.hs}#${node.cursors.get(action.hs) ?? observed.roles.get(action.hs)?.consumed ?? 0}`) ?? -1;
    return 0;
  };

  const allExplained = (node: Node): boolean => {
    if (node.consumed.size !== observed.results.size) return false;
    for (const [hs, log] of observed.roles) if ((node.cursors.get(hs) ?? log.consumed) !== log.messages.length) return false;
    return true;
  };

  const visit = (node: Node): void => {
    if (solutions.length > limits.maxStates) return;
    nodes += 1;
    if (nodes > limits.maxNodes) throw new CheckerGaveUp(nodes);
    // Memoising visited states prunes searches that blow up; a small one is cheaper without it.
    if (node.branched && nodes > MEMO_AFTER_NODES) {
      const memo = `${fingerprint(node.state)}|${node.firstDone}|${node.issued.join()}|${[...node.consumed].sort().join()}|${[...node.cursors].join(';')}`;
      if (seen.has(memo)) return;
      seen.add(memo);
    }

    if (node.firstDone < input.first.length) {
      const action = input.first[node.firstDone]!;
      const results = outcomesOf(node.state, action);
      for (const result of results) {
        if (result.kind === 'illegal') throw new Error(`harness sent an impossible ${action.type}: ${result.reason}`);
        if (result.kind === 'violation') {
          fail(node, RANK_VIOLATION, misrouted(node.state, action, result.violation), result.violation.expected, whose(node.state, action, result.violation.key) + result.violation.actual);
          continue;
        }
        const next = absorb(node, result, -1, node.firstDone + 1, results.length > 1);
        if (next) visit(next);
      }
      return;
    }

    const enabled = enabledActions(node.state);
    const candidates: { action: Action; issue: number; order: number }[] = [];
    input.issues.forEach((action, i) => {
      if (!node.issued[i]) candidates.push({ action, issue: i, order: 1e6 + i });
    });
    const unobserved: Action[] = [];
    for (const action of enabled) {
      if (action.type === 'complete') {
        const known = action.key.startsWith('h') ? observe(action.key) !== undefined : observed.results.has(Number(action.key)) && !node.consumed.has(Number(action.key));
        if (!known) {
          unobserved.push(action);
          continue;
        }
      }
      candidates.push({ action, issue: -1, order: arrivalOf(action, node) });
    }
    candidates.sort((a, b) => a.order - b.order);

    if (candidates.length === 0) {
      if (!allExplained(node)) {
        unexplained(node);
        return;
      }
      if (unobserved.length > 0) {
        shouldHaveCompleted(node, unobserved[0]!);
        return;
      }
      const modelPending = pendingIds(node.state);
      if (!same(modelPending, [...observed.pending].sort((a, b) => a - b))) {
        fail(
          node,
          RANK_MISMATCH,
          ['CLOCK-SETTLE-EXACT'],
          `settle lists pending [${modelPending.join(', ')}]`,
          `settle listed [${[...observed.pending].sort((a, b) => a - b).join(', ')}]`,
        );
        return;
      }
      // Ends are told apart only once there is more than one (most epochs have one).
      if (solutions.length === 0) {
        solutions.push(node);
        return;
      }
      if (ends.size === 0) ends.add(fingerprint(solutions[0]!.state));
      const end = fingerprint(node.state);
      if (!ends.has(end)) {
        ends.add(end);
        solutions.push(node);
      }
      return;
    }

    for (const candidate of candidates) {
      const results = outcomesOf(node.state, candidate.action);
      for (const result of results) {
        if (result.kind === 'illegal') throw new Error(`harness sent an impossible ${candidate.action.type}: ${result.reason}`);
        if (result.kind === 'violation') {
          fail(node, RANK_VIOLATION, misrouted(node.state, candidate.action, result.violation), result.violation.expected, whose(node.state, candidate.action, result.violation.key) + result.violation.actual);
          continue;
        }
        const next = absorb(node, result, candidate.issue, node.firstDone, candidates.length > 1 || results.length > 1);
        if (next) visit(next);
        if (solutions.length > limits.maxStates) return;
      }
    }
    if (unobserved.length > 0 && allExplained(node)) shouldHaveCompleted(node, unobserved[0]!);
  };

  /** An answer no order of the model's actions produces: the model has the call blocked, or the role cannot move. */
  const unexplained = (node: Node): void => {
    const candidates: { at: number; report: () => void }[] = [];
    for (const [id, outcome] of observed.results) {
      if (node.consumed.has(id)) continue;
      const pending = node.state.pending[String(id)];
      candidates.push({
        at: observed.arrival.get(`r${id}`) ?? 0,
        report: () => {
          if (pending) {
            const why = blockedReason(node.state, String(id));
            fail(node, RANK_UNEXPLAINED, why.reqs, `${pending.proc}:${describeOp(pending.op)} stays blocked: ${why.why}`, describeOutcome(outcome));
          } else {
            fail(node, RANK_UNEXPLAINED, ['WIRE-ONE-REPLY'], `no answer for call ${id}`, describeOutcome(outcome));
          }
        },
      });
    }
    for (const [hs, log] of observed.roles) {
      const cursor = node.cursors.get(hs) ?? log.consumed;
      if (cursor >= log.messages.length) continue;
      const run = node.state.roles[String(hs)];
      candidates.push({
        at: observed.arrival.get(`h${hs}#${cursor}`) ?? 0,
        report: () => {
          const message = log.messages[cursor];
          const blocked = run?.pendingKey ? blockedReason(node.state, run.pendingKey) : null;
          const where = run ? `${run.proc} at step ${run.label ?? 'start'}` : `handshake ${hs}, which has ended`;
          if (run && !run.pendingKey && !run.failure && run.retryAt > node.state.now) {
            // The role's connect was refused: the model has it retry one tick later, not give up.
            fail(node, RANK_UNEXPLAINED, ['HS-CONNECT-RETRY'], `${where} retries its refused connect at tick ${run.retryAt}`, `${run.proc}${describeMessage(hs, message)}`);
            return;
          }
          const expected = blocked ? `${where} stays blocked: ${blocked.why}` : `${where} makes no further move`;
          fail(node, RANK_UNEXPLAINED, blocked ? [...blocked.reqs, 'HS-STEP-ORDER'] : ['HS-STEP-ORDER'], expected, `${run?.proc ?? ''}${describeMessage(hs, message)}`);
        },
      });
    }
    candidates.sort((a, b) => a.at - b.at);
    candidates[0]?.report();
  };

  const shouldHaveCompleted = (node: Node, action: Action): void => {
    const result = step(node.state, action);
    if (result.kind !== 'ok') return;
    const emission = result.emissions[0];
    if (!emission) return;
    fail(node, RANK_MISMATCH, lateReqs(emission, result.touched), `${describeEmission(emission)} (it can complete now)`, 'still pending at settle', [emission]);
  };

  for (const state of frontier) {
    visit({ state, branched: frontier.length > 1, firstDone: 0, issued: input.issues.map(() => false), consumed: new Set(), cursors: new Map(), parent: null, emissions: [], soft: [], touched: [] });
    if (solutions.length > limits.maxStates) break;
  }
  // Dropping a possible state could later blame a correct implementation: give up instead.
  if (solutions.length > limits.maxStates) throw new CheckerGaveUp(nodes, `: the answers leave more than ${limits.maxStates} possible states of the world`);

  if (solutions.length === 0) {
    const failure: Failure = best ?? { reqs: ['CLOCK-SETTLE-EXACT'], expected: 'an explanation', actual: 'none found', path: [], progress: 0, rank: 0 };
    return { ok: false, failure, nodes };
  }
  const first = solutions[0]!;
  const touched = new Set<string>(['CLOCK-SETTLE-EXACT']);
  for (const s of solutions) for (const req of along(s, (n) => n.touched)) touched.add(req);
  return { ok: true, frontier: solutions.map((s) => s.state), path: along(first, (n) => n.emissions), soft: along(first, (n) => n.soft), touched, nodes };
}
