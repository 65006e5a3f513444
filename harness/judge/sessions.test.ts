/**
 * Sessions one after another and at once (SPEC.md §13.30): the resolver gives each session of a
 * `sessions` command a listening host of its own, and a run of sessions between the same hosts
 * conforms on the reference while an implementation whose accepted sockets keep the WKP from
 * being bound again is caught under NET-BIND-INUSE.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { check } from '../cli/check.ts';
import { engineOptions, quiet } from '../cli/engine-testing.ts';
import { sessionsFor } from '../generate/sessions.ts';
import type { PlanStep, Scenario } from '../generate/plan.ts';
import { rolesOf } from '../generate/plan.ts';
import { initialState } from '../../reference/index.ts';
import { type WorldConfig, hostOf } from '../../spec/config.ts';
import type { Property } from '../../properties/property.ts';
import createAcceptedHoldsPort from '../../fixtures/mutants/accepted-holds-port/index.ts';

const world: WorldConfig = {
  hosts: [
    { name: 'srv', processes: ['S', 'S2'] },
    { name: 'cli', processes: ['C', 'C2'] },
    { name: 'h3', processes: ['P', 'P2'] },
  ],
  cbt: { capacity: 24 },
  stgs: [{ id: 1, length: 8, ports: [5000, 5015] }],
  wkp: 7000,
  fdBoundary: 1024,
  netPorts: [40000, 40009],
  ticks: { connectTimeout: 3, stepTimeout: 4 },
  wellKnownString: '3030303030303030',
};

const ALL_ROLES = { handshakes: ['fs-server', 'fs-client', 'db-server', 'db-client'] as const, faults: [] };
const listeningHost = (s: Scenario): string => hostOf(world, s.flow === 'fs' ? s.client.process : s.server.process)!;

describe('sessionsFor', () => {
  test('each session gets its own listening host and processes no other session uses', () => {
    const state = initialState(world);
    fc.assert(
      fc.property(
        fc.array(fc.record({ flow: fc.constantFrom('fs' as const, 'db' as const), server: fc.nat(63), client: fc.nat(63), together: fc.boolean() }), { minLength: 1, maxLength: 4 }),
        (sessions) => {
          const scenarios = sessionsFor(state, { sessions, order: [0] }, ALL_ROLES);
          expect(scenarios).not.toBeNull();
          const listening = scenarios!.map(listeningHost);
          expect(new Set(listening).size).toBe(listening.length);
          const processes = scenarios!.flatMap((s) => [s.server.process, s.client.process]);
          expect(new Set(processes).size).toBe(processes.length);
          for (const s of scenarios!) {
            expect(hostOf(world, s.server.process)).not.toBe(hostOf(world, s.client.process));
            expect([s.server.by, s.client.by, s.deviation, s.fault]).toEqual(['impl', 'impl', null, null]);
          }
          // Three hosts: at most three set-ups listen at once; the first session always finds its hosts.
          expect(scenarios!.length).toBeGreaterThanOrEqual(1);
          expect(scenarios!.length).toBeLessThanOrEqual(Math.min(sessions.length, 3));
          expect(scenarios![0]!.flow).toBe(sessions[0]!.flow);
        },
      ),
      { seed: 7, numRuns: 200 },
    );
  });

  test('a session whose roles the implementation does not play is left out; none left, no command', () => {
    const state = initialState(world);
    const plan = { sessions: [{ flow: 'fs' as const, server: 0, client: 0, together: false }, { flow: 'db' as const, server: 1, client: 1, together: false }], order: [0] };
    const dbOnly = sessionsFor(state, plan, { handshakes: ['db-server', 'db-client'], faults: [] });
    expect(dbOnly!.map((s) => s.flow)).toEqual(['db']);
    expect(sessionsFor(state, plan, { handshakes: [rolesOf('fs').server], faults: [] })).toBeNull();
  });
});

/** A property that plays exactly `plan` in the world above. */
function fixed(plan: PlanStep[]): Property {
  return { id: 'sessions-fixed', title: 'a fixed plan of sessions', chapter: 'handshake', reqs: ['HS-SESSIONS'], world: fc.constant(world), plan: fc.constant(plan), weight: 1 };
}

const plain = (flow: 'fs' | 'db', server: number, client: number): PlanStep => ({
  t: 'hs',
  plan: { flow, impl: 'both', server, client, deviation: null, deviationAt: 0, fault: null, faultAt: 0, faultTicks: 0, together: false, holdTicks: 0 },
});

/** File-system sessions S→C twice in a row (C listens on cli's WKP while the first session's control and status connections hold it), then three at once. */
const PLAN: PlanStep[] = [
  plain('fs', 0, 2),
  plain('fs', 0, 2),
  plain('db', 0, 2),
  {
    t: 'sessions',
    plan: {
      sessions: [
        { flow: 'fs', server: 0, client: 0, together: false },
        { flow: 'db', server: 0, client: 1, together: true },
        { flow: 'fs', server: 1, client: 1, together: false },
      ],
      order: [0, 3, 1, 2, 5],
    },
  },
];

describe('a run of sessions between the same hosts', () => {
  test('conforms on the reference, with HS-SESSIONS exercised', async () => {
    const output = quiet();
    const summary = await check(engineOptions(1, 'sessions', { properties: [fixed(PLAN)], runs: 1 }), output);
    expect(summary.failures).toEqual([]);
    expect(summary.exitCode === 0 || summary.exitCode === 2).toBe(true);
    expect(summary.handshakes).toBe(6);
    // The first file-system session's client ends established beside the connections of the one before (session.beside-established).
    expect(summary.rules!.get('session.beside-established')).toBeGreaterThan(0);
    expect(summary.rules!.get('bind.net.shared-by-accepted')).toBeGreaterThan(0);
    // Every role of the six sessions ends established (epochs that took each rule: the three at once share some).
    expect([...summary.rules!.keys()].filter((rule) => /^hs\..*\.failed$/.test(rule))).toEqual([]);
    for (const role of ['fs-client', 'fs-server', 'db-server', 'db-client']) expect(summary.rules!.get(`hs.${role}.established`), role).toBeGreaterThan(0);
  });

  test('accepted sockets that keep the WKP from the next session: caught under NET-BIND-INUSE', async () => {
    const output = quiet();
    const summary = await check(engineOptions(1, 'sessions-mutant', { impl: { kind: 'factory', factory: createAcceptedHoldsPort }, properties: [fixed(PLAN)], runs: 1 }), output);
    expect(summary.exitCode).toBe(1);
    expect(summary.failures[0]!.counterexample.violated[0]).toBe('NET-BIND-INUSE');
    expect(output.text()).toMatch(/only sockets accepted from a closed listener use the port/);
    // The second session's client, at the step it reported (the model's role is still at the step before).
    expect(output.text()).toMatch(/actual: +P\[114\]:EADDRINUSE/);
  });
});
