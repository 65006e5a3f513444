/**
 * The handshake-under-fault tables of SPEC.md §10.7, derived by running the
 * reference model rather than written by hand.
 *
 * Why derive them: where a role fails under a fault follows from a dozen
 * rules acting together (connect-on-queue, retry budgets, step timeouts, the
 * cleanup of a failing peer, what a crash closes and what it leaves). A table
 * typed from reasoning drifts from the model the first time either changes;
 * a table computed from the model cannot, and spec/spec.test.ts fails when
 * SPEC.md holds a stale copy (`node --import tsx spec/render.ts --write`).
 *
 * Every scenario runs both roles of one handshake between process S on host
 * srv and process C on host cli, in DEFAULT_CONFIG, and ticks until both
 * report done.
 */
import { DEFAULT_CONFIG, type WorldConfig } from './config.ts';
import type { Fault, HandshakeOutcome, Role, RoleParams } from './messages.ts';
import { type Action, PROGRAMS, type State, initialState, settle, stepLabels, step } from '../reference/index.ts';

export type Flow = 'fs' | 'db';
type Side = 'S' | 'C';

const ROLES: Record<Flow, Record<Side, Role>> = {
  fs: { S: 'fs-server', C: 'fs-client' },
  db: { S: 'db-server', C: 'db-client' },
};

const PARAMS: Record<Flow, Record<Side, RoleParams>> = {
  fs: { S: { peer: 'cli', stg: 1 }, C: {} },
  db: { S: { stg: 1 }, C: { peer: 'srv' } },
};

const HS_ID: Record<Side, number> = { S: 1, C: 2 };
const PEER: Record<Side, Side> = { S: 'C', C: 'S' };

/** How both roles of one scenario ended. */
export type Ending = Readonly<Record<Side, HandshakeOutcome>>;

class Scenario {
  state: State;
  readonly done: Partial<Record<Side, HandshakeOutcome>> = {};

  constructor(config: WorldConfig) {
    this.state = initialState(config);
  }

  apply(action: Action): void {
    const result = step(this.state, action);
    if (result.kind === 'illegal') throw new Error(`fault-outcomes: ${action.type} is illegal: ${result.reason}`);
    if (result.kind === 'violation') throw new Error(`fault-outcomes: ${action.type}: ${result.violation.expected}`);
    this.state = result.state;
    this.note(result.emissions);
    this.settle();
  }

  settle(): void {
    const settled = settle(this.state);
    this.state = settled.state;
    this.note(settled.emissions);
  }

  private note(emissions: readonly { type: string; proc: string; outcome?: unknown }[]): void {
    for (const emission of emissions) {
      if (emission.type === 'done') this.done[emission.proc as Side] = emission.outcome as HandshakeOutcome;
    }
  }

  start(flow: Flow, hold: Partial<Record<Side, string>>): void {
    for (const side of ['S', 'C'] as const) {
      const label = hold[side];
      this.apply({
        type: 'handshake',
        id: HS_ID[side],
        process: side,
        role: ROLES[flow][side],
        params: PARAMS[flow][side],
        hold: label === undefined ? [] : [label],
      });
    }
  }

  heldAt(side: Side): string | null {
    const run = this.state.roles[String(HS_ID[side])];
    return run && run.held ? run.label : null;
  }

  tick(): void {
    this.apply({ type: 'tick' });
  }

  fault(fault: Fault): void {
    this.apply({ type: 'fault', fault });
  }

  resume(side: Side): void {
    if (this.heldAt(side) !== null) this.apply({ type: 'resume', hs: HS_ID[side] });
  }

  finish(limit: number): Ending {
    for (let i = 0; i < limit && !(this.done.S && this.done.C); i++) this.tick();
    if (!this.done.S || !this.done.C) throw new Error(`fault-outcomes: a role did not end within ${limit} ticks`);
    return { S: this.done.S, C: this.done.C };
  }
}

function tickLimit(config: WorldConfig): number {
  return 40 * (config.ticks.stepTimeout + config.ticks.connectTimeout);
}

/** The faults of the table's columns, injected while one role is held. */
export const HOLD_FAULTS = [
  { id: 'crash-held', title: 'crash of the held role' },
  { id: 'crash-peer', title: 'crash of its peer' },
  { id: 'crash-peer-recover', title: 'crash of its peer, recovered at once' },
  { id: 'partition', title: 'partition srv–cli, never healed' },
  { id: 'stg-fail', title: 'stg-fail of the offered STG, never repaired' },
  { id: 'cbt-exhausted', title: 'every free control block reserved' },
] as const;
export type HoldFault = (typeof HOLD_FAULTS)[number]['id'];

function inject(scenario: Scenario, held: Side, fault: HoldFault): void {
  const peer = PEER[held];
  switch (fault) {
    case 'crash-held':
      return scenario.fault({ kind: 'crash', process: held });
    case 'crash-peer':
      return scenario.fault({ kind: 'crash', process: peer });
    case 'crash-peer-recover':
      scenario.fault({ kind: 'crash', process: peer });
      return scenario.fault({ kind: 'recover', process: peer });
    case 'partition':
      return scenario.fault({ kind: 'partition', hosts: ['srv', 'cli'] });
    case 'stg-fail':
      return scenario.fault({ kind: 'stg-fail', stg: 1 });
    case 'cbt-exhausted': {
      const free = scenario.state.cbt.filter((slot) => slot === null).length;
      if (free > 0) scenario.fault({ kind: 'cbt-reserve', count: free });
      return;
    }
  }
}

/**
 * Hold one role before `label`, inject the fault the moment it is held,
 * resume it, and tick until both roles are done.
 */
export function outcomeAtHold(flow: Flow, held: Side, label: string, fault: HoldFault | null, config: WorldConfig = DEFAULT_CONFIG): Ending {
  const scenario = new Scenario(config);
  scenario.start(flow, { [held]: label });
  for (let i = 0; i < tickLimit(config) && scenario.heldAt(held) !== label; i++) scenario.tick();
  if (scenario.heldAt(held) !== label) throw new Error(`fault-outcomes: ${ROLES[flow][held]} never reached ${label}`);
  if (fault !== null) inject(scenario, held, fault);
  scenario.resume(held);
  return scenario.finish(tickLimit(config));
}

/** Run both roles with a channel delayed from the start. */
export function outcomeUnderDelay(flow: Flow, channel: 'net' | 'dss', ticks: number, config: WorldConfig = DEFAULT_CONFIG): Ending {
  const scenario = new Scenario(config);
  scenario.fault({ kind: 'delay', channel, ticks });
  scenario.start(flow, {});
  return scenario.finish(tickLimit(config));
}

/** Hold one role before `label` for `ticks` ticks (or partition for that long), then let it go. */
export function outcomeAfterWait(
  flow: Flow,
  held: Side,
  label: string,
  kind: 'hold' | 'partition',
  ticks: number,
  config: WorldConfig = DEFAULT_CONFIG,
): Ending {
  const scenario = new Scenario(config);
  scenario.start(flow, { [held]: label });
  for (let i = 0; i < tickLimit(config) && scenario.heldAt(held) !== label; i++) scenario.tick();
  if (scenario.heldAt(held) !== label) throw new Error(`fault-outcomes: ${ROLES[flow][held]} never reached ${label}`);
  if (kind === 'partition') {
    scenario.fault({ kind: 'partition', hosts: ['srv', 'cli'] });
    scenario.resume(held);
    for (let i = 0; i < ticks; i++) scenario.tick();
    scenario.fault({ kind: 'heal', hosts: ['srv', 'cli'] });
  } else {
    for (let i = 0; i < ticks; i++) scenario.tick();
    scenario.resume(held);
  }
  return scenario.finish(tickLimit(config));
}

export function labelsOf(flow: Flow, side: Side): string[] {
  return stepLabels(PROGRAMS[ROLES[flow][side]]);
}

export function established(ending: Ending): boolean {
  return ending.S.status === 'established' && ending.C.status === 'established';
}

// ── rendering ───────────────────────────────────────────────────────────

function cellOf(ending: Ending, held: Side, label: string): string {
  const show = (side: Side): string => {
    const outcome = ending[side];
    if (outcome.status === 'established') return `${side}: ✓`;
    const where = side === held && outcome.label === label ? 'X' : outcome.label;
    return `${side}: ${where} ${outcome.error}`;
  };
  return `${show('S')}<br>${show('C')}`;
}

/** The §10.7 table for one role held: consecutive steps with equal outcomes share a row. */
export function renderHoldTable(flow: Flow, held: Side, config: WorldConfig = DEFAULT_CONFIG): string {
  const rows: { labels: string[]; cells: string[] }[] = [];
  for (const label of labelsOf(flow, held)) {
    const cells = HOLD_FAULTS.map((fault) => cellOf(outcomeAtHold(flow, held, label, fault.id, config), held, label));
    const last = rows[rows.length - 1];
    if (last && last.cells.every((cell, i) => cell === cells[i])) last.labels.push(label);
    else rows.push({ labels: [label], cells });
  }
  const role = ROLES[flow][held];
  const header = `| ${role} held before X | ${HOLD_FAULTS.map((f) => f.title).join(' | ')} |`;
  const rule = `|${' --- |'.repeat(HOLD_FAULTS.length + 1)}`;
  const body = rows.map((row) => `| ${row.labels.join(', ')} | ${row.cells.join(' | ')} |`);
  return [header, rule, ...body].join('\n');
}

/** The §10.7 delay table: each channel delayed by d ticks from the start, d = 1 … stepTimeout + 1. */
export function renderDelayTable(config: WorldConfig = DEFAULT_CONFIG): string {
  const columns: { flow: Flow; channel: 'net' | 'dss' }[] = [
    { flow: 'fs', channel: 'net' },
    { flow: 'fs', channel: 'dss' },
    { flow: 'db', channel: 'net' },
    { flow: 'db', channel: 'dss' },
  ];
  const header = `| delay d | ${columns.map((c) => `${c.flow === 'fs' ? 'file-system' : 'database'}, ${c.channel} delayed`).join(' | ')} |`;
  const rule = `|${' --- |'.repeat(columns.length + 1)}`;
  const body: string[] = [];
  for (let d = 1; d <= config.ticks.stepTimeout + 1; d++) {
    const cells = columns.map((c) => {
      const ending = outcomeUnderDelay(c.flow, c.channel, d, config);
      return established(ending) ? 'both ✓' : cellOf(ending, 'S', '');
    });
    body.push(`| ${d} | ${cells.join(' | ')} |`);
  }
  return [header, rule, ...body].join('\n');
}

/** The names of the generated outcome blocks of SPEC.md. */
export const OUTCOME_BLOCKS = ['fs-server', 'fs-client', 'db-server', 'db-client', 'delay'] as const;
export type OutcomeBlock = (typeof OUTCOME_BLOCKS)[number];

export function renderOutcomeBlock(name: OutcomeBlock, config: WorldConfig = DEFAULT_CONFIG): string {
  switch (name) {
    case 'fs-server':
      return renderHoldTable('fs', 'S', config);
    case 'fs-client':
      return renderHoldTable('fs', 'C', config);
    case 'db-server':
      return renderHoldTable('db', 'S', config);
    case 'db-client':
      return renderHoldTable('db', 'C', config);
    case 'delay':
      return renderDelayTable(config);
  }
}
