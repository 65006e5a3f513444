/**
 * What a step needs besides the state: how to settle the choices the spec
 * leaves open, and where to put what it emits.
 *
 * Two kinds of choice exist. Observable ones (which descriptor, which dynamic
 * port, how many bytes a recv returns) are settled by the implementation's
 * answer when there is one (`observed`), and checked against the allowed set;
 * without one the step takes the canonical value (lowest free, all readable).
 * Unobservable ones (does a queue of `backlog` admit one more?) go through
 * `pick`, which a checker enumerates.
 */
import type { HandshakeOutcome, Op, Outcome } from '../spec/messages.ts';
import type { RuleId } from './rules.ts';

export type Emission =
  | { readonly type: 'result'; readonly id: number; readonly proc: string; readonly op: Op; readonly outcome: Outcome }
  | {
      readonly type: 'event';
      readonly id: number;
      readonly proc: string;
      readonly label: string;
      readonly op: Op;
      readonly outcome: Outcome;
      /** The requirements of the step that made this call. */
      readonly reqs: readonly string[];
    }
  | { readonly type: 'held'; readonly id: number; readonly proc: string; readonly label: string; readonly reqs: readonly string[] }
  | { readonly type: 'done'; readonly id: number; readonly proc: string; readonly outcome: HandshakeOutcome; readonly reqs: readonly string[] };

/** A step met an answer the spec does not allow. */
export class Violation {
  constructor(
    readonly reqs: readonly string[],
    readonly expected: string,
    readonly actual: string,
    readonly key: string | null = null,
  ) {}
}

/** An input that cannot be applied in this state at all (a harness bug, not a verdict). */
export class Illegal {
  constructor(readonly reason: string) {}
}

export interface SoftFinding {
  readonly req: string;
  readonly message: string;
}

export interface Ctx {
  /** The implementation's answer for a call key, when checking; undefined when choosing. */
  observed(key: string): Outcome | undefined;
  /** An unobservable choice among n ways (0 = the canonical one); `rule` names the choice point (rules.ts). */
  pick(n: number, rule: RuleId): number;
  /** A SHOULD the implementation's answer did not meet. */
  soft(req: string, message: string): void;
  emit(emission: Emission): void;
  /**
   * Note the requirements a decision rests on, and the rule (rules.ts) that names the decision:
   * the report counts how often each requirement was exercised and which of its rules fired.
   */
  touch(reqs: readonly string[], rule: RuleId): void;
}
