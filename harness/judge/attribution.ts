/**
 * Attribution: the words and requirements a checker failure carries. Who
 * answered ("C:socket(dss)->"), which requirement an answer left out at
 * settle breaks, when EBADF means the dispatch layer lost a descriptor, how a
 * role's message reads, what an answer no order explains blames, and how
 * failures rank against each other, so that the failure a person reads
 * first names the likeliest cause.
 */
import { type Action, type Emission, type State, blockedReason, describeHandshakeOutcome, describeOp, describeOutcome, sockKey } from '../../reference/index.ts';
import type { Outcome } from '../../spec/messages.ts';
import type { RoleMessage } from './epoch-types.ts';

/** "C:socket(dss)->" for the call a violation is about, so that the report says who answered what. */
export function whose(state: State, action: Action, key: string | null): string {
  if (action.type === 'call' && (key === null || key === String(action.id))) return `${action.process}:${describeOp(action.call)}->`;
  const pending = key ? state.pending[key] : undefined;
  if (pending) return `${pending.proc}:${describeOp(pending.op)}->`;
  if (key?.startsWith('h')) {
    const run = state.roles[key.slice(1).split('.')[0]!];
    if (run) return `${run.proc}[${run.label ?? '?'}]:`;
  }
  return '';
}

/**
 * EBADF for a descriptor the model has open means the call went to the wrong table — the
 * dispatch layer lost it — whatever the call was: that requirement comes first.
 */
export function misrouted(state: State, action: Action, violation: { reqs: readonly string[]; actual: string; key: string | null }): readonly string[] {
  if (violation.actual !== 'EBADF') return violation.reqs;
  // The call answered: the one just issued, or a pending one that completed.
  const pending = violation.key === null ? undefined : state.pending[violation.key];
  const call = action.type === 'call' ? { proc: action.process, op: action.call } : pending && { proc: pending.proc, op: pending.op };
  if (!call || !('fd' in call.op) || !state.socks[sockKey(call.proc, call.op.fd)]) return violation.reqs;
  return ['DISPATCH-BY-VALUE', ...violation.reqs.filter((r) => r !== 'DISPATCH-BY-VALUE')];
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
 * Of two failures that explained as many answers, the higher rank is reported: an answer no
 * order explains (1), below an answer missing or unlike the model's (2), below an answer the
 * model names a violation (3).
 */
export const RANK_UNEXPLAINED = 1;
export const RANK_MISMATCH = 2;
export const RANK_VIOLATION = 3;

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
  return { rank: RANK_UNEXPLAINED, reqs: blocked ? [...blocked.reqs, 'HS-STEP-ORDER'] : ['HS-STEP-ORDER'], expected, actual: `${run?.proc ?? ''}${describeMessage(hs, message)}` };
}
