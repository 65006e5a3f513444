/**
 * What a report says about the check besides the summary: which implementation, under which
 * dualsock, which share of the properties — and, for `dualsock merge`, the reports it came from
 * and the requirement × implementation matrix.
 */
import type { Status } from '../judge/verdicts.ts';

export interface ReportContext {
  /** How --impl was written (a module path or a command line). */
  readonly impl: string;
  /** The name the implementation gave in hello (its own text: show it through printable). */
  readonly name: string;
  readonly version?: string;
  /** The share of the properties this check ran (--shard i/n). */
  readonly shard?: { readonly index: number; readonly count: number } | null;
  /** --strict was given (recorded so that `merge` judges stale expected failures the same way). */
  readonly strict?: boolean;
  /** For a merged report: what was merged. */
  readonly merged?: MergeInfo;
}

export interface MergeInfo {
  /** The report files merged, as given on the command line. */
  readonly sources: readonly string[];
  /** Shards of n that no report covered (their properties did not run). */
  readonly missingShards: readonly string[];
  /** Present when the reports came from more than one implementation. */
  readonly matrix: Matrix | null;
}

/** Requirement × implementation, as the Autobahn suite prints its results. */
export interface Matrix {
  readonly implementations: readonly MatrixImplementation[];
  /** One row per requirement, in the order of spec/requirements.ts. */
  readonly rows: readonly MatrixRow[];
}

export interface MatrixImplementation {
  readonly command: string;
  readonly name: string;
  readonly seed: number;
  readonly exitCode: number;
  readonly verdict: string;
}

export interface MatrixRow {
  readonly id: string;
  readonly level: 'MUST' | 'SHOULD';
  readonly chapter: string;
  readonly title: string;
  /** One cell per implementation, in the order of `implementations`. */
  readonly cells: readonly MatrixCell[];
}

export interface MatrixCell {
  readonly status: Status;
  readonly exercised: number;
  readonly detail: string | null;
  readonly counterexample: string | null;
}
