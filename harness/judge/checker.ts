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
 *
 * This file is the checker's contract (what it reads, what it answers) and
 * `checkEpoch`; the search itself is epoch-search.ts, and the words and
 * requirements a failure carries are attribution.ts.
 */
import type { State } from '../../reference/index.ts';
import { CheckerGaveUp, searchEpoch } from './epoch-search.ts';

export type { CheckerLimits, EpochInput, EpochVerdict, Failure, Observed, RoleLog, RoleMessage } from './epoch-types.ts';
import type { CheckerLimits, EpochInput, EpochVerdict, Observed } from './epoch-types.ts';

/**
 * The frontier may hold up to 1,024 states. Connects held up by a delay or a partition each keep
 * an implicit bind to a dynamic port nobody has observed yet, and arrive in an order nobody has
 * observed either. The ports no longer multiply the states — the search keeps them as one state,
 * renamed canonically until the inspection after the epoch shows them (renaming.ts) — but the
 * orders still do, and the queue-or-hold choices at a listener with them: a default check stays
 * within a dozen states, and the limit is there for what no seed has shown yet. A give-up ends only
 * its property (an exit 2, never a verdict); 1,024 costs seconds, not minutes, in an epoch that
 * needs it.
 */
export const DEFAULT_LIMITS: CheckerLimits = { maxStates: 1024, maxNodes: 200_000 };

export { CheckerGaveUp };

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
