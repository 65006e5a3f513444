/**
 * Attribution: the words and requirements a checker failure carries. Who
 * answered ("C:socket(dss)->"), which requirement an answer left out at
 * settle breaks, when EBADF means the dispatch layer lost a descriptor, how a
 * role's message reads, what an answer no order explains blames, which
 * fault of the epoch decided an answer, and how failures rank against each
 * other: the failure reported is at the earliest answer no order explains,
 * named after the rule that produced that difference, the others after it.
 */
import { type Action, type Emission, type State, FAULT_REQS, blockedReason, enabledActions, describeHandshakeOutcome, describeOp, describeOutcome, sockKey } from '../../reference/index.ts';
import type { Op, Outcome } from '../../spec/messages.ts';
import type { Observed, RoleMessage } from './epoch-types.ts';

/** "C:socket(dss)->" for the call a violation is about, so that the report says who answered what. */
export function whose(state: State, action: Action, key: string | null, reportedLabel?: (key: string) => string | undefined): string {
  if (action.type === 'call' && (key === null || key === String(action.id))) return `${action.process}:${describeOp(action.call)}->`;
  const pending = key ? state.pending[key] : undefined;
  if (pending) return `${pending.proc}:${describeOp(pending.op)}->`;
  if (key?.startsWith('h')) {
    const run = state.roles[key.slice(1).split('.')[0]!];
    // The label the role reported for that call: the model's own may still be the step before it.
    if (run) return `${run.proc}[${reportedLabel?.(key) ?? run.label ?? '?'}]:`;
  }
  return '';
}

/**
 * EBADF for a descriptor the model has open means the call went to the wrong table — the
 * dispatch layer lost it — whatever the call was: that requirement comes first. A handshake
 * role's calls go through the same dispatch layer as the harness's, so the rule holds for them
 * too: `roleCall` gives the call a role reported for its call key ("h5.2"), which the model may
 * not have issued yet when the violation comes up.
 */
export function misrouted(
  state: State,
  action: Action,
  violation: { reqs: readonly string[]; actual: string; key: string | null },
  roleCall?: (key: string) => Op | undefined,
): readonly string[] {
  if (violation.actual !== 'EBADF') return violation.reqs;
  // The call answered: the one just issued, a pending one that completed, or a role's.
  const key = violation.key;
  const pending = key === null ? undefined : state.pending[key];
  const role = key?.startsWith('h') ? state.roles[key.slice(1).split('.')[0]!] : undefined;
  const roleOp = key !== null && role ? roleCall?.(key) : undefined;
  const call = action.type === 'call' ? { proc: action.process, op: action.call } : pending ? { proc: pending.proc, op: pending.op } : role && roleOp ? { proc: role.proc, op: roleOp } : undefined;
  return call && openFd(state, call.proc, call.op) ? dispatchFirst(violation.reqs) : violation.reqs;
}

/**
 * A role's event that answered EBADF for a descriptor the model has open in that role's process:
 * the dispatch layer lost it (as `misrouted` says of a call), whatever step the role was at.
 */
export function misroutedEvent(state: State, proc: string, message: RoleMessage | undefined, reqs: readonly string[]): readonly string[] {
  if (message?.type !== 'event' || !('error' in message.outcome) || message.outcome.error !== 'EBADF') return reqs;
  return openFd(state, proc, message.call) ? dispatchFirst(reqs) : reqs;
}

function openFd(state: State, proc: string, op: Op): boolean {
  return 'fd' in op && state.socks[sockKey(proc, op.fd)] !== undefined;
}

function dispatchFirst(reqs: readonly string[]): string[] {
  return ['DISPATCH-BY-VALUE', ...reqs.filter((r) => r !== 'DISPATCH-BY-VALUE')];
}

/** Requirements every call touches: never the reason a particular answer is due. */
const GENERIC: ReadonlySet<string> = new Set(['WORLD-PROCESS-ISOLATION', 'DISPATCH-BY-VALUE', 'CLOCK-ONLY-BLOCKING-CALLS-BLOCK', 'ERR-NO-EFFECT']);

/** Requirements broken by leaving an answer out at settle: a call that never blocks, or the decision the model made. */
export function lateReqs(emission: Emission, touched: readonly string[]): string[] {
  const op = emission.type === 'result' || emission.type === 'event' ? emission.op.op : null;
  if (op === 'socket' || op === 'bind' || op === 'listen' || op === 'getsockname' || op === 'close') return ['CLOCK-ONLY-BLOCKING-CALLS-BLOCK', 'CLOCK-SETTLE-EXACT'];
  return [...touched.filter((r) => !GENERIC.has(r) && !r.startsWith('DISPATCH-FD')), 'CLOCK-SETTLE-EXACT'];
}

/**
 * Of two failures about the same answer, the higher rank is reported: an answer no order explains
 * (1), below an answer missing or unlike the model's (2), below an answer the model names a
 * violation (3).
 */
export const RANK_UNEXPLAINED = 1;
export const RANK_MISMATCH = 2;
export const RANK_VIOLATION = 3;

/**
 * Where a failed order stands among the others, read as a person reads the answers: in the order
 * they arrived. `prefix` counts the answers, first arrived first, that the order explained before
 * the first one it left unexplained; `at` is the arrival of the answer the failure is about
 * (Infinity for an answer that never came, or a pending list); `progress` counts everything it
 * explained and applied.
 */
export interface Standing {
  /** A role's own step its table does not allow there: it fails whatever order the rest took, so it comes first. */
  readonly decisive: boolean;
  readonly prefix: number;
  readonly at: number;
  readonly rank: number;
  readonly progress: number;
}

/**
 * The failure reported is the one at the earliest answer no order can explain: the order that
 * explained the longest run of answers in arrival order, failing at the answer nearest the end of
 * that run; of failures about one answer, the higher rank; then the one that explained more.
 * Counting answers explained in any order instead (as before) let an order that went on past a
 * wrong answer by explaining later ones a stranger way blame those later answers' requirements.
 */
export function outranks(a: Standing, b: Standing | null): boolean {
  if (!b) return true;
  if (a.decisive !== b.decisive) return a.decisive;
  if (a.prefix !== b.prefix) return a.prefix > b.prefix;
  if (a.at !== b.at) return a.at < b.at;
  if (a.rank !== b.rank) return a.rank > b.rank;
  return a.progress > b.progress;
}

/** How many of the epoch's answers, taken in arrival order, an order explained before the first it did not. */
export function explainedPrefix(observed: Observed, consumed: ReadonlySet<number>, cursors: ReadonlyMap<number, number>): number {
  const answers: { at: number; explained: boolean }[] = [];
  for (const id of observed.results.keys()) answers.push({ at: observed.arrival.get(`r${id}`) ?? Infinity, explained: consumed.has(id) });
  for (const [hs, log] of observed.roles) {
    const cursor = cursors.get(hs) ?? log.consumed;
    for (let i = log.consumed; i < log.messages.length; i++) answers.push({ at: observed.arrival.get(`h${hs}#${i}`) ?? Infinity, explained: i < cursor });
  }
  answers.sort((a, b) => a.at - b.at);
  const gap = answers.findIndex((a) => !a.explained);
  return gap < 0 ? answers.length : gap;
}

/** The arrival of the answer for a call key ("17"), or of a role's next message for a role call key ("h5.2"); Infinity when none arrived. */
export function arrivalOfKey(observed: Observed, key: string | null, cursors: ReadonlyMap<number, number>): number {
  if (key === null) return Infinity;
  if (!key.startsWith('h')) return observed.arrival.get(`r${key}`) ?? Infinity;
  const hs = Number(key.slice(1).split('.')[0]);
  return observed.arrival.get(`h${hs}#${cursors.get(hs) ?? observed.roles.get(hs)?.consumed ?? 0}`) ?? Infinity;
}

/**
 * The requirement of a fault the harness applied this epoch when it was that fault that let a
 * pending call complete or decided its answer (a heal delivering a held connect, or the bytes a
 * recv waits for): an answer missing or unlike the model's there was produced by the fault's rule
 * before the call's own, so the fault's requirement comes first.
 */
export function decidedByFault(before: State, action: Action, after: State, key: string): string | null {
  if (action.type !== 'fault') return null;
  const was = before.pending[key];
  if (!was || was.result) return null;
  const completes = (state: State): boolean => enabledActions(state).some((a) => a.type === 'complete' && a.key === key);
  return after.pending[key]?.result || (!completes(before) && completes(after)) ? FAULT_REQS[action.fault.kind] : null;
}

/** A role's next message as a failure's `actual` shows it, after the process name. */
export function describeMessage(hs: number, message: RoleMessage | undefined): string {
  if (!message) return ': nothing more';
  if (message.type === 'event') return `[${message.label}]:${describeOp(message.call)}->${describeOutcome(message.outcome)}`;
  if (message.type === 'held') return `[${message.label}]:held`;
  return `:done ${describeHandshakeOutcome(message.outcome)}`;
}

/** Why an answer is a failure, as the search records it. */
export interface Blame {
  readonly rank: number;
  readonly reqs: readonly string[];
  readonly expected: string;
  readonly actual: string;
}

/** A call answered that the model has blocked, or never issued. */
export function unexplainedResult(state: State, id: number, outcome: Outcome): Blame {
  const pending = state.pending[String(id)];
  if (pending) {
    const why = blockedReason(state, String(id));
    return { rank: RANK_UNEXPLAINED, reqs: why.reqs, expected: `${pending.proc}:${describeOp(pending.op)} stays blocked: ${why.why}`, actual: describeOutcome(outcome) };
  }
  return { rank: RANK_UNEXPLAINED, reqs: ['WIRE-ONE-REPLY'], expected: `no answer for call ${id}`, actual: describeOutcome(outcome) };
}

/** A role's message when the model has the role blocked, waiting to retry its connect, or ended. */
export function unexplainedMessage(state: State, hs: number, message: RoleMessage | undefined): Blame {
  const run = state.roles[String(hs)];
  const blocked = run?.pendingKey ? blockedReason(state, run.pendingKey) : null;
  const where = run ? `${run.proc} at step ${run.label ?? 'start'}` : `handshake ${hs}, which has ended`;
  if (run && !run.pendingKey && !run.failure && run.retryAt > state.now) {
    // The role's connect was refused: the model has it retry one tick later, not give up.
    return { rank: RANK_UNEXPLAINED, reqs: ['HS-CONNECT-RETRY'], expected: `${where} retries its refused connect at tick ${run.retryAt}`, actual: `${run.proc}${describeMessage(hs, message)}` };
  }
  const expected = blocked ? `${where} stays blocked: ${blocked.why}` : `${where} makes no further move`;
  const actual = `${run?.proc ?? ''}${describeMessage(hs, message)}`;
  if (run && blocked && timedOutEarly(state, run, message)) {
    // The role gave its step up on the step's own timeout while the model has it waiting there, fewer than
    // stepTimeout ticks (time held not counted): the rule that produced the answer is the step timeout's,
    // whatever keeps the call blocked. Naming the blocking cause first (a partition) blamed a rule the
    // implementation kept: its call was still waiting when the role gave up.
    return { rank: RANK_UNEXPLAINED, reqs: ['HS-STEP-TIMEOUT', ...blocked.reqs, 'HS-STEP-ORDER'], expected, actual };
  }
  return { rank: RANK_UNEXPLAINED, reqs: blocked ? [...blocked.reqs, 'HS-STEP-ORDER'] : ['HS-STEP-ORDER'], expected, actual };
}

/** A role's `done failed@<its step> ETIMEDOUT` while the model has it at that step for fewer than stepTimeout ticks. */
function timedOutEarly(state: State, run: State['roles'][string], message: RoleMessage | undefined): boolean {
  if (message?.type !== 'done' || message.outcome.status !== 'failed') return false;
  const { label, error } = message.outcome;
  return error === 'ETIMEDOUT' && label === run.label && state.now - run.labelSince < state.config.ticks.stepTimeout;
}
