/**
 * Why this test? The model runs each role from a step table it is given
 * (`options.programs`), so a role that deviates from its figure — a mutant, a
 * misbehaving peer — is the model's own engine running a patched table, with
 * every rule of that engine (events, hold and resume, retries, step timeouts,
 * cleanup) kept. These tests pin both halves of that: a patched table changes
 * what the patched role does and nothing else, and the figures' tables are
 * what runs when no table is given, untouched by any patch.
 */
import { describe, expect, test } from 'vitest';
import { bytesToHex, u32 } from '../spec/bytes.ts';
import type { Role } from '../spec/messages.ts';
import { fingerprint } from './state.ts';
import { PROGRAMS, type Programs, type RoleProgram, type Step, patchProgram } from './roles.ts';
import { FLOWS, type Flow } from './testing/handshakes.ts';
import { CONFIG, Sim } from './testing/sim.ts';

/** Both roles of a flow, server first, run to the end (or 40 ticks). */
function runFlow(flow: Flow, programs?: Programs, clientFirst = false): { sim: Sim; server: number; client: number } {
  const sim = new Sim(undefined, programs);
  const start = (side: 'server' | 'client') => sim.handshake(flow[side].process, flow[side].role, flow[side].params);
  const [first, second] = clientFirst ? [start('client'), start('server')] : [start('server'), start('client')];
  const [server, client] = clientFirst ? [second, first] : [first, second];
  for (let t = 0; t < 40 && (!sim.done(server) || !sim.done(client)); t++) sim.tick();
  return { sim, server, client };
}

function withTable(role: Role, program: RoleProgram): Programs {
  return { ...PROGRAMS, [role]: program };
}

/** The send at `label` carries these bytes instead. */
function sending(bytes: string): (step: Step) => Step {
  return (step) => (step.kind === 'call' ? { ...step, op: (v, c) => ({ ...step.op(v, c), data: bytesToHex(bytes) }) } : step);
}

const [FS, DB] = FLOWS as [Flow, Flow];

describe('the figures\' tables are the default, and a patch leaves them as they were', () => {
  test.each(FLOWS.map((flow) => [flow.name, flow] as const))('%s: passing PROGRAMS is the same run as passing nothing', (_name, flow) => {
    const implicit = runFlow(flow);
    const explicit = runFlow(flow, PROGRAMS);
    expect(explicit.sim.emissions).toEqual(implicit.sim.emissions);
    expect(fingerprint(explicit.sim.state)).toBe(fingerprint(implicit.sim.state));
    expect([implicit.sim.done(implicit.server)?.status, implicit.sim.done(implicit.client)?.status]).toEqual(['established', 'established']);
  });

  test('patchProgram copies: the original table keeps every step, and a run of the default after a patched run is the default run', () => {
    const before = PROGRAMS['db-client'].steps.slice();
    const patched = patchProgram(PROGRAMS['db-client'], { '214': () => null, '196': sending(u32(1)) });
    expect(patched.steps).toHaveLength(before.length - 1);
    expect(PROGRAMS['db-client'].steps).toEqual(before);
    runFlow(DB, withTable('db-client', patched));
    expect(runFlow(DB).sim.emissions).toEqual(runFlow(DB, PROGRAMS).sim.emissions);
  });

  test('a patch that names a label the table does not have is a mistake, and says which', () => {
    expect(() => patchProgram(PROGRAMS['fs-server'], { '999': () => null })).toThrow('fs-server has no step 999');
  });
});

describe('a patched table changes what its role does, run by the model\'s own engine', () => {
  test('HS-FS-126-CHECK-FD: a server whose table echoes 0 at 100 makes the faithful client fail at 126 with EPROTO, and release what it opened', () => {
    const { sim, client } = runFlow(FS, withTable('fs-server', patchProgram(PROGRAMS['fs-server'], { '100': sending(u32(0)) })));
    expect(sim.done(client)).toEqual({ status: 'failed', label: '126', error: 'EPROTO' });
    expect(sim.fds(FS.client.process)).toEqual([]);
    const echo = sim.emissions.find((e) => e.type === 'event' && e.proc === FS.server.process && e.label === '100');
    expect(echo?.type === 'event' && echo.op).toMatchObject({ op: 'send', data: bytesToHex(u32(0)) });
  });

  test('HS-DB-214-CLOSE-NETWORK: a client table without step 214 establishes with the dynamic-port connection still open', () => {
    const { sim, client } = runFlow(DB, withTable('db-client', patchProgram(PROGRAMS['db-client'], { '214': () => null })));
    const done = sim.done(client);
    expect(done?.status).toBe('established');
    const layout = done?.status === 'established' ? Object.values(done.layout) : [];
    expect(sim.fds(DB.client.process).length).toBe(layout.length + 1);
    expect(sim.emissions.some((e) => e.type === 'event' && e.label === '214')).toBe(false);
  });

  test('HS-CONNECT-RETRY: a table whose connects do not retry fails at the first refusal; the default retries a tick later and establishes', () => {
    const noRetry = patchProgram(PROGRAMS['db-client'], { '194': (step) => ({ ...step, retry: false }) as Step });
    const patched = runFlow(DB, withTable('db-client', noRetry), true);
    expect(patched.sim.done(patched.client)).toEqual({ status: 'failed', label: '194', error: 'ECONNREFUSED' });
    const faithful = runFlow(DB, undefined, true);
    expect(faithful.sim.done(faithful.client)?.status).toBe('established');
    expect(faithful.sim.emissions.filter((e) => e.type === 'event' && e.label === '194').length).toBeGreaterThan(1);
  });

  test('HS-HOLD-RESUME, HS-CONNECT-RETRY: the engine\'s rules hold for a patched table — held before its changed step, a refused connect retried until the step timeout', () => {
    const program = patchProgram(PROGRAMS['fs-server'], { '100': sending(u32(0)) });
    const sim = new Sim(undefined, withTable('fs-server', program));
    sim.handshake(FS.client.process, FS.client.role, FS.client.params);
    const server = sim.handshake(FS.server.process, FS.server.role, FS.server.params, ['100']);
    expect(sim.emissions.filter((e) => e.type === 'held').map((e) => e.type === 'held' && e.label)).toEqual(['100']);
    sim.tick(3 * CONFIG.ticks.stepTimeout);
    expect(sim.done(server)).toBeUndefined();
    sim.apply({ type: 'resume', hs: server });
    const resumedAt = sim.state.now;
    for (let t = 0; t < 40 && !sim.done(server); t++) sim.tick();
    // The client rejected the echo and closed everything, so nobody will listen on WKP+1: 136 is refused until the step timeout.
    expect(sim.done(server)).toEqual({ status: 'failed', label: '136', error: 'ECONNREFUSED' });
    expect(sim.state.now - resumedAt).toBe(CONFIG.ticks.stepTimeout - 1);
    expect(sim.fds(FS.server.process)).toEqual([]);
  });

  test('the other roles still run from the figures: only the patched role\'s calls differ', () => {
    const patched = runFlow(FS, withTable('fs-client', patchProgram(PROGRAMS['fs-client'], { '124A': () => null })));
    const faithful = runFlow(FS);
    const labels = (sim: Sim, proc: string) => sim.emissions.flatMap((e) => (e.type === 'event' && e.proc === proc ? [e.label] : []));
    expect(labels(patched.sim, FS.server.process)).toEqual(labels(faithful.sim, FS.server.process));
    expect(labels(patched.sim, FS.client.process)).toEqual(labels(faithful.sim, FS.client.process).filter((l) => l !== '124A'));
  });
});
