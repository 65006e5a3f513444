/** A CheckSummary made by hand, for the report room's tests: every requirement passes unless told otherwise. */
import { REQUIREMENTS } from '../../../spec/requirements.ts';
import type { CheckSummary, PropertyFailure } from '../../judge/summary.ts';
import type { Counterexample } from '../../judge/counterexample.ts';
import type { Status, Verdict } from '../../judge/verdicts.ts';

export function summaryWith(statuses: Record<string, { status: Status; detail?: string; counterexample?: string }> = {}, extra: Partial<CheckSummary> = {}): CheckSummary {
  const verdicts: Verdict[] = REQUIREMENTS.map((requirement) => {
    const given = statuses[requirement.id];
    return { requirement, status: given?.status ?? 'pass', exercised: given?.status === 'not-reached' ? 0 : 3, detail: given?.detail ?? null, counterexample: given?.counterexample ?? null };
  });
  return {
    outcome: 'CONFORMS',
    exitCode: 0,
    seed: 42,
    impl: 'impl.ts',
    name: 'test',
    verdicts,
    failures: [],
    properties: [],
    incomplete: [],
    harnessError: null,
    outOfSelection: null,
    runs: 10,
    plannedRuns: 10,
    calls: 100,
    epochs: 50,
    messages: 200,
    handshakes: 2,
    goals: new Map(),
    rules: new Map(),
    protocolError: null,
    skipped: new Map(),
    elapsedMs: 1234,
    ...extra,
  };
}

const WORLD: Counterexample['world'] = {
  hosts: [
    { name: 'srv', processes: ['S'] },
    { name: 'cli', processes: ['C'] },
  ],
  cbt: { capacity: 4 },
  stgs: [{ id: 1, length: 4, ports: [5000, 5001] }],
  wkp: 7000,
  fdBoundary: 1024,
  netPorts: [40000, 40002],
  ticks: { connectTimeout: 2, stepTimeout: 3 },
  wellKnownString: '3030303030303030',
} as Counterexample['world'];

/** A failure of `property` breaking `req` with the given steps and trace. */
export function failureOf(property: string, req: string, steps: Counterexample['steps'], trace: Counterexample['trace'], world: Partial<Counterexample['world']> = {}): PropertyFailure {
  const file = `${process.cwd()}/.dualsock/counterexamples/${property}-seed42.json`;
  return {
    property,
    seed: 42,
    path: '1:0',
    file,
    expected: false,
    counterexample: {
      format: 1,
      dualsock: '0.1.0',
      status: 'final',
      implementation: 'impl.ts',
      property,
      seed: 42,
      path: '1:0',
      violated: [req],
      expected: 'something',
      actual: 'something else',
      failedAt: Math.max(0, steps.length - 1),
      thorough: false,
      world: { ...WORLD, ...world },
      steps,
      answers: [],
      trace,
      replay: `npx dualsock replay ${file}`,
      reproduce: `npx dualsock check --impl impl.ts --seed 42 --path ${property}:1:0`,
    },
  };
}
