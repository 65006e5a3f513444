/**
 * What a property is: a named generator of worlds and plans aimed at one
 * chapter of the spec, with the requirements it sets out to reach. Every
 * property is judged the same way — every answer against the model, every
 * inspection against the invariants — so a violation anywhere is reported
 * under the requirement it breaks, whichever property found it.
 */
import type fc from 'fast-check';
import type { WorldConfig } from '../spec/config.ts';
import type { ChapterId } from '../spec/requirements.ts';
import type { Role } from '../spec/messages.ts';
import type { PlanStep } from '../harness/generate/plan.ts';

export interface Property {
  readonly id: string;
  readonly title: string;
  readonly chapter: ChapterId;
  /** The requirements this property is built to exercise (it checks all of them, always). */
  readonly reqs: readonly string[];
  readonly world: fc.Arbitrary<WorldConfig>;
  readonly plan: fc.Arbitrary<PlanStep[]>;
  /** What the implementation must declare for this property to run at all. */
  readonly needs?: { readonly handshakes?: readonly Role[]; readonly faults?: readonly string[] };
  /** Relative share of the runs and of the budget. */
  readonly weight: number;
  /** Inspect after every step of every run (as --thorough does for all properties). */
  readonly thorough?: boolean;
}
