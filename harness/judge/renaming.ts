/**
 * Renaming what an implementation chose: the descriptors a replay must rename,
 * and the dynamic ports nobody has observed yet.
 *
 * Every call or handshake the runner sends gets a slot (which command, which
 * call of it, which process). An answer fills its slot; when the run replays
 * recorded answers, an answer that returned another descriptor than the
 * recording did teaches a renaming for that process, and later commands are
 * renamed through it before they are sent.
 *
 * A connect still pending at settle holds the dynamic port of its implicit
 * bind, and nothing has shown which one: every free port is possible, and the
 * model keeps each as a state of its own. Those states differ only by a
 * renaming of ports nothing in the epoch names, so no answer of the epoch can
 * tell them apart: the search keeps one of them, with the unobserved ports
 * renamed to the lowest of the ports they may be (`canonicalPorts`), and the
 * inspection after the epoch renames them to the ones the implementation
 * shows (`resolvePorts`).
 */
import type { Command } from '../generate/plan.ts';
import type { Address, HandshakeOutcome, Inspection, Op, Outcome } from '../../spec/messages.ts';
import { stgOf } from '../../spec/config.ts';
import type { State } from '../../reference/index.ts';

/** What one command's calls (in order) or handshake sides (server, client) answered; null while unanswered. */
export type Answer = Outcome | HandshakeOutcome | null;

/** Which command and slot a call or handshake id answers, and its process. */
export interface Slot {
  readonly command: number;
  readonly slot: number;
  readonly process: string;
}

export class Answers {
  /** Answers per command, as they arrive (a blocked call's arrives in a later epoch). */
  readonly table: Answer[][] = [];
  private readonly slots = new Map<number, Slot>();
  /** Recorded descriptor -> this run's descriptor, per process. */
  private readonly renames = new Map<string, Map<number, number>>();

  /** `recorded`: a replay's recorded answers, or none. */
  constructor(private readonly recorded: readonly (readonly Answer[])[] | undefined) {}

  /** Open the slots of a command about to run, all unanswered. */
  open(command: Command): void {
    this.table.push(command.type === 'call' ? [null] : command.type === 'batch' ? command.calls.map(() => null) : command.type === 'handshake' ? [null, null] : command.type === 'sessions' ? command.scenarios.flatMap(() => [null, null]) : []);
  }

  /** The call or handshake `id` answers into `slot`. */
  expect(id: number, slot: Slot): void {
    this.slots.set(id, slot);
  }

  /** Record an answer, and learn a descriptor renaming when this run and the recording differ. */
  record(id: number, outcome: Outcome | HandshakeOutcome): void {
    const where = this.slots.get(id);
    if (!where) return;
    this.table[where.command]![where.slot] = outcome;
    const recorded = this.recorded?.[where.command]?.[where.slot];
    if (!recorded) return;
    const from = descriptorsOf(recorded);
    const to = descriptorsOf(outcome);
    if (from.length !== to.length) return;
    let map = this.renames.get(where.process);
    if (!map) this.renames.set(where.process, (map = new Map()));
    from.forEach((fd, i) => map!.set(fd, to[i]!));
  }

  /** A command with its descriptors renamed from the recording's to this run's. */
  rename(command: Command): Command {
    if (this.renames.size === 0) return command;
    const fd = (process: string, value: number): number => this.renames.get(process)?.get(value) ?? value;
    const call = (process: string, op: Op): Op => ('fd' in op ? { ...op, fd: fd(process, op.fd) } : op);
    switch (command.type) {
      case 'call':
        return { ...command, call: call(command.process, command.call) };
      case 'batch':
        return { ...command, calls: command.calls.map((c) => ({ ...c, call: call(c.process, c.call) })) };
      case 'fault':
        return command.fault.kind === 'reset' ? { ...command, fault: { ...command.fault, fd: fd(command.fault.process, command.fault.fd) } } : command;
      default:
        return command;
    }
  }
}

/** The descriptors an answer hands out: a call's new fd, or an established role's layout. */
function descriptorsOf(answer: Outcome | HandshakeOutcome): number[] {
  if ('status' in answer) return answer.status === 'established' ? Object.values(answer.layout).filter((v): v is number => typeof v === 'number') : [];
  const value = 'value' in answer ? (answer.value as { fd?: number }) : {};
  return value.fd === undefined ? [] : [value.fd];
}

// ── unobserved dynamic ports ───────────────────────────────────────────────

/** Ports some sockets hold that nobody has observed: which sockets, and the ports each scope's may really be. */
export interface OpenPorts {
  /** Sockets ("process:fd"), sorted, whose implicit port nobody has observed. */
  readonly socks: readonly string[];
  /** Per scope ("h:host", "s:stg"), the ports those sockets may hold: free of every other socket, named by nothing. */
  readonly pool: ReadonlyMap<string, readonly number[]>;
}

function scopeOf(local: Address): string {
  return 'host' in local ? `h:${local.host}` : `s:${local.stg}`;
}

function dynamicPorts(state: State, scope: string): readonly [number, number] {
  if (scope.startsWith('h:')) return state.config.netPorts;
  return stgOf(state.config, Number(scope.slice(2)))?.ports ?? [1, 0];
}

/**
 * Ports something names, as "scope#port" ("h:srv#40001", "s:2#5100"), or "*#port" where the
 * scope is not said (a bind names its port without its host; a role keeps bare numbers).
 */
export type NamedPorts = Set<string>;

function isNamed(named: ReadonlySet<string>, scope: string, port: number): boolean {
  return named.has(`${scope}#${port}`) || named.has(`*#${port}`);
}

/**
 * Every port a value names anywhere in it (a `port` field at any depth), added to `into`.
 * The search keeps such ports apart from the renamed ones: a port an answer, a call or a role
 * names is a port an observation can tell apart from the others.
 */
export function portsNamed(value: unknown, into: NamedPorts): NamedPorts {
  if (Array.isArray(value)) for (const item of value) portsNamed(item, into);
  else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.port === 'number') {
      const scope = typeof record.host === 'string' ? `h:${record.host}` : typeof record.stg === 'number' ? `s:${record.stg}` : '*';
      into.add(`${scope}#${record.port}`);
    }
    for (const [key, item] of Object.entries(record)) if (key !== 'port') portsNamed(item, into);
  }
  return into;
}

/** Every port a state names besides its sockets' own ports (which the pool leaves out anyway): destinations, peers, connection ends, what roles keep. */
export function portsNamedBy(state: State, into: NamedPorts): NamedPorts {
  for (const pending of Object.values(state.pending)) portsNamed(pending.op, into);
  for (const sock of Object.values(state.socks)) portsNamed(sock.peer, into);
  for (const conn of Object.values(state.conns)) for (const end of conn.ends) portsNamed(end.addr, into);
  // A role keeps what it learnt in untyped variables: any number there may be a port.
  for (const run of Object.values(state.roles)) for (const value of Object.values(run.vars)) if (typeof value === 'number') into.add(`*#${value}`);
  return into;
}

/**
 * The sockets of a state whose implicit port is unobserved: connecting, bound by the connect
 * itself, whose connect `unseen` says nobody answered, on a port nothing in `named` names.
 */
export function openSockets(state: State, unseen: (key: string) => boolean, named: ReadonlySet<string>): string[] {
  const open: string[] = [];
  for (const pending of Object.values(state.pending)) {
    if (pending.op.op !== 'connect' || pending.result || !unseen(pending.key)) continue;
    const key = `${pending.proc}:${pending.op.fd}`;
    const sock = state.socks[key];
    if (!sock || sock.state !== 'connecting' || !sock.implicit || !sock.holdsPort || !sock.local || isNamed(named, scopeOf(sock.local), sock.local.port)) continue;
    open.push(key);
  }
  return open.sort();
}

/** The ports `open` sockets may hold, per scope: the dynamic range less every port another socket holds or something names. */
function poolOf(state: State, open: readonly string[], named: ReadonlySet<string>): Map<string, number[]> {
  const scopes = new Set(open.map((key) => scopeOf(state.socks[key]!.local!)));
  const openSet = new Set(open);
  const held = new Set<string>();
  for (const [key, sock] of Object.entries(state.socks)) if (sock.local && !openSet.has(key)) held.add(`${scopeOf(sock.local)}#${sock.local.port}`);
  const pool = new Map<string, number[]>();
  for (const scope of scopes) {
    const [lo, hi] = dynamicPorts(state, scope);
    const ports: number[] = [];
    for (let port = lo; port <= hi; port++) if (!isNamed(named, scope, port) && !held.has(`${scope}#${port}`)) ports.push(port);
    pool.set(scope, ports);
  }
  return pool;
}

/** A state with some sockets' local ports replaced (states are never edited in place). */
function withPorts(state: State, ports: ReadonlyMap<string, number>): State {
  const socks = { ...state.socks };
  for (const [key, port] of ports) {
    const sock = socks[key]!;
    socks[key] = { ...sock, local: { ...sock.local!, port } };
  }
  return { ...state, socks };
}

/**
 * The state with its `open` sockets' ports renamed canonically: in each scope, the sockets in
 * key order take the lowest ports of their pool. Two states that differ only in which free ports
 * their open sockets took become one. Returns the state itself when there is nothing to rename.
 */
export function canonicalPorts(state: State, open: readonly string[], named: ReadonlySet<string>): { state: State; ports: OpenPorts | null } {
  if (open.length === 0) return { state, ports: null };
  const pool = poolOf(state, open, named);
  const next = new Map<string, number>();
  const taken = new Map<string, number>();
  for (const key of open) {
    const scope = scopeOf(state.socks[key]!.local!);
    const index = taken.get(scope) ?? 0;
    taken.set(scope, index + 1);
    const port = pool.get(scope)![index]!;
    if (port !== state.socks[key]!.local!.port) next.set(key, port);
  }
  return { state: next.size === 0 ? state : withPorts(state, next), ports: { socks: open, pool } };
}

/**
 * The state renamed to the ports an inspection shows for its open sockets, or null when the
 * inspection shows something no renaming within the pool gives (the caller then compares the
 * state as it is, and the difference is reported as usual).
 */
export function resolvePorts(state: State, open: OpenPorts, view: Inspection): State | null {
  const ports = new Map<string, number>();
  const used = new Set<string>();
  for (const key of open.socks) {
    const colon = key.lastIndexOf(':');
    const process = key.slice(0, colon);
    const fd = Number(key.slice(colon + 1));
    const local = view.processes.find((p) => p.process === process)?.sockets.find((s) => s.fd === fd)?.local;
    const mine = state.socks[key]!.local!;
    if (!local || scopeOf(local) !== scopeOf(mine)) return null;
    const scope = scopeOf(mine);
    if (!open.pool.get(scope)?.includes(local.port) || used.has(`${scope}#${local.port}`)) return null;
    used.add(`${scope}#${local.port}`);
    ports.set(key, local.port);
  }
  return withPorts(state, ports);
}
