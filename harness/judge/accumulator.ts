/**
 * What every run of a check adds up to: which requirements were exercised and
 * how often, which of the model's rules fired and how often, which failed (and where their counterexample is), which were
 * skipped for a missing capability, and the counts the report prints.
 */
import { REQUIREMENTS } from '../../spec/requirements.ts';
import type { Run } from './runner.ts';
import type { Tally } from './verdicts.ts';

/** Requirements no run can reach when a capability is missing. */
export function reqsOfCapability(capability: string): string[] {
  if (capability === 'handshakes' || capability.startsWith('role:')) return REQUIREMENTS.filter((r) => r.chapter === 'fs' || r.chapter === 'db' || r.chapter === 'handshake').map((r) => r.id);
  const kind = capability.replace(/^fault:/, '');
  const map: Record<string, string[]> = {
    crash: ['FAULT-CRASH-TEARDOWN', 'FAULT-RECOVER-RECLAIMS'],
    recover: ['FAULT-RECOVER-RECLAIMS'],
    partition: ['FAULT-PARTITION-HOLDS', 'FAULT-HEAL-DELIVERS'],
    heal: ['FAULT-HEAL-DELIVERS'],
    reset: ['FAULT-RESET'],
    'stg-fail': ['FAULT-STG-FAIL-EIO'],
    'stg-repair': ['FAULT-STG-FAIL-EIO'],
    'cbt-reserve': ['FAULT-CBT-RESERVE'],
    'cbt-release': ['FAULT-CBT-RESERVE'],
    delay: ['FAULT-DELAY-CHANNEL'],
    undelay: ['FAULT-DELAY-CHANNEL'],
  };
  return map[kind] ?? [];
}

/** Adds counts into a map of counts. */
function addCounts(into: Map<string, number>, from: Iterable<readonly [string, number]>): void {
  for (const [key, n] of from) into.set(key, (into.get(key) ?? 0) + n);
}

export class Accumulator {
  readonly exercised = new Map<string, number>();
  /** Per rule of the model (reference/rules.ts), the epochs that took it, over every run. */
  readonly fired = new Map<string, number>();
  readonly failures = new Map<string, { detail: string; counterexample: string | null }>();
  readonly findings = new Map<string, string>();
  readonly skipped = new Map<string, string>();
  readonly skippedCapabilities = new Map<string, number>();
  runs = 0;
  calls = 0;
  epochs = 0;
  handshakes = 0;
  /** The largest frontier any run's checker kept (see RunStats.frontierMax). */
  frontierMax = 0;
  readonly goals = new Map<string, number>();

  /** Adds a run's exercises and counters; `planned` is false for shrink attempts and replays, which are not runs of the check. */
  absorb(run: Run, planned = true): void {
    if (planned) this.runs += 1;
    for (const goal of run.goals) this.goals.set(goal, (this.goals.get(goal) ?? 0) + 1);
    this.calls += run.stats.calls;
    this.handshakes += run.stats.handshakes;
    this.epochs += run.stats.epochs;
    this.frontierMax = Math.max(this.frontierMax, run.stats.frontierMax);
    addCounts(this.exercised, run.touched);
    addCounts(this.fired, run.fired);
    addCounts(this.skippedCapabilities, run.skipped);
    for (const finding of run.soft) if (!this.findings.has(finding.req)) this.findings.set(finding.req, finding.message);
    for (const capability of run.skipped.keys()) {
      for (const req of reqsOfCapability(capability)) this.skipped.set(req, `the implementation does not support ${capability}`);
    }
  }

  /**
   * Adds what another accumulator absorbed (one property's runs, in its own lane), as if its runs
   * had been absorbed here in turn. Failures are not merged: they are recorded by fail(), here.
   */
  merge(other: Accumulator): void {
    this.runs += other.runs;
    this.calls += other.calls;
    this.handshakes += other.handshakes;
    this.epochs += other.epochs;
    this.frontierMax = Math.max(this.frontierMax, other.frontierMax);
    addCounts(this.goals, other.goals);
    addCounts(this.exercised, other.exercised);
    addCounts(this.fired, other.fired);
    addCounts(this.skippedCapabilities, other.skippedCapabilities);
    for (const [req, finding] of other.findings) if (!this.findings.has(req)) this.findings.set(req, finding);
    for (const [req, why] of other.skipped) this.skipped.set(req, why);
  }

  /** The first failure of a requirement is the one reported; later ones add nothing a person needs. */
  fail(req: string, detail: string, counterexample: string | null): void {
    if (!this.failures.has(req)) this.failures.set(req, { detail, counterexample });
  }

  tally(expected: ReadonlyMap<string, string>): Tally {
    return { exercised: this.exercised, failures: this.failures, findings: this.findings, skipped: this.skipped, expected };
  }
}
