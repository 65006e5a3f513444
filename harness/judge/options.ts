/**
 * What the CLI hands the engine once every flag has been parsed and checked.
 * The CLI owns parsing and validation (so a bad flag is exit 2 before any
 * implementation starts); the engine owns running.
 */
import type { ImplementationSpec } from '../drive/drivers.ts';

export type ReportKind = 'json' | 'junit' | 'html';
export const REPORT_KINDS: readonly ReportKind[] = ['json', 'junit', 'html'];

export interface ReportTarget {
  readonly kind: ReportKind;
  readonly path: string;
}

export interface ExpectedFailure {
  /** A requirement ID from spec/requirements.ts. */
  readonly requirement: string;
  /** Why the failure is expected (shown in the report). */
  readonly reason: string;
}

export interface CheckOptions {
  readonly impl: ImplementationSpec;
  /** Absent: the engine picks one and prints it. */
  readonly seed?: number;
  readonly runs?: number;
  readonly budgetMs?: number;
  /** Requirement IDs, chapter names or property names to restrict the run to (empty: everything). */
  readonly only: readonly string[];
  /** SHOULD failures fail the run too. */
  readonly strict: boolean;
  readonly expectedFailures: readonly ExpectedFailure[];
  readonly reports: readonly ReportTarget[];
  /** Wall-clock bound for each protocol message. */
  readonly timeoutMs: number;
  /** Wall-clock bound for start-up (hello and the first reset); default DEFAULT_STARTUP_TIMEOUT_MS. */
  readonly startupTimeoutMs?: number;
  /** How long a subprocess may take to exit after acknowledging bye; default DEFAULT_EXIT_GRACE_MS. */
  readonly exitGraceMs?: number;
  /** Inspect after every step, not only after batches, faults and handshakes. */
  readonly thorough?: boolean;
  /** Capabilities that must be declared: missing ones fail the run instead of being skipped. */
  readonly require?: readonly string[];
  /** A directory of saved counterexamples replayed before the random runs. */
  readonly corpus?: string;
  /** Also save each new counterexample into this directory (a regression corpus). */
  readonly saveTo?: string;
  /** Where counterexample files are written (default .dualsock/counterexamples). */
  readonly outDir?: string;
  /** Re-run exactly one failure: "<property>:<fast-check path>", as printed by a failure. */
  readonly path?: string;
  /** How --impl was written, for replay lines. */
  readonly implText?: string;
  /** A live progress line (on a terminal). */
  readonly progress?: boolean;
  /** Colour in the console summary (a terminal, or FORCE_COLOR). */
  readonly colour?: boolean;
  /** The terminal's width, for the console summary. */
  readonly columns?: number;
  /** Instances of the implementation at once, each running whole properties (default 1). */
  readonly jobs?: number;
  /** Run only this share of the properties: shard `index` (1-based) of `count`. */
  readonly shard?: { readonly index: number; readonly count: number };
}

export interface ReplayOptions {
  /** A saved counterexample file, or else seed + path. */
  readonly file?: string;
  readonly seed?: number;
  readonly path?: string;
  /** Absent: the implementation recorded in the counterexample. */
  readonly impl?: ImplementationSpec;
  readonly timeoutMs: number;
  readonly startupTimeoutMs?: number;
  readonly exitGraceMs?: number;
}

/** Where the engine writes what a person reads; the CLI passes process.stdout/stderr, tests pass buffers. */
export interface Output {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Exit codes of dualsock (README "Using it"). */
export const EXIT = {
  conforms: 0,
  nonConformance: 1,
  usage: 2,
  protocol: 3,
} as const;
