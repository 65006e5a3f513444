/**
 * What the checker reads and answers: the epoch the harness sent, what the implementation
 * answered, and the verdict. Types only, shared by checker.ts, the search and attribution,
 * so that none of them imports another for its types.
 */
import type { Action, Emission, SoftFinding, State } from '../../reference/index.ts';
import type { HandshakeOutcome, Op, Outcome } from '../../spec/messages.ts';
import type { OpenPorts } from './renaming.ts';

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
      /** Per state of the frontier, the ports its pending connects took that nobody has observed (renamed canonically), or null. */
      readonly open: readonly (OpenPorts | null)[];
      /** Emissions in the order that explained them (the first solution). */
      readonly path: readonly Emission[];
      readonly soft: readonly SoftFinding[];
      readonly touched: ReadonlySet<string>;
      /** The rules (reference/rules.ts) the explaining orders took, over every solution. */
      readonly rules: ReadonlySet<string>;
      readonly nodes: number;
    }
  | { readonly ok: false; readonly failure: Failure; readonly nodes: number };

export interface CheckerLimits {
  /** States kept in the frontier. */
  readonly maxStates: number;
  /** Search nodes before the checker gives up on an epoch (reported as a harness error). */
  readonly maxNodes: number;
}

