/**
 * The four handshake roles as step tables (SPEC.md chapters 7-9): each step
 * carries the seeds' step label, the call it makes (computed from what the
 * role learnt so far) and the requirements it implements.
 *
 * A role is a pure program: `roleNext` says what it does next and
 * `roleOnOutcome` feeds it the outcome of its call. The model runs it against
 * the socket world; the harness runs the very same tables through plain calls
 * to play a peer — faithfully, or with one deliberate deviation.
 */
import type { ErrorCode, HandshakeOutcome, Layout, Op, Outcome, Role, RoleParams } from '../spec/messages.ts';
import { bytesToHex, hexToBytes, readU32, u32 } from '../spec/bytes.ts';
import { type WorldConfig, stgOf } from '../spec/config.ts';
import { deepEqual } from './equal.ts';

export type Vars = Record<string, number | string>;

export interface RoleCtx {
  readonly config: WorldConfig;
  readonly params: RoleParams;
  readonly now: number;
}

export interface Rejection {
  readonly error: ErrorCode;
  readonly reqs: readonly string[];
  readonly why: string;
}

interface CallStep {
  readonly kind: 'call';
  readonly label: string;
  readonly reqs: readonly string[];
  readonly op: (v: Vars, c: RoleCtx) => Op;
  /** Record what the call returned. */
  readonly save?: (v: Vars, value: Record<string, unknown>) => void;
  /**
   * A refused connect is retried one tick later (HS-CONNECT-RETRY): `true` where the role MUST
   * retry (its peer's listener may come later, §7.3), `'may'` where it may retry or fail at once
   * (a message the peer sent after listening came first, so a refusal means the peer is gone).
   */
  readonly retry?: boolean | 'may';
  /** The flow works without this call (§7.1): a role may leave it out (a bind(0) before a connect). */
  readonly optional?: boolean;
  /** Calls other than the table's own that make the same step (§7.1: a larger backlog); default none. */
  readonly accepts?: (actual: Op, table: Op) => boolean;
  /** The step meets the peer (connect, accept, send): the order of such steps between strands is kept (§8). */
  readonly meetsPeer?: boolean;
}

interface RecvStep {
  readonly kind: 'recv';
  readonly label: string;
  readonly reqs: readonly string[];
  readonly fd: string;
  readonly bytes: (c: RoleCtx) => number;
  /** Check the whole message; a rejection fails the role at this step with EPROTO. */
  readonly check: (v: Vars, message: string, c: RoleCtx) => Rejection | null;
  readonly save: (v: Vars, message: string) => void;
}

export type Step = CallStep | RecvStep;

export interface RoleProgram {
  readonly role: Role;
  readonly steps: readonly Step[];
  /**
   * Labels where a further strand of the table begins. Each strand's steps are made in their
   * order, and a role may interleave the strands' steps (§8: Fig. 4 and Fig. 4A "are actually
   * done in parallel"); the table's own order runs each strand to its end before the next.
   */
  readonly strands?: readonly string[];
  readonly layout: (v: Vars) => Layout;
  readonly reqs: readonly string[];
  /** Params the role cannot do without. */
  readonly needs: readonly ('peer' | 'stg')[];
}

// ── step builders ────────────────────────────────────────────────────────

const num = (v: Vars, name: string): number => {
  const value = v[name];
  if (typeof value !== 'number') throw new Error(`role variable ${name} is not set`);
  return value;
};

function wks(c: RoleCtx): string {
  return hexToBytes(c.config.wellKnownString);
}

function offeredStg(c: RoleCtx): { id: number; length: number; ports: readonly [number, number] } {
  const stg = stgOf(c.config, c.params.stg ?? -1);
  if (!stg) throw new Error(`role needs params.stg naming a configured STG (got ${String(c.params.stg)})`);
  return stg;
}

function socket(label: string, family: 'net' | 'dss', as: string, reqs: string[]): Step {
  return {
    kind: 'call',
    label,
    reqs,
    op: () => ({ op: 'socket', family }),
    save: (v, value) => {
      v[as] = value.fd as number;
    },
  };
}

function bindNet(label: string, fd: string, port: (c: RoleCtx) => number, reqs: string[]): Step {
  return { kind: 'call', label, reqs, op: (v, c) => ({ op: 'bind', fd: num(v, fd), port: port(c) }) };
}

/** The bind(0) of a connecting socket: its connect binds a dynamic port itself (§3.3 connect step 5), so the bind is optional (§7.1). */
function bindSource(label: string, fd: string, reqs: string[]): Step {
  return { ...bindNet(label, fd, () => 0, reqs), optional: true } as Step;
}

function bindStg(label: string, fd: string, reqs: string[]): Step {
  return { kind: 'call', label, reqs, op: (v) => ({ op: 'bind', fd: num(v, fd), stg: num(v, 'stg'), port: 0 }) };
}

/** Any backlog of at least the table's holds what the flow sends (§13.29), so any such is the step. */
function listen(label: string, fd: string, backlog: number, reqs: string[]): Step {
  return {
    kind: 'call',
    label,
    reqs,
    op: (v) => ({ op: 'listen', fd: num(v, fd), backlog }),
    accepts: (actual, table) => actual.op === 'listen' && table.op === 'listen' && actual.fd === table.fd && actual.backlog >= table.backlog,
  };
}

function accept(label: string, fd: string, as: string, reqs: string[], peerHostAs?: string): Step {
  return {
    kind: 'call',
    label,
    reqs,
    meetsPeer: true,
    op: (v) => ({ op: 'accept', fd: num(v, fd) }),
    save: (v, value) => {
      v[as] = value.fd as number;
      const peer = value.peer as { host?: string };
      if (peerHostAs && peer.host !== undefined) v[peerHostAs] = peer.host;
    },
  };
}

function connectNet(label: string, fd: string, to: (v: Vars, c: RoleCtx) => { host: string; port: number }, reqs: string[], retry: true | 'may' = true): Step {
  return { kind: 'call', label, reqs, retry, meetsPeer: true, op: (v, c) => ({ op: 'connect', fd: num(v, fd), to: to(v, c) }) };
}

function connectStg(label: string, fd: string, port: string, reqs: string[], retry: true | 'may' = true): Step {
  return { kind: 'call', label, reqs, retry, meetsPeer: true, op: (v) => ({ op: 'connect', fd: num(v, fd), to: { stg: num(v, 'stg'), port: num(v, port) } }) };
}

function send(label: string, fd: string, data: (v: Vars, c: RoleCtx) => string, reqs: string[]): Step {
  return { kind: 'call', label, reqs, meetsPeer: true, op: (v, c) => ({ op: 'send', fd: num(v, fd), data: bytesToHex(data(v, c)) }) };
}

function getsockname(label: string, fd: string, portAs: string, reqs: string[]): Step {
  return {
    kind: 'call',
    label,
    reqs,
    op: (v) => ({ op: 'getsockname', fd: num(v, fd) }),
    save: (v, value) => {
      v[portAs] = (value.local as { port: number }).port;
    },
  };
}

function close(label: string, fd: string, reqs: string[]): Step {
  return { kind: 'call', label, reqs, op: (v) => ({ op: 'close', fd: num(v, fd) }) };
}

function recvU32(label: string, fd: string, as: string, reqs: string[], check: (value: number, v: Vars, c: RoleCtx) => string | null): Step {
  return {
    kind: 'recv',
    label,
    reqs,
    fd,
    bytes: () => 4,
    check: (v, message, c) => {
      const why = check(readU32(message), v, c);
      return why === null ? null : { error: 'EPROTO', reqs, why };
    },
    save: (v, message) => {
      v[as] = readU32(message);
    },
  };
}

function recvString(label: string, fd: string, reqs: string[]): Step {
  return {
    kind: 'recv',
    label,
    reqs,
    fd,
    bytes: (c) => wks(c).length,
    check: (_v, message, c) => (message === wks(c) ? null : { error: 'EPROTO', reqs, why: 'the bytes differ from the well-known string' }),
    save: () => {},
  };
}

function recvStgInfo(label: string, fd: string, reqs: string[]): Step {
  return {
    kind: 'recv',
    label,
    reqs,
    fd,
    bytes: () => 8,
    check: (_v, message, c) => {
      const id = readU32(message, 0);
      const length = readU32(message, 4);
      const stg = stgOf(c.config, id);
      if (!stg) return { error: 'EPROTO', reqs, why: `STG ${id} is not configured` };
      if (stg.length !== length) return { error: 'EPROTO', reqs, why: `stg${id} has length ${stg.length}, not ${length}` };
      return null;
    },
    save: (v, message) => {
      v.stg = readU32(message, 0);
    },
  };
}

const inRange = (value: number, [lo, hi]: readonly [number, number]): boolean => value >= lo && value <= hi;

const stgInfo = (c: RoleCtx): string => u32(offeredStg(c).id) + u32(offeredStg(c).length);
const peerHost = (c: RoleCtx): string => {
  if (!c.params.peer) throw new Error('role needs params.peer');
  return c.params.peer;
};

// ── the four tables ──────────────────────────────────────────────────────

const FS_SRC = ['HS-FS-84-EPHEMERAL-SOURCE'];
const FS_WKP1 = ['HS-FS-136-CONNECT-WKP1'];
const FS_STP = ['HS-FS-146-STP-CONNECT'];
const FS_AUX = ['HS-FS-CLOSE-AUXILIARY'];

export const FS_SERVER: RoleProgram = {
  role: 'fs-server',
  needs: ['peer', 'stg'],
  strands: ['132'],
  reqs: ['HS-FS-LAYOUT'],
  steps: [
    socket('82', 'net', 'ctl', FS_SRC),
    bindSource('84', 'ctl', FS_SRC),
    connectNet('86', 'ctl', (_v, c) => ({ host: peerHost(c), port: c.config.wkp }), FS_SRC),
    send('90', 'ctl', (_v, c) => wks(c), ['HS-FS-90-SEND-STRING']),
    recvU32('92', 'ctl', 'clientFd', ['HS-FS-122-SEND-FD'], () => null),
    socket('94', 'net', 'err', FS_SRC),
    bindSource('96', 'err', FS_SRC),
    connectNet('98', 'err', (_v, c) => ({ host: peerHost(c), port: c.config.wkp }), FS_SRC, 'may'),
    send('100', 'err', (v) => u32(num(v, 'clientFd')), ['HS-FS-100-ECHO-FD']),
    socket('132', 'net', 'aux', FS_WKP1),
    bindSource('134', 'aux', FS_WKP1),
    connectNet('136', 'aux', (_v, c) => ({ host: peerHost(c), port: c.config.wkp + 1 }), FS_WKP1),
    send('138', 'aux', (_v, c) => stgInfo(c), ['HS-FS-138-STG-INFO']),
    recvU32('140', 'aux', 'stpPort', ['HS-FS-140-CHECK-PORT'], (port, _v, c) =>
      inRange(port, offeredStg(c).ports) ? null : `port ${port} is outside stg${offeredStg(c).id}'s ${offeredStg(c).ports.join('..')}`,
    ),
    socket('142', 'dss', 'data', FS_STP),
    bindStg('144', 'data', FS_STP),
    connectStg('146', 'data', 'stpPort', FS_STP, 'may'),
    close('148', 'aux', FS_AUX),
  ],
  layout: (v) => ({ control: num(v, 'ctl'), status: num(v, 'err'), data: num(v, 'data') }),
};

const FS_LIS = ['HS-FS-116-CLIENT-LISTENS-WKP'];

export const FS_CLIENT: RoleProgram = {
  role: 'fs-client',
  needs: [],
  strands: ['152'],
  reqs: ['HS-FS-LAYOUT'],
  steps: [
    socket('112', 'net', 'lis', FS_LIS),
    bindNet('114', 'lis', (c) => c.config.wkp, FS_LIS),
    listen('116', 'lis', 2, FS_LIS),
    accept('118', 'lis', 'c1', FS_LIS),
    recvString('120', 'c1', ['HS-FS-120-CHECK-STRING']),
    send('122', 'c1', (v) => u32(num(v, 'c1')), ['HS-FS-122-SEND-FD']),
    accept('124', 'lis', 'c2', FS_LIS),
    close('124A', 'lis', FS_AUX),
    recvU32('126', 'c2', 'echo', ['HS-FS-126-CHECK-FD'], (value, v) =>
      value === num(v, 'c1') ? null : `the echo ${value} is not the descriptor ${num(v, 'c1')} sent at 122`,
    ),
    socket('152', 'net', 'lis1', FS_WKP1),
    bindNet('154', 'lis1', (c) => c.config.wkp + 1, FS_WKP1),
    listen('156', 'lis1', 1, FS_WKP1),
    accept('158', 'lis1', 'aux', FS_WKP1),
    close('158A', 'lis1', FS_AUX),
    recvStgInfo('160', 'aux', ['HS-FS-160-CHECK-STG']),
    socket('162', 'dss', 'slis', ['HS-FS-164-DYNAMIC-STP-PORT']),
    bindStg('164', 'slis', ['HS-FS-164-DYNAMIC-STP-PORT']),
    listen('166', 'slis', 1, ['HS-FS-164-DYNAMIC-STP-PORT']),
    getsockname('168', 'slis', 'sport', ['HS-FS-164-DYNAMIC-STP-PORT']),
    send('170', 'aux', (v) => u32(num(v, 'sport')), ['HS-FS-164-DYNAMIC-STP-PORT']),
    accept('172', 'slis', 'data', FS_STP),
    close('172A', 'slis', FS_AUX),
    close('172B', 'aux', FS_AUX),
  ],
  layout: (v) => ({ control: num(v, 'c1'), status: num(v, 'c2'), data: num(v, 'data') }),
};

const DB_DYN = ['HS-DB-184-DYNAMIC-PORT'];
const DB_WKP = ['HS-DB-194-CONNECT-WKP'];
const DB_CONN = ['HS-DB-234-CONNECT-DYNAMIC'];
const DB_STP = ['HS-DB-210-SEND-STP-PORT'];
const DB_CLOSE = ['HS-DB-214-CLOSE-NETWORK'];

export const DB_CLIENT: RoleProgram = {
  role: 'db-client',
  needs: ['peer'],
  reqs: ['HS-DB-LAYOUT'],
  steps: [
    socket('182', 'net', 'dl', DB_DYN),
    bindNet('184', 'dl', () => 0, DB_DYN),
    listen('186', 'dl', 1, DB_DYN),
    getsockname('188', 'dl', 'dport', DB_DYN),
    socket('190', 'net', 'w', DB_WKP),
    bindSource('192', 'w', DB_WKP),
    connectNet('194', 'w', (_v, c) => ({ host: peerHost(c), port: c.config.wkp }), DB_WKP),
    send('196', 'w', (v) => u32(num(v, 'dport')), ['HS-DB-196-SEND-PORT']),
    recvString('196A', 'w', ['HS-DB-226-ACK']),
    accept('198', 'dl', 'd', DB_CONN),
    close('198A', 'dl', DB_CONN),
    recvStgInfo('200', 'd', ['HS-DB-236-STG-INFO']),
    socket('202', 'dss', 'sl', DB_STP),
    bindStg('204', 'sl', DB_STP),
    listen('206', 'sl', 1, DB_STP),
    getsockname('208', 'sl', 'sport', DB_STP),
    send('210', 'd', (v) => u32(num(v, 'sport')), DB_STP),
    accept('212', 'sl', 'data', ['HS-DB-244-STP-CONNECT']),
    close('212A', 'sl', ['HS-DB-244-STP-CONNECT']),
    close('214', 'd', DB_CLOSE),
    close('214A', 'w', DB_CLOSE),
  ],
  layout: (v) => ({ data: num(v, 'data') }),
};

const DB_LIS = ['HS-DB-220-SERVER-LISTENS-WKP'];

export const DB_SERVER: RoleProgram = {
  role: 'db-server',
  needs: ['stg'],
  reqs: ['HS-DB-LAYOUT'],
  steps: [
    socket('220A', 'net', 'L', DB_LIS),
    bindNet('220B', 'L', (c) => c.config.wkp, DB_LIS),
    listen('220C', 'L', 1, DB_LIS),
    accept('222', 'L', 'w', DB_LIS, 'peerHost'),
    close('222A', 'L', DB_LIS),
    recvU32('224', 'w', 'dport', ['HS-DB-224-CHECK-PORT'], (port, _v, c) =>
      inRange(port, c.config.netPorts) ? null : `port ${port} is outside the dynamic range ${c.config.netPorts.join('..')}`,
    ),
    send('226', 'w', (_v, c) => wks(c), ['HS-DB-226-ACK']),
    socket('228', 'net', 'd', DB_CONN),
    bindSource('230', 'd', DB_CONN),
    connectNet('234', 'd', (v) => ({ host: String(v.peerHost), port: num(v, 'dport') }), DB_CONN, 'may'),
    send('236', 'd', (_v, c) => stgInfo(c), ['HS-DB-236-STG-INFO']),
    recvU32('238', 'd', 'sport', ['HS-DB-238-CHECK-PORT'], (port, _v, c) =>
      inRange(port, offeredStg(c).ports) ? null : `port ${port} is outside stg${offeredStg(c).id}'s ${offeredStg(c).ports.join('..')}`,
    ),
    socket('240', 'dss', 's', ['HS-DB-244-STP-CONNECT']),
    bindStg('242', 's', ['HS-DB-244-STP-CONNECT']),
    connectStg('244', 's', 'sport', ['HS-DB-244-STP-CONNECT'], 'may'),
    close('246', 'd', DB_CLOSE),
    close('246A', 'w', DB_CLOSE),
  ],
  layout: (v) => ({ data: num(v, 's') }),
};

/** One step table per role: the table the model runs each role from. */
export type Programs = Readonly<Record<Role, RoleProgram>>;

/** The figures' tables: what the model runs unless a caller of `step` passes others. */
export const PROGRAMS: Programs = {
  'fs-server': FS_SERVER,
  'fs-client': FS_CLIENT,
  'db-client': DB_CLIENT,
  'db-server': DB_SERVER,
};

/**
 * A copy of a step table with the steps of some labels changed (or dropped,
 * where a change returns null), for running a role that deviates from its
 * figure: a mutant, or a misbehaving peer in a test. The original is left as
 * it was; a label the table does not have is a mistake, and throws.
 */
export function patchProgram(program: RoleProgram, changes: Readonly<Record<string, (step: Step) => Step | null>>): RoleProgram {
  for (const label of Object.keys(changes)) {
    if (!program.steps.some((s) => s.label === label)) throw new Error(`${program.role} has no step ${label}`);
  }
  const steps = program.steps.flatMap((step) => {
    const change = changes[step.label];
    if (!change) return [step];
    const changed = change(step);
    return changed ? [changed] : [];
  });
  return { ...program, steps };
}

/** Server roles need to know which STG they offer; the stg var is set from params at start. */
export function initialVars(program: RoleProgram, params: RoleParams): Vars {
  const vars: Vars = {};
  if (program.role === 'fs-server' || program.role === 'db-server') vars.stg = params.stg ?? -1;
  return vars;
}

export function missingParams(program: RoleProgram, params: RoleParams, config: WorldConfig): string | null {
  if (program.needs.includes('peer') && (!params.peer || !config.hosts.some((h) => h.name === params.peer))) {
    return `role ${program.role} needs params.peer naming a configured host`;
  }
  if (program.needs.includes('stg') && (params.stg === undefined || !stgOf(config, params.stg))) {
    return `role ${program.role} needs params.stg naming a configured STG`;
  }
  return null;
}

// ── running a program ────────────────────────────────────────────────────

/** The part of a role's run that the program reads and writes. */
export interface Progress {
  /** Index of the step under way (or next, in the table's own order). */
  pc: number;
  vars: Vars;
  /** Bytes moved so far by the step under way: received by a receive, sent by a send. */
  buf: string;
  /** Per strand, the index of its next step; absent until a step ends (then derived from pc). */
  heads?: readonly number[];
  /** The step under way has made a call and goes on with the next (a partial message, a refused connect). */
  mid?: boolean;
}

export type Next =
  | { readonly kind: 'call'; readonly step: Step; readonly label: string; readonly op: Op }
  | { readonly kind: 'done'; readonly outcome: HandshakeOutcome };

/** One step a role may make next: its index in the table, and the table's call for it. */
export interface Choice {
  readonly index: number;
  readonly step: Step;
  readonly label: string;
  readonly op: Op;
}

/** Each strand as [first index, end index); a strand whose first label a patched table dropped joins the one before. */
function strandRanges(program: RoleProgram): [number, number][] {
  const starts = [0, ...(program.strands ?? []).map((label) => program.steps.findIndex((s) => s.label === label)).filter((i) => i > 0)];
  return starts.map((start, i) => [start, starts[i + 1] ?? program.steps.length]);
}

/** The strand a step index belongs to. */
export function strandOf(program: RoleProgram, index: number): number {
  return strandRanges(program).findIndex(([a, b]) => index >= a && index < b);
}

function headsOf(program: RoleProgram, progress: Progress): number[] {
  return progress.heads ? [...progress.heads] : strandRanges(program).map(([a, b]) => Math.min(Math.max(progress.pc, a), b));
}

/** The call of step `index`: a send sends only what earlier sends of the step left. */
function callOf(program: RoleProgram, index: number, progress: Progress, c: RoleCtx): Choice {
  const step = program.steps[index]!;
  if (step.kind === 'recv') {
    const missing = step.bytes(c) - (index === progress.pc ? progress.buf.length : 0);
    return { index, step, label: step.label, op: { op: 'recv', fd: num(progress.vars, step.fd), max: missing } };
  }
  const op = step.op(progress.vars, c);
  if (op.op === 'send' && index === progress.pc && progress.buf.length > 0) {
    return { index, step, label: step.label, op: { ...op, data: bytesToHex(hexToBytes(op.data).slice(progress.buf.length)) } };
  }
  return { index, step, label: step.label, op };
}

const meetsPeer = (step: Step): boolean => step.kind === 'recv' || step.meetsPeer === true;

/**
 * Every step the role may make next, the table's own order first (SPEC.md §7.1, §8): a step
 * under way goes on; otherwise the next step of each strand, and, where that step is optional,
 * the step after it too. A later strand's step that meets the peer waits until no earlier
 * strand has such a step left: a role waiting in Fig. 4A for a peer still in Fig. 4 would
 * deadlock with a peer that runs the table's order. Empty when the role has made its last step.
 */
export function roleChoices(program: RoleProgram, progress: Progress, c: RoleCtx): Choice[] {
  if (progress.mid) return [callOf(program, progress.pc, progress, c)];
  const heads = headsOf(program, progress);
  const choices: Choice[] = [];
  let meetingLeft = false;
  strandRanges(program).forEach(([, end], s) => {
    for (let i = heads[s]!; i < end; i++) {
      const step = program.steps[i]!;
      if (meetingLeft && meetsPeer(step)) break;
      choices.push(callOf(program, i, progress, c));
      if (step.kind !== 'call' || !step.optional) break;
    }
    for (let i = heads[s]!; i < end; i++) if (meetsPeer(program.steps[i]!)) meetingLeft = true;
  });
  return choices;
}

/**
 * Whether an implementation's call makes the chosen step (§7.1): the table's call, or one the
 * step accepts besides — a send of any non-empty prefix of the bytes still to send (a split of
 * the same bytes under the same label is the same step), a listen with a larger backlog.
 */
export function choiceAllows(choice: Choice, actual: Op): boolean {
  const table = choice.op;
  if (deepEqual(actual, table)) return true;
  if (actual.op === 'send' && table.op === 'send') {
    const part = hexToBytes(actual.data);
    return actual.fd === table.fd && part.length > 0 && hexToBytes(table.data).startsWith(part);
  }
  return choice.step.kind === 'call' && choice.step.accepts !== undefined && choice.step.accepts(actual, table);
}

/** Make `choice` the step under way (the optional steps it passes over are left out). */
export function roleTake(program: RoleProgram, progress: Progress, choice: Choice): void {
  if (progress.mid || choice.index === progress.pc) return;
  const heads = headsOf(program, progress);
  const s = strandRanges(program).findIndex(([a, b]) => choice.index >= a && choice.index < b);
  heads[s] = choice.index;
  progress.heads = heads;
  progress.pc = choice.index;
  progress.buf = '';
}

/** What the role does next in the table's own order: a call, or done (established). */
export function roleNext(program: RoleProgram, progress: Progress, c: RoleCtx): Next {
  const first = roleChoices(program, progress, c)[0];
  if (!first) return { kind: 'done', outcome: { status: 'established', layout: program.layout(progress.vars) } };
  return { kind: 'call', step: first.step, label: first.label, op: first.op };
}

export type Reaction =
  | { readonly kind: 'next' }
  | { readonly kind: 'again' }
  | { readonly kind: 'retry'; readonly may?: boolean }
  | { readonly kind: 'fail'; readonly error: ErrorCode; readonly reqs: readonly string[]; readonly why: string };

/** The step under way has ended: its strand moves on, and pc names the next step in the table's order. */
function endStep(program: RoleProgram, progress: Progress): void {
  const heads = headsOf(program, progress);
  const ranges = strandRanges(program);
  const s = ranges.findIndex(([a, b]) => progress.pc >= a && progress.pc < b);
  heads[s] = progress.pc + 1;
  progress.heads = heads;
  progress.mid = false;
  progress.buf = '';
  const next = ranges.findIndex(([, end], i) => heads[i]! < end);
  progress.pc = next < 0 ? program.steps.length : heads[next]!;
}

/**
 * Feed the outcome of the current step's call to the role (editing `progress`); `op` is the
 * call made, when it differs from the table's (a send of part of the message).
 * 'again' = the step makes another call (a partial recv or send); 'retry' = a refused
 * connect, to be retried (`may`: or the role may fail instead); 'fail' = the role ends failed
 * at this step.
 */
export function roleOnOutcome(program: RoleProgram, progress: Progress, outcome: Outcome, c: RoleCtx, op?: Op): Reaction {
  const step = program.steps[progress.pc]!;
  if ('error' in outcome) {
    if (step.kind === 'call' && step.retry && outcome.error === 'ECONNREFUSED') {
      progress.mid = true;
      return step.retry === 'may' ? { kind: 'retry', may: true } : { kind: 'retry' };
    }
    return { kind: 'fail', error: outcome.error, reqs: ['HS-PEER-GONE', ...step.reqs], why: `${step.label} failed with ${outcome.error}` };
  }
  const value = outcome.value as Record<string, unknown>;
  if (step.kind === 'recv') {
    const data = hexToBytes(value.data as string);
    if (data.length === 0) return { kind: 'fail', error: 'ECONNABORTED', reqs: ['HS-PEER-GONE'], why: `end-of-stream where ${step.label}'s message was due` };
    progress.buf += data;
    if (progress.buf.length < step.bytes(c)) {
      progress.mid = true;
      return { kind: 'again' };
    }
    const message = progress.buf;
    const rejection = step.check(progress.vars, message, c);
    if (rejection) return { kind: 'fail', ...rejection };
    step.save(progress.vars, message);
    endStep(program, progress);
    return { kind: 'next' };
  }
  // A send made part of its message goes on with the rest; told no call, the step's one send was its message.
  const table = op?.op === 'send' ? step.op(progress.vars, c) : null;
  if (op?.op === 'send' && table?.op === 'send') {
    const sent = typeof value.sent === 'number' ? value.sent : 0;
    progress.buf += hexToBytes(op.data).slice(0, sent);
    if (progress.buf.length < hexToBytes(table.data).length) {
      progress.mid = true;
      return { kind: 'again' };
    }
  }
  step.save?.(progress.vars, value);
  endStep(program, progress);
  return { kind: 'next' };
}

export function stepLabels(program: RoleProgram): string[] {
  return [...new Set(program.steps.map((s) => s.label))];
}
