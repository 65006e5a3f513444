/**
 * What a whole check comes to: the verdict per requirement, how far each
 * property got against what was planned, and anything that kept the check
 * from reaching a verdict. The report room renders it; the command line turns
 * it into an exit code.
 */
import { RULES, type Rule } from '../../reference/rules.ts';
import { REQUIREMENTS } from '../../spec/requirements.ts';
import type { ProtocolError } from '../drive/protocol-error.ts';
import type { Counterexample } from './counterexample.ts';
import type { Verdict } from './verdicts.ts';

/**
 * The one word a check ends with. Only CONFORMS is a pass, and a check earns it only when
 * every planned run of every selected property ran and was judged. RUN-PASSES is what a
 * `--path` re-run of one run says when that run passes: exit 0, but not a verdict.
 */
export type Outcome = 'CONFORMS' | 'NON-CONFORMANCE' | 'INCOMPLETE' | 'HARNESS-ERROR' | 'PROTOCOL-BREAK' | 'RUN-PASSES';

/** How one property's share of the check went, against what the seed planned for it. */
export interface PropertyTally {
  readonly id: string;
  /** Runs the seed planned (a count, never a time). */
  readonly planned: number;
  /** Runs that ran and were judged before the property ended. */
  readonly ran: number;
  readonly ended: 'complete' | 'failed' | 'cut' | 'skipped' | 'broken' | 'harness-error';
  /** Wall-clock time the property took, shrinking included: for people and JUnit, never for a verdict. */
  readonly elapsedMs?: number;
  /** Why it ended short of its plan, for people. */
  readonly why: string | null;
}

export interface PropertyFailure {
  readonly property: string;
  readonly seed: number;
  readonly path: string;
  readonly file: string;
  readonly counterexample: Counterexample;
  /** The failure's first requirement is in the expected-failures file: shown, never gated on. */
  readonly expected: boolean;
}

export interface CheckSummary {
  readonly outcome: Outcome;
  readonly exitCode: number;
  readonly seed: number;
  /** The implementation as the user named it, and as its hello named itself. */
  readonly impl: string;
  readonly name: string;
  readonly verdicts: readonly Verdict[];
  readonly failures: readonly PropertyFailure[];
  readonly properties: readonly PropertyTally[];
  /** Why the check is not a full verdict (a budget cut, an unreached requirement…); empty when it is. */
  readonly incomplete: readonly string[];
  /** An error of the harness itself (exit 2), with what to do. */
  readonly harnessError: string | null;
  /** Requirements the selection left out on purpose (--only, a shard), said once. */
  readonly outOfSelection: { readonly count: number; readonly why: string } | null;
  readonly runs: number;
  readonly plannedRuns: number;
  readonly calls: number;
  readonly epochs: number;
  /** Protocol messages the harness sent (requests of every kind). */
  readonly messages: number;
  readonly handshakes: number;
  /** The most model states one epoch left possible, over every run: how close the checker came to its limit. */
  readonly frontierMax?: number;
  /** How many runs reached each deep situation (GOALS and fault points). */
  readonly goals: ReadonlyMap<string, number>;
  /**
   * Per rule of the model (reference/rules.ts) that fired, the epochs that took it; see
   * `ruleCoverage`. Absent where rules were not counted: the reports then say nothing of them.
   */
  readonly rules?: ReadonlyMap<string, number>;
  readonly protocolError: ProtocolError | null;
  readonly skipped: ReadonlyMap<string, number>;
  /** Wall-clock time, for people only: nothing in a verdict depends on it. */
  readonly elapsedMs: number;
}

/** How much of the model's rules a check took: what the reports print per chapter and per requirement. */
export interface RuleCoverage {
  /** Rules some default world can fire (the list less its `unreachable` ones). */
  readonly reachable: number;
  /** Reachable rules that fired at least once. */
  readonly fired: number;
  /** Reachable rules that never fired, in list order: the blind spots. */
  readonly neverFired: readonly Rule[];
  /** Unreachable rules, with why (never counted as missing). */
  readonly unreachable: readonly Rule[];
}

/** The chapter a rule belongs to: its first requirement's. */
export function chapterOfRule(rule: Rule): string {
  return REQUIREMENTS.find((r) => r.id === rule.reqs[0])?.chapter ?? 'world';
}

/** Coverage of `rules` (default: every rule of the model) by the counts a check fired. */
export function ruleCoverage(fired: ReadonlyMap<string, number> = new Map(), rules: readonly Rule[] = RULES): RuleCoverage {
  const reachable = rules.filter((r) => r.unreachable === undefined);
  const neverFired = reachable.filter((r) => (fired.get(r.id) ?? 0) === 0);
  return { reachable: reachable.length, fired: reachable.length - neverFired.length, neverFired, unreachable: rules.filter((r) => r.unreachable !== undefined) };
}
