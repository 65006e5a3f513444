/**
 * Both handshakes reach `established` under every interleaving of the two
 * roles' steps (SPEC.md chapters 8-10), found by an exhaustive search of the
 * model: at each state every enabled action (a role's next step, a call's
 * completion, a role not yet started) is a branch; the clock ticks only when
 * nothing else can happen, as it does after a settle. States are memoised on
 * their fingerprint together with the outcomes reported so far, so the search
 * is exhaustive without visiting a state twice.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { HandshakeOutcome } from '../spec/messages.ts';
import { inspect } from './inspect.ts';
import { type Action, enabledActions, step } from './model.ts';
import { type State, fingerprint, initialState } from './state.ts';
import { FLOWS, type Flow, layoutFds, layoutProblems } from './testing/handshakes.ts';
import { PROGRAMS } from './roles.ts';
import { CONFIG, Sim } from './testing/sim.ts';

const SERVER_ID = 1;
const CLIENT_ID = 2;

function startAction(flow: Flow, side: 'server' | 'client'): Action {
  const role = flow[side];
  return { type: 'handshake', id: side === 'server' ? SERVER_ID : CLIENT_ID, process: role.process, role: role.role, params: role.params, hold: [] };
}

interface Terminal {
  readonly state: State;
  readonly outcomes: Readonly<Record<number, HandshakeOutcome>>;
}

/** Every terminal state of the two roles, over every interleaving (and every start order). */
function explore(flow: Flow, initial: State): { terminals: Terminal[]; states: number } {
  const seen = new Set<string>();
  const terminals: Terminal[] = [];
  const stack: { state: State; unstarted: ('server' | 'client')[]; outcomes: Record<number, HandshakeOutcome> }[] = [
    { state: initial, unstarted: ['server', 'client'], outcomes: {} },
  ];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const key = `${fingerprint(node.state)}|${node.unstarted.join(',')}|${JSON.stringify(node.outcomes)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const branches: { action: Action; unstarted: ('server' | 'client')[] }[] = [
      ...enabledActions(node.state).map((action) => ({ action, unstarted: node.unstarted })),
      ...node.unstarted.map((side) => ({ action: startAction(flow, side), unstarted: node.unstarted.filter((s) => s !== side) })),
    ];
    if (branches.length === 0) {
      if (Object.keys(node.state.roles).length === 0) {
        terminals.push({ state: node.state, outcomes: node.outcomes });
        continue;
      }
      // Roles remain but nothing can happen now: a refused connect waits for its retry tick.
      if (node.state.now > 50) throw new Error(`no progress by tick ${node.state.now}`);
      branches.push({ action: { type: 'tick' }, unstarted: node.unstarted });
    }
    for (const { action, unstarted } of branches) {
      const result = step(node.state, action);
      if (result.kind !== 'ok') throw new Error(`${JSON.stringify(action)}: ${result.kind}`);
      const outcomes = { ...node.outcomes };
      for (const e of result.emissions) if (e.type === 'done') outcomes[e.id] = e.outcome;
      stack.push({ state: result.state, unstarted, outcomes });
    }
  }
  return { terminals, states: seen.size };
}

describe.each(FLOWS)('$name handshake', (flow) => {
  test(`HS-STEP-ORDER, HS-CONNECT-RETRY, HS-ESTABLISHED-LAYOUT, HS-${flow.name.toUpperCase()}-LAYOUT: every interleaving and start order ends with both roles established, holding exactly their layout`, () => {
    const { terminals, states } = explore(flow, initialState(CONFIG));
    // The search is not trivially small: the roles really interleave.
    expect(states).toBeGreaterThan(200);
    expect(terminals.length).toBeGreaterThan(1);
    for (const { state, outcomes } of terminals) {
      const view = inspect(state);
      const [server, client] = [flow.server, flow.client].map((side, i) => {
        const outcome = outcomes[i === 0 ? SERVER_ID : CLIENT_ID];
        expect(layoutProblems(view, flow, side.process, outcome, CONFIG.fdBoundary)).toEqual([]);
        return layoutFds(outcome);
      }) as [number[], number[]];
      for (const process of [flow.server.process, flow.client.process]) {
        for (const s of view.processes.find((p) => p.process === process)!.sockets) expect(s.state, `${process}:${s.fd}`).toBe('connected');
      }
      // The data sockets own the only control blocks; no port is held beyond the layout's own.
      const data = (p: string, fds: number[]) => fds.filter((fd) => fd >= CONFIG.fdBoundary).map((fd) => `${p}:${fd}`);
      const owners = view.cbt.blocks.flatMap((b) => (b.owner && 'process' in b.owner ? [`${b.owner.process}:${b.owner.fd}`] : []));
      expect(owners.sort()).toEqual([...data(flow.server.process, server), ...data(flow.client.process, client)].sort());
      for (const port of [...view.ports.net, ...view.ports.dss]) {
        expect(port.process === flow.server.process ? server : client).toContain(port.fd);
      }
      // Nothing is left pending, in flight or half-open.
      expect(state.pending).toEqual({});
      expect(state.flights).toEqual([]);
      for (const p of view.processes) if (p.process !== flow.server.process && p.process !== flow.client.process) expect(p.sockets).toEqual([]);
    }
  });

  test(`HS-${flow.name.toUpperCase()}-LAYOUT: with the roles on one host's two processes, every interleaving still establishes`, () => {
    const config = { ...CONFIG, hosts: [{ name: 'srv', processes: ['S', 'C'] }, { name: 'cli', processes: ['X'] }] };
    const local: Flow = {
      ...flow,
      server: { ...flow.server, params: { ...flow.server.params, ...(flow.server.params.peer ? { peer: 'srv' } : {}) } },
      client: { ...flow.client, params: { ...flow.client.params, ...(flow.client.params.peer ? { peer: 'srv' } : {}) } },
    };
    const { terminals } = explore(local, initialState(config));
    for (const { outcomes } of terminals) expect([outcomes[SERVER_ID]!.status, outcomes[CLIENT_ID]!.status]).toEqual(['established', 'established']);
  });

  test(`HS-HOLD-RESUME: a role held before its first step for many ticks, its peer started only at the resume, still establishes`, () => {
    const sim = new Sim();
    const server = sim.handshake(flow.server.process, flow.server.role, flow.server.params, [PROGRAMS[flow.server.role].steps[0]!.label]);
    sim.tick(10 * CONFIG.ticks.stepTimeout);
    expect(sim.done(server)).toBeUndefined();
    expect(sim.emissions.filter((e) => e.type === 'held')).toHaveLength(1);
    sim.apply({ type: 'resume', hs: server });
    const client = sim.handshake(flow.client.process, flow.client.role, flow.client.params);
    sim.tick(3);
    expect([sim.done(server)?.status, sim.done(client)?.status]).toEqual(['established', 'established']);
  });

  test(`NET-BIND-DYNAMIC, DSS-BIND-DYNAMIC, HS-${flow.name.toUpperCase()}-LAYOUT: whichever free dynamic ports are picked, the handshake establishes`, () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 7 }), { minLength: 40, maxLength: 40 }), fc.boolean(), (picks, clientFirst) => {
        let state = initialState(CONFIG);
        let next = 0;
        const outcomes: HandshakeOutcome[] = [];
        const apply = (action: Action) => {
          const result = step(state, action, { choices: picks.slice(next) });
          if (result.kind !== 'ok') throw new Error(result.kind);
          next += result.choicePoints.length;
          state = result.state;
          for (const e of result.emissions) if (e.type === 'done') outcomes.push(e.outcome);
        };
        const starts = [startAction(flow, 'server'), startAction(flow, 'client')];
        for (const action of clientFirst ? starts.reverse() : starts) apply(action);
        for (let guard = 0; guard < 500 && Object.keys(state.roles).length > 0; guard++) {
          const [action] = enabledActions(state);
          apply(action ?? { type: 'tick' });
        }
        expect(outcomes.map((o) => o.status)).toEqual(['established', 'established']);
      }),
      { numRuns: 100 },
    );
  });
});
