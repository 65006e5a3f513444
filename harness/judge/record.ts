/**
 * The record of one run: what a report and a counterexample need from it.
 *
 * The trace (a line per call and note, kept per command in the order the
 * checker explained them), which requirements the run exercised and how often,
 * which of the model's rules (reference/rules.ts) fired and how often,
 * SHOULD findings, capabilities the implementation skipped, counters, and the
 * first failure. Every other piece of a run writes here; `fail` also stops the
 * command that is running, by throwing `Stop`, which the runner catches.
 */
import type { Emission, SoftFinding } from '../../reference/index.ts';
import { describeEmission } from '../../reference/index.ts';

export interface RunFailure {
  readonly reqs: readonly string[];
  readonly expected: string;
  readonly actual: string;
  /** Index of the command during which it failed. */
  readonly command: number;
}

export interface TraceEntry {
  readonly command: number;
  readonly what: string;
  readonly lines: readonly string[];
}

export interface RunStats {
  calls: number;
  /** Socket calls handshake roles made (their events). */
  roleCalls: number;
  epochs: number;
  inspections: number;
  handshakes: number;
  /** The most model states any epoch of the run left possible (the checker's frontier): how close it came to its limit. */
  frontierMax: number;
}

/** Thrown by `fail` to end the running command; the runner catches it, everything else lets it pass. */
export class Stop extends Error {}

export class RunRecord {
  /** The trace as recorded: emissions stay objects until someone reads the trace (most runs pass, unread). */
  private readonly raw: { command: number; what: () => string; items: (Emission | string)[] }[] = [];
  /** The lines of the command running now. */
  private lines: (Emission | string)[] = [];
  readonly touched = new Map<string, number>();
  /** Per rule of the model, the epochs in which some explaining order took it. */
  readonly fired = new Map<string, number>();
  readonly soft: SoftFinding[] = [];
  readonly skipped = new Map<string, number>();
  readonly stats: RunStats = { calls: 0, roleCalls: 0, epochs: 0, inspections: 0, handshakes: 0, frontierMax: 0 };
  failure: RunFailure | null = null;

  /** The trace of the run, a line per call and note, in the order the checker explained them. */
  get trace(): TraceEntry[] {
    return this.raw.map((entry) => ({
      command: entry.command,
      what: entry.what(),
      lines: entry.items.map((item) => (typeof item === 'string' ? item : describeEmission(item))),
    }));
  }

  /** Start the lines of a new command (or of the reset). */
  begin(): void {
    this.lines = [];
  }

  /** Close the running command's lines into the trace, under `what` (read only when the trace is). */
  end(command: number, what: () => string): void {
    this.raw.push({ command, what, items: this.lines });
  }

  note(...items: (Emission | string)[]): void {
    this.lines.push(...items);
  }

  touch(reqs: Iterable<string>): void {
    for (const req of reqs) this.touched.set(req, (this.touched.get(req) ?? 0) + 1);
  }

  fire(rules: Iterable<string>): void {
    for (const rule of rules) this.fired.set(rule, (this.fired.get(rule) ?? 0) + 1);
  }

  skip(capability: string): void {
    this.skipped.set(capability, (this.skipped.get(capability) ?? 0) + 1);
  }

  fail(index: number, reqs: readonly string[], expected: string, actual: string): never {
    this.failure = { reqs, expected, actual, command: index };
    throw new Stop();
  }
}
