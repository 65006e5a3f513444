/**
 * Verdicts per requirement, from what the runs exercised and what failed:
 * fail (a MUST broken, or a SHOULD under --strict), expected (a failure the
 * expected-failures file lists), warn (a SHOULD not met), pass, skipped (the
 * implementation lacks a capability the checks need), not-reached (no run
 * ever exercised it — a gap in the run, reported, never a pass) and stale (the
 * expected-failures file lists it, yet it was exercised and did not fail: the
 * entry is out of date, as vitest's `test.fails` reports a test that passes;
 * a failing verdict under --strict).
 */
import { REQUIREMENTS, type Requirement } from '../../spec/requirements.ts';

export type Status = 'pass' | 'fail' | 'expected' | 'stale' | 'warn' | 'skipped' | 'not-reached';

export interface Verdict {
  readonly requirement: Requirement;
  readonly status: Status;
  readonly exercised: number;
  /** Why it failed, warned or was skipped. */
  readonly detail: string | null;
  /** The counterexample file, for a failure. */
  readonly counterexample: string | null;
}

export interface Tally {
  readonly exercised: ReadonlyMap<string, number>;
  readonly failures: ReadonlyMap<string, { detail: string; counterexample: string | null }>;
  readonly findings: ReadonlyMap<string, string>;
  readonly skipped: ReadonlyMap<string, string>;
  readonly expected: ReadonlyMap<string, string>;
}

export function verdicts(tally: Tally, strict: boolean): Verdict[] {
  return REQUIREMENTS.map((requirement) => {
    const id = requirement.id;
    const exercised = tally.exercised.get(id) ?? 0;
    const failure = tally.failures.get(id);
    const finding = tally.findings.get(id);
    const expectedReason = tally.expected.get(id);
    const base = { requirement, exercised, counterexample: failure?.counterexample ?? null };
    if (failure) {
      if (expectedReason !== undefined) return { ...base, status: 'expected', detail: `${failure.detail} (expected: ${expectedReason})` };
      return { ...base, status: 'fail', detail: failure.detail };
    }
    if (finding) {
      if (expectedReason !== undefined) return { ...base, status: 'expected', detail: `${finding} (expected: ${expectedReason})` };
      return { ...base, status: strict ? 'fail' : 'warn', detail: finding };
    }
    const skip = tally.skipped.get(id);
    if (skip && exercised === 0) return { ...base, status: 'skipped', detail: skip };
    if (exercised === 0) return { ...base, status: 'not-reached', detail: null };
    if (expectedReason !== undefined) {
      return { ...base, status: 'stale', detail: `expected to fail (${expectedReason}), yet exercised ${exercised}× without failing: remove it from the expected-failures file` };
    }
    return { ...base, status: 'pass', detail: null };
  });
}

export function failing(list: readonly Verdict[]): Verdict[] {
  return list.filter((v) => v.status === 'fail');
}
