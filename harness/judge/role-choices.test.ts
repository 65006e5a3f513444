/**
 * Why this test? A role is judged by what the seeds fix — the order of its labelled steps, the
 * bytes it puts on each connection, the ports and connections it makes, what it holds at the
 * end — not by one scripted sequence of calls (SPEC.md §7.1, §8). Each choice the step tables
 * leave an implementation is played here by the model's own engine running a changed table (the
 * "implementation"), and its events are judged by the checker against the figures' tables: it
 * must conform. And the other side: an order the seeds do not allow, or a call its step does not
 * make, is still caught, as HS-STEP-ORDER naming the implementation's event — never as a
 * violation of whatever call the model's role happened to make next.
 */
import { describe, expect, test } from 'vitest';
import { PROGRAMS, type Programs, type RoleProgram, initialState, patchProgram, pendingIds, settle, step } from '../../reference/index.ts';
import type { Step } from '../../reference/roles.ts';
import { FLOWS, type Flow } from '../../reference/testing/handshakes.ts';
import { Sim } from '../../reference/testing/sim.ts';
import { DEFAULT_CONFIG } from '../../spec/config.ts';
import type { Op } from '../../spec/messages.ts';
import { type EpochInput, type EpochVerdict, type RoleMessage, checkEpoch } from './checker.ts';

const [FS, DB] = FLOWS as [Flow, Flow];
/** Handshake ids: the listening side (fs: the client, db: the server) gets the lower, and so moves first when both can. */
const ids = (clientFirst: boolean): { client: number; server: number } => (clientFirst ? { client: 1, server: 2 } : { client: 2, server: 1 });
const listenerFirst = (flow: Flow): boolean => flow.name === 'fs';
const CLIENT = 1;
const SERVER = 2;

/**
 * Both roles of a flow run by the model from `programs` until nothing more can happen without a
 * tick; the listening side starts first (fs: the client, db: the server), so no connect is refused.
 */
function play(flow: Flow, programs: Programs, clientFirst = listenerFirst(flow)): { messages: Map<number, RoleMessage[]>; pending: number[] } {
  let state = initialState(DEFAULT_CONFIG);
  const { client, server } = ids(clientFirst);
  for (const [id, side] of [[client, flow.client], [server, flow.server]] as const) {
    const started = step(state, { type: 'handshake', id, process: side.process, role: side.role, params: side.params, hold: [] }, { programs });
    if (started.kind !== 'ok') throw new Error(`cannot start ${side.role}`);
    state = started.state;
  }
  const run = settle(state, undefined, programs);
  // Keyed CLIENT and SERVER whatever the ids, for the tests to read.
  const messages = new Map<number, RoleMessage[]>([[CLIENT, []], [SERVER, []]]);
  const key = (id: number): number => (id === client ? CLIENT : SERVER);
  for (const e of run.emissions) {
    if (e.type === 'event') messages.get(key(e.id))!.push({ type: 'event', label: e.label, call: e.op, outcome: e.outcome });
    if (e.type === 'done') messages.get(key(e.id))!.push({ type: 'done', outcome: e.outcome });
  }
  return { messages, pending: pendingIds(run.state).map(key) };
}

/** The checker's verdict on those messages, against the figures' tables. */
function judge(flow: Flow, messages: ReadonlyMap<number, readonly RoleMessage[]>, pending: number[], clientFirst = listenerFirst(flow)): EpochVerdict {
  const { client, server } = ids(clientFirst);
  const id = (key: number): number => (key === CLIENT ? client : server);
  const input: EpochInput = {
    first: [],
    issues: [
      { type: 'handshake', id: client, process: flow.client.process, role: flow.client.role, params: flow.client.params, hold: [] },
      { type: 'handshake', id: server, process: flow.server.process, role: flow.server.role, params: flow.server.params, hold: [] },
    ],
  };
  const arrival = new Map<string, number>();
  let position = 0;
  for (const [key, list] of messages) list.forEach((_, i) => arrival.set(`h${id(key)}#${i}`, position++));
  const roles = new Map([...messages].map(([key, list]) => [id(key), { messages: list, consumed: 0 }]));
  return checkEpoch([initialState(DEFAULT_CONFIG)], input, { results: new Map(), roles, pending: pending.map(id).sort(), arrival });
}

function playAndJudge(flow: Flow, programs: Programs, clientFirst = listenerFirst(flow)): { verdict: EpochVerdict; messages: Map<number, RoleMessage[]> } {
  const { messages, pending } = play(flow, programs, clientFirst);
  return { verdict: judge(flow, messages, pending, clientFirst), messages };
}

const done = (messages: readonly RoleMessage[]): string | undefined => {
  const last = messages.at(-1);
  return last?.type === 'done' ? last.outcome.status : undefined;
};

const labels = (messages: readonly RoleMessage[]): string[] => messages.flatMap((m) => (m.type === 'event' ? [m.label] : []));

/** The send at `label` made as two sends of its halves, under the same label. */
function splitSend(program: RoleProgram, label: string): RoleProgram {
  const half = (step: Step, part: 0 | 1): Step => {
    if (step.kind !== 'call') throw new Error(`${label} is not a call`);
    return {
      ...step,
      op: (v, c) => {
        const op = step.op(v, c) as Extract<Op, { op: 'send' }>;
        const middle = op.data.length / 2;
        return { ...op, data: part === 0 ? op.data.slice(0, middle - (middle % 2)) : op.data.slice(middle - (middle % 2)) };
      },
    };
  };
  return { ...program, steps: program.steps.flatMap((s) => (s.label === label ? [half(s, 0), half(s, 1)] : [s])) };
}

/** The table's steps in another order, named by label; the result is one strand, run exactly in that order. */
function reorder(program: RoleProgram, order: readonly string[]): RoleProgram {
  const byLabel = new Map(program.steps.map((s) => [s.label, s]));
  if (order.length !== program.steps.length) throw new Error('reorder names every step once');
  return { ...program, strands: [], steps: order.map((label) => byLabel.get(label)!) };
}

const stepsOf = (program: RoleProgram): string[] => program.steps.map((s) => s.label);
const without = (list: string[], ...drop: string[]): string[] => list.filter((l) => !drop.includes(l));

/** Fig. 4A's set-up steps made as early as they can be: the server's socket and bind after 84, the client's listener after 116. */
function interleavedServer(): RoleProgram {
  const fig4 = without(stepsOf(PROGRAMS['fs-server']), '132', '134');
  const at = fig4.indexOf('84') + 1;
  return reorder(PROGRAMS['fs-server'], [...fig4.slice(0, at), '132', '134', ...fig4.slice(at)]);
}

function interleavedClient(): RoleProgram {
  const fig4 = without(stepsOf(PROGRAMS['fs-client']), '152', '154', '156');
  const at = fig4.indexOf('116') + 1;
  return reorder(PROGRAMS['fs-client'], [...fig4.slice(0, at), '152', '154', '156', ...fig4.slice(at)]);
}

const withTables = (...tables: RoleProgram[]): Programs => ({ ...PROGRAMS, ...Object.fromEntries(tables.map((t) => [t.role, t])) });

const setBacklog = (backlog: number) => (step: Step): Step =>
  step.kind === 'call' ? { ...step, accepts: undefined, op: (v, c) => ({ ...(step.op(v, c) as Extract<Op, { op: 'listen' }>), backlog }) } : step;

describe('a role judged by what the seeds fix: each choice the tables leave open conforms', () => {
  test.each([
    ['HS-FS-138-STG-INFO: the STG information of 138 as two sends under one label', FS, () => withTables(splitSend(PROGRAMS['fs-server'], '138'))],
    ['HS-DB-236-STG-INFO: the STG information of 236 as two sends under one label', DB, () => withTables(splitSend(PROGRAMS['db-server'], '236'))],
    ['HS-FS-116-CLIENT-LISTENS-WKP: backlog 5 at 116, which holds the two connections the flow sends', FS, () => withTables(patchProgram(PROGRAMS['fs-client'], { '116': setBacklog(5) }))],
    ['HS-DB-220-SERVER-LISTENS-WKP: backlog 3 at 220C and 2 at 186 and 206', DB, () =>
      withTables(patchProgram(PROGRAMS['db-server'], { '220C': setBacklog(3) }), patchProgram(PROGRAMS['db-client'], { '186': setBacklog(2), '206': setBacklog(2) }))],
    ['HS-FS-84-EPHEMERAL-SOURCE: no bind(0) at 84, 96 and 134 (each connect binds a dynamic port itself)', FS, () =>
      withTables(patchProgram(PROGRAMS['fs-server'], { '84': () => null, '96': () => null, '134': () => null }))],
    ['HS-DB-234-CONNECT-DYNAMIC: no bind(0) at 192 and 230', DB, () =>
      withTables(patchProgram(PROGRAMS['db-client'], { '192': () => null }), patchProgram(PROGRAMS['db-server'], { '230': () => null }))],
    ['HS-FS-PARALLEL: Fig. 4A set up while Fig. 4 runs, in both roles', FS, () => withTables(interleavedServer(), interleavedClient())],
    ['all of them at once', FS, () =>
      withTables(splitSend(interleavedServer(), '138'), patchProgram(interleavedClient(), { '116': setBacklog(5) }))],
  ] as const)('%s', (_name, flow, programs) => {
    const { verdict, messages } = playAndJudge(flow, programs());
    // The changed table really ran, and really established: the verdict is about a full handshake.
    expect([done(messages.get(SERVER)!), done(messages.get(CLIENT)!)]).toEqual(['established', 'established']);
    expect(verdict.ok ? 'conforms' : verdict.failure).toBe('conforms');
  });

  test('the interleaved roles really interleave: Fig. 4A set-up steps come before Fig. 4 has ended', () => {
    const { messages } = play(FS, withTables(interleavedServer(), interleavedClient()));
    const server = labels(messages.get(SERVER)!);
    const client = labels(messages.get(CLIENT)!);
    expect(server.indexOf('132')).toBeLessThan(server.indexOf('86'));
    expect(client.indexOf('156')).toBeLessThan(client.indexOf('118'));
  });
});

describe('an order or a call the seeds do not allow is HS-STEP-ORDER, naming the implementation\'s event', () => {
  test('HS-FS-PARALLEL keeps the causality between the roles: a connect of Fig. 4A (136) before Fig. 4 has met the peer is out of order', () => {
    const fig4 = without(stepsOf(PROGRAMS['fs-server']), '132', '134', '136');
    const at = fig4.indexOf('84') + 1;
    const early = reorder(PROGRAMS['fs-server'], [...fig4.slice(0, at), '132', '134', '136', ...fig4.slice(at)]);
    const { verdict } = playAndJudge(FS, withTables(early));
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.failure.reqs[0]).toBe('HS-STEP-ORDER');
    expect(verdict.failure.actual).toMatch(/^S\[136\]:connect\(/);
    expect(verdict.failure.expected).toContain('S[86]:connect(');
  });

  test('a client that reports its accept on WKP+1 (158) while the server never connected there is caught', () => {
    const { messages, pending } = play(FS, withTables(interleavedServer(), interleavedClient()));
    // The server's messages stop before its connect to WKP+1; the client's go on to the end.
    const server = messages.get(SERVER)!;
    const cut = server.findIndex((m) => m.type === 'event' && m.label === '136');
    const verdict = judge(FS, new Map([[CLIENT, messages.get(CLIENT)!], [SERVER, server.slice(0, cut)]]), [...pending, SERVER].sort());
    expect(verdict.ok).toBe(false);
  });

  test('HS-FS-PARALLEL keeps the order of the steps that meet the peer: an accept on WKP+1 (158) before the accept on the WKP (118) is out of order', () => {
    const { messages, pending } = play(FS, withTables(interleavedServer(), interleavedClient()));
    const client = messages.get(CLIENT)!;
    const at = (label: string) => client.findIndex((m) => m.type === 'event' && m.label === label);
    const early = [...client];
    const [accept] = early.splice(at('158'), 1);
    early.splice(at('118'), 0, accept!);
    const verdict = judge(FS, new Map([[CLIENT, early], [SERVER, messages.get(SERVER)!]]), pending);
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.failure.reqs[0]).toBe('HS-STEP-ORDER');
    expect(verdict.failure.actual).toMatch(/^C\[158\]:accept\(/);
  });

  test('HS-DB-236-STG-INFO, HS-STEP-ORDER: the second half of the STG information under the next step\'s label cuts 236 short', () => {
    const split = splitSend(PROGRAMS['db-server'], '236');
    const second = split.steps.findIndex((s, i) => s.label === '236' && split.steps[i - 1]?.label === '236');
    const relabelled: RoleProgram = { ...split, steps: split.steps.map((s, i) => (i === second ? { ...s, label: '238' } : s)) };
    const { verdict } = playAndJudge(DB, withTables(relabelled));
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    // Not the client's recv of 200, which other orders reach further on: the server's own event comes first.
    expect(verdict.failure.reqs).toEqual(['HS-DB-236-STG-INFO', 'HS-STEP-ORDER']);
    expect(verdict.failure.actual).toMatch(/^S\[238\]:send\(/);
  });

  test('HS-FS-116-CLIENT-LISTENS-WKP: backlog 1 at 116 cannot hold the two connections the flow sends', () => {
    const { verdict } = playAndJudge(FS, withTables(patchProgram(PROGRAMS['fs-client'], { '116': setBacklog(1) })));
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.failure.reqs).toEqual(['HS-FS-116-CLIENT-LISTENS-WKP', 'HS-STEP-ORDER']);
    expect(verdict.failure.actual).toMatch(/^C\[116\]:listen\(\d+,1\)/);
  });

  test('HS-FS-146-STP-CONNECT, HS-STEP-ORDER: a bind that is not optional (the STP bind of 144) left out', () => {
    const { verdict } = playAndJudge(FS, withTables(patchProgram(PROGRAMS['fs-server'], { '144': () => null })));
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.failure.reqs).toEqual(['HS-FS-146-STP-CONNECT', 'HS-STEP-ORDER']);
    expect(verdict.failure.actual).toMatch(/^S\[146\]:connect\(/);
  });
});

describe('HS-CONNECT-RETRY: a retry is required where the seeds\' order leaves a race, allowed elsewhere (SPEC.md §7.3)', () => {
  const noRetryAt = (program: RoleProgram, label: string): RoleProgram =>
    patchProgram(program, { [label]: (step) => ({ ...step, retry: false }) as Step });

  test.each([
    [0, undefined],
    [1, { status: 'failed', label: '234', error: 'ECONNREFUSED' }],
  ] as const)('234: after the client crashed, the server retries (way 0) or fails at once (way 1), both allowed', (way, expected) => {
    // Both roles held, the client before 196A (its port sent) and the server before 234; the client crashes, closing its listener.
    const sim = new Sim();
    const server = sim.handshake('S', 'db-server', { stg: 1 }, ['234']);
    sim.handshake('C', 'db-client', { peer: 'srv' }, ['196A']);
    sim.fault({ kind: 'crash', process: 'C' });
    sim.adopt(sim.try({ type: 'resume', hs: server }));
    const refused = sim.try({ type: 'advance', hs: server }, { choices: [way] });
    expect(refused.kind === 'ok' && refused.emissions.at(-1)).toMatchObject({ type: 'event', label: '234', outcome: { error: 'ECONNREFUSED' } });
    sim.adopt(refused);
    sim.settle();
    expect(sim.done(server)).toEqual(expected);
  });

  test('194: a client that fails at once when the server does not listen yet is caught', () => {
    const { verdict } = playAndJudge(DB, withTables(noRetryAt(PROGRAMS['db-client'], '194')), true);
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.failure.reqs[0]).toBe('HS-CONNECT-RETRY');
  });
});
