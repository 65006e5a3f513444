/**
 * Misbehaving peers (HS-*-CHECK-*, HS-STEP-TIMEOUT, HS-CONNECT-RETRY,
 * HS-FAIL-RELEASES): the model runs one role as a handshake; the test plays
 * the other role itself, through plain calls built from the very same step
 * tables (roleNext / roleOnOutcome), faithfully except for one deviation —
 * a wrong payload at one step, or silence from one step on. The model's role
 * must fail at the documented step with the documented error, within its
 * tick bound, and release everything it opened.
 */
import { describe, expect, test } from 'vitest';
import { bytesToHex, hexToBytes, readU32, u32 } from '../spec/bytes.ts';
import type { WorldConfig } from '../spec/config.ts';
import type { ErrorCode, HandshakeOutcome, Op } from '../spec/messages.ts';
import { PROGRAMS, type Progress, type Vars, initialVars, roleNext, roleOnOutcome } from './roles.ts';
import { FLOWS, type Flow, layoutProblems, tickBound } from './testing/handshakes.ts';
import { CONFIG, Sim } from './testing/sim.ts';

/** Two STGs, so that an identifier and a length swapped still name a configured STG — with the wrong length. */
const TWO_STGS: WorldConfig = { ...CONFIG, stgs: [{ id: 1, length: 16, ports: [5000, 5007] }, { id: 16, length: 32, ports: [6000, 6007] }] };

type SideName = 'server' | 'client';

interface Deviation {
  /** Replace the bytes sent at this label. */
  readonly at?: string;
  readonly payload?: (sent: string, vars: Vars) => string;
  /** Make no call from this label on. */
  readonly silentFrom?: string;
}

interface PairEnd {
  readonly outcome: HandshakeOutcome;
  readonly ticks: number;
  readonly sim: Sim;
  /** The labels of the model role's calls, in order. */
  readonly labels: string[];
}

/** Run the model's `side` against a played peer that deviates once. */
function against(config: WorldConfig, flow: Flow, modelSide: SideName, deviation: Deviation): PairEnd {
  const sim = new Sim(config);
  const peerSide: SideName = modelSide === 'server' ? 'client' : 'server';
  const peer = flow[peerSide];
  const hs = sim.handshake(flow[modelSide].process, flow[modelSide].role, flow[modelSide].params);
  const program = PROGRAMS[peer.role];
  const progress: Progress = { pc: 0, vars: initialVars(program, peer.params), buf: '' };
  const roleCtx = () => ({ config, params: peer.params, now: sim.state.now });
  let pending: number | null = null;
  let retryAt = 0;
  let stopped = false;
  const start = sim.state.now;
  for (let guard = 0; guard < 2000 && !sim.done(hs); guard++) {
    if (pending !== null) {
      const outcome = sim.result(pending);
      if (outcome) {
        pending = null;
        const reaction = roleOnOutcome(program, progress, outcome, roleCtx());
        if (reaction.kind === 'retry') retryAt = sim.state.now + 1;
        if (reaction.kind === 'fail') stopped = true;
        continue;
      }
    } else if (!stopped && sim.state.now >= retryAt) {
      const next = roleNext(program, progress, roleCtx());
      if (next.kind === 'done' || next.label === deviation.silentFrom) {
        stopped = true;
        continue;
      }
      let op: Op = next.op;
      if (next.label === deviation.at && op.op === 'send') op = { ...op, data: bytesToHex(deviation.payload!(hexToBytes(op.data), progress.vars)) };
      pending = sim.start(peer.process, op);
      continue;
    }
    sim.tick();
  }
  const outcome = sim.done(hs);
  if (!outcome) throw new Error(`${flow[modelSide].role} is not done`);
  const labels = sim.emissions.flatMap((e) => (e.type === 'event' && e.id === hs ? [e.label] : []));
  return { outcome, ticks: sim.state.now - start, sim, labels };
}

/** The model role failed at `label` with `error`, made no call past it, within its bound, and holds nothing. */
function expectFailedCleanly(config: WorldConfig, flow: Flow, side: SideName, end: PairEnd, label: string, error: ErrorCode): void {
  expect(end.outcome).toEqual({ status: 'failed', label, error });
  // No call of a later step was made.
  const order = PROGRAMS[flow[side].role].steps.map((s) => s.label);
  expect(end.labels.filter((l) => order.indexOf(l) > order.indexOf(label))).toEqual([]);
  expect(end.ticks).toBeLessThanOrEqual(tickBound(flow[side], config));
  const process = flow[side].process;
  const view = end.sim.inspect();
  expect(view.processes.find((p) => p.process === process)!.sockets).toEqual([]);
  expect(view.cbt.blocks.filter((b) => b.owner && 'process' in b.owner && b.owner.process === process)).toEqual([]);
  expect([...view.ports.net, ...view.ports.dss].filter((p) => p.process === process)).toEqual([]);
}

const fs = FLOWS.find((f) => f.name === 'fs')!;
const db = FLOWS.find((f) => f.name === 'db')!;

describe('a faithful peer played through plain calls', () => {
  test.each([
    [fs, 'server'],
    [fs, 'client'],
    [db, 'server'],
    [db, 'client'],
  ] as const)('HS-STEP-ORDER, HS-ESTABLISHED-LAYOUT: the model\'s $name %s establishes against the step tables played by hand', (flow, side) => {
    const end = against(CONFIG, flow, side, {});
    expect(layoutProblems(end.sim.inspect(), flow, flow[side].process, end.outcome, CONFIG.fdBoundary)).toEqual([]);
  });
});

describe('a wrong payload', () => {
  const CASES: readonly [string, Flow, SideName, string, (sent: string, vars: Vars) => string, string][] = [
    ['HS-FS-120-CHECK-STRING: a wrong well-known string at 90', fs, 'client', '90', (sent) => 'X'.repeat(sent.length), '120'],
    ['HS-FS-120-CHECK-STRING: the well-known string with its last byte changed at 90', fs, 'client', '90', (sent) => sent.slice(0, -1) + '1', '120'],
    ['HS-DB-226-ACK: a wrong acknowledgement at 226', db, 'client', '226', (sent) => sent.split('').reverse().join('').replace(/^./, 'Z'), '196A'],
    ['HS-FS-126-CHECK-FD: a wrong echoed descriptor at 100', fs, 'client', '100', (sent) => u32(readU32(sent) + 1), '126'],
    ['HS-FS-160-CHECK-STG: an unknown STG at 138', fs, 'client', '138', () => u32(99) + u32(16), '160'],
    ['HS-FS-160-CHECK-STG: a wrong STG length at 138', fs, 'client', '138', () => u32(1) + u32(17), '160'],
    ['HS-FS-160-CHECK-STG: STG identifier and length swapped at 138', fs, 'client', '138', () => u32(16) + u32(1), '160'],
    ['HS-DB-236-STG-INFO: an unknown STG at 236', db, 'client', '236', () => u32(99) + u32(16), '200'],
    ['HS-DB-236-STG-INFO: a wrong STG length at 236', db, 'client', '236', () => u32(1) + u32(32), '200'],
    ['HS-DB-236-STG-INFO: STG identifier and length swapped at 236', db, 'client', '236', () => u32(16) + u32(1), '200'],
    ['HS-FS-140-CHECK-PORT: an STP port below the STG\'s range at 170', fs, 'server', '170', () => u32(4999), '140'],
    ['HS-FS-140-CHECK-PORT: a port of another STG at 170', fs, 'server', '170', () => u32(6000), '140'],
    ['HS-DB-224-CHECK-PORT: the well-known port instead of a dynamic one at 196', db, 'server', '196', () => u32(CONFIG.wkp), '224'],
    ['HS-DB-224-CHECK-PORT: a port above the dynamic range at 196', db, 'server', '196', () => u32(CONFIG.netPorts[1] + 1), '224'],
    ['HS-DB-238-CHECK-PORT: an STP port above the STG\'s range at 210', db, 'server', '210', () => u32(5008), '238'],
  ];

  test.each(CASES)('%s: the model\'s role fails there with EPROTO and releases everything', (_name, flow, side, at, payload, label) => {
    const end = against(TWO_STGS, flow, side, { at, payload });
    expectFailedCleanly(TWO_STGS, flow, side, end, label, 'EPROTO');
  });

  test('HS-RECV-EXACT, HS-STEP-TIMEOUT: a well-known string one byte short at 90 leaves the client waiting at 120 until it times out', () => {
    const end = against(CONFIG, fs, 'client', { at: '90', payload: (sent) => sent.slice(1) });
    expectFailedCleanly(CONFIG, fs, 'client', end, '120', 'ETIMEDOUT');
  });
});

describe('a silent peer', () => {
  const CASES: readonly [Flow, SideName, string, string, ErrorCode][] = [
    // The played peer is the server.
    [fs, 'client', '82', '118', 'ETIMEDOUT'],
    [fs, 'client', '90', '120', 'ETIMEDOUT'],
    [fs, 'client', '94', '124', 'ETIMEDOUT'],
    [fs, 'client', '100', '126', 'ETIMEDOUT'],
    [fs, 'client', '132', '158', 'ETIMEDOUT'],
    [fs, 'client', '138', '160', 'ETIMEDOUT'],
    [fs, 'client', '142', '172', 'ETIMEDOUT'],
    [db, 'client', '220A', '194', 'ECONNREFUSED'],
    [db, 'client', '226', '196A', 'ETIMEDOUT'],
    [db, 'client', '228', '198', 'ETIMEDOUT'],
    [db, 'client', '236', '200', 'ETIMEDOUT'],
    [db, 'client', '240', '212', 'ETIMEDOUT'],
    // The played peer is the client.
    [fs, 'server', '112', '86', 'ECONNREFUSED'],
    [fs, 'server', '122', '92', 'ETIMEDOUT'],
    [fs, 'server', '152', '136', 'ECONNREFUSED'],
    [fs, 'server', '170', '140', 'ETIMEDOUT'],
    [db, 'server', '190', '222', 'ETIMEDOUT'],
    [db, 'server', '196', '224', 'ETIMEDOUT'],
    [db, 'server', '210', '238', 'ETIMEDOUT'],
  ];

  test.each(CASES)('HS-STEP-TIMEOUT, HS-CONNECT-RETRY, HS-FAIL-RELEASES: $name %s against a peer silent from %s fails at %s with %s', (flow, side, silentFrom, label, error) => {
    const end = against(CONFIG, flow, side, { silentFrom });
    expectFailedCleanly(CONFIG, flow, side, end, label, error);
    // It waited the whole step: stepTimeout ticks (a refused connect, one fewer: its last retry would reach the bound).
    expect(end.ticks).toBeGreaterThanOrEqual(CONFIG.ticks.stepTimeout - 1);
  });

  test('HS-FS-CLOSE-AUXILIARY: a peer that goes silent after its last exchange does not stop the model\'s role', () => {
    const end = against(CONFIG, fs, 'server', { silentFrom: '172A' });
    expect(end.outcome.status).toBe('established');
  });
});
