/**
 * Test support for reference/*.test.ts (not part of the model): a small
 * driver that plays the harness against the pure model — it numbers calls,
 * applies each action, settles the way the reference implementation does,
 * and keeps every emission so a test can ask "what did call 7 return?".
 *
 * It is pure like the model (the purity test scans it too), and it throws
 * plain Errors with the action and the model's reason, so a failing test
 * says what the model refused and why.
 */
import type { WorldConfig } from '../../spec/config.ts';
import { bytesToHex } from '../../spec/bytes.ts';
import type { Address, Fault, HandshakeOutcome, Inspection, Op, Outcome, Role, RoleParams } from '../../spec/messages.ts';
import type { Emission, SoftFinding } from '../context.ts';
import { describeEmission } from '../describe.ts';
import { inspect } from '../inspect.ts';
import { type Action, type StepOptions, type StepResult, settle, step } from '../model.ts';
import type { Programs } from '../roles.ts';
import { type State, initialState } from '../state.ts';

/**
 * The tests' world, written out rather than taken from DEFAULT_CONFIG so that
 * the numbers the tests expect (descriptors, ports, lengths, ticks) stay put:
 * two hosts with two processes each, 8 control blocks, one STG of 16 bytes
 * with ports 5000-5007, dynamic ports 40000-40007, timeouts of 5 ticks.
 */
export const CONFIG: WorldConfig = {
  hosts: [
    { name: 'srv', processes: ['S', 'S2'] },
    { name: 'cli', processes: ['C', 'C2'] },
  ],
  cbt: { capacity: 8 },
  stgs: [{ id: 1, length: 16, ports: [5000, 5007] }],
  wkp: 7000,
  fdBoundary: 1024,
  netPorts: [40000, 40007],
  ticks: { connectTimeout: 5, stepTimeout: 5 },
  wellKnownString: '3030303030303030',
};

export function configWith(patch: Partial<WorldConfig>): WorldConfig {
  return { ...CONFIG, ...patch };
}

/** S listens on srv:7000, C connects with fd 3, S accepts it as fd 4: the calls, for stateAfter. */
export const CONNECTED_PAIR: readonly (readonly [string, Op])[] = [
  ['S', { op: 'socket', family: 'net' }],
  ['S', { op: 'bind', fd: 3, port: 7000 }],
  ['S', { op: 'listen', fd: 3, backlog: 1 }],
  ['C', { op: 'socket', family: 'net' }],
  ['C', { op: 'connect', fd: 3, to: { host: 'srv', port: 7000 } }],
  ['S', { op: 'accept', fd: 3 }],
];

/**
 * The state after running calls one at a time through the model, each settled before the next
 * (the canonical answers); for tests that start an epoch from a built-up world.
 */
export function stateAfter(config: WorldConfig, calls: readonly (readonly [string, Op])[]): State {
  let state = initialState(config);
  let id = 1000;
  for (const [process, call] of calls) {
    const result = step(state, { type: 'call', id: id++, process, call });
    if (result.kind !== 'ok') throw new Error(`setup: ${process}:${call.op} refused: ${JSON.stringify(result)}`);
    state = settle(result.state).state;
  }
  return state;
}

export const hex = bytesToHex;
export const ok = (value: Record<string, unknown>): Outcome => ({ value }) as Outcome;
export const fail = (error: Extract<Outcome, { error: unknown }>['error']): Outcome => ({ error });
export const data = (text: string): Outcome => ({ value: { data: bytesToHex(text) } });
export const local = (address: Address | null): Outcome => ({ value: { local: address } });

export class Sim {
  state: State;
  readonly emissions: Emission[] = [];
  readonly soft: SoftFinding[] = [];
  private nextId = 1;

  /** `programs`: the step tables the roles run from, for every step (default: the model's PROGRAMS). */
  constructor(config: WorldConfig = CONFIG, private readonly programs?: Programs) {
    this.state = initialState(config);
  }

  /** Apply one action (it must be legal and allowed), then settle. */
  apply(action: Action, options: StepOptions = {}): this {
    const result = step(this.state, action, { programs: this.programs, ...options });
    this.adopt(result, action);
    this.settle(options.observed);
    return this;
  }

  /** Apply one action without settling; returns the raw result (ok, violation or illegal). */
  try(action: Action, options: StepOptions = {}): StepResult {
    return step(this.state, action, { programs: this.programs, ...options });
  }

  adopt(result: StepResult, action?: Action): void {
    if (result.kind !== 'ok') {
      const detail = result.kind === 'illegal' ? result.reason : `${result.violation.reqs.join(',')}: expected ${result.violation.expected}, got ${result.violation.actual}`;
      throw new Error(`${action ? JSON.stringify(action) : 'step'} was ${result.kind}: ${detail}`);
    }
    this.state = result.state;
    this.emissions.push(...result.emissions);
    this.soft.push(...result.soft);
  }

  settle(observed?: StepOptions['observed']): this {
    const settled = settle(this.state, observed, this.programs);
    this.state = settled.state;
    this.emissions.push(...settled.emissions);
    this.soft.push(...settled.soft);
    return this;
  }

  id(): number {
    return this.nextId++;
  }

  /** Issue a call and settle; returns its id (see `result`). */
  start(process: string, call: Op, options: StepOptions = {}): number {
    const id = this.id();
    this.apply({ type: 'call', id, process, call }, options);
    return id;
  }

  /** Issue a call, settle, and return its outcome; throws if it is still pending. */
  call(process: string, call: Op, options: StepOptions = {}): Outcome {
    const id = this.start(process, call, options);
    const outcome = this.result(id);
    if (!outcome) throw new Error(`${process}:${JSON.stringify(call)} is still pending`);
    return outcome;
  }

  /** The outcome of raw call `id`, once it completed. */
  result(id: number): Outcome | undefined {
    const found = this.emissions.find((e) => e.type === 'result' && e.id === id);
    return found && found.type === 'result' ? found.outcome : undefined;
  }

  /** The value of a call that must succeed. */
  value<T = Record<string, unknown>>(process: string, call: Op): T {
    const outcome = this.call(process, call);
    if (!('value' in outcome)) throw new Error(`${process}:${JSON.stringify(call)} failed with ${outcome.error}`);
    return outcome.value as T;
  }

  fd(process: string, family: 'net' | 'dss'): number {
    return this.value<{ fd: number }>(process, { op: 'socket', family }).fd;
  }

  tick(times = 1): this {
    for (let i = 0; i < times; i++) this.apply({ type: 'tick' });
    return this;
  }

  fault(fault: Fault): this {
    return this.apply({ type: 'fault', fault });
  }

  handshake(process: string, role: Role, params: RoleParams, hold: readonly string[] = []): number {
    const id = this.id();
    this.apply({ type: 'handshake', id, process, role, params, hold });
    return id;
  }

  /** The final outcome of handshake `id`, once it is done. */
  done(id: number): HandshakeOutcome | undefined {
    const found = this.emissions.find((e) => e.type === 'done' && e.id === id);
    return found && found.type === 'done' ? found.outcome : undefined;
  }

  inspect(): Inspection {
    return inspect(this.state);
  }

  /** The open descriptors of a process, from inspect. */
  fds(process: string): number[] {
    return this.inspect().processes.find((p) => p.process === process)!.sockets.map((s) => s.fd);
  }

  /** Owners of allocated control blocks as "process:fd" (or "reserved"), sorted. */
  owners(): string[] {
    return this.inspect()
      .cbt.blocks.flatMap((b) => (b.owner === null ? [] : ['reserved' in b.owner ? 'reserved' : `${b.owner.process}:${b.owner.fd}`]))
      .sort();
  }

  trace(): string {
    return this.emissions.map(describeEmission).join('\n');
  }

  // ── a few ready-made situations ─────────────────────────────────────────

  /** A network listener of `server` on `port` and a connected pair; returns [client fd, accepted fd]. */
  netPair(client = 'C', server = 'S', port = 7000): [number, number] {
    const lis = this.fd(server, 'net');
    this.value(server, { op: 'bind', fd: lis, port });
    this.value(server, { op: 'listen', fd: lis, backlog: 2 });
    const cfd = this.fd(client, 'net');
    const host = this.inspect().processes.find((p) => p.process === server)!.host;
    this.value(client, { op: 'connect', fd: cfd, to: { host, port } });
    const { fd } = this.value<{ fd: number }>(server, { op: 'accept', fd: lis });
    this.value(server, { op: 'close', fd: lis });
    return [cfd, fd];
  }

  /** The same through an STG; returns [client fd, accepted fd]. */
  dssPair(client = 'C', server = 'S', stg = 1, port = 5000): [number, number] {
    const lis = this.fd(server, 'dss');
    this.value(server, { op: 'bind', fd: lis, stg, port });
    this.value(server, { op: 'listen', fd: lis, backlog: 2 });
    const cfd = this.fd(client, 'dss');
    this.value(client, { op: 'connect', fd: cfd, to: { stg, port } });
    const { fd } = this.value<{ fd: number }>(server, { op: 'accept', fd: lis });
    this.value(server, { op: 'close', fd: lis });
    return [cfd, fd];
  }
}
