/**
 * Macro steps (plan.ts `MacroPlan`) expanded into commands. Each macro is a generator: the
 * runner asks for its next command only after the previous one ran, so the code between two
 * `yield`s reads the model state as it is then (the descriptor a socket call returned, whether a
 * connect is still pending) and decides what comes next. A command that cannot be built ends the
 * macro (`null`), as a shrunk plan's step with nothing to act on is skipped.
 *
 * They exist because these situations are the ones a bug hides in and single calls reach only by
 * luck: a port raced for by several hosts at once, a request that outlives its connect while the
 * descriptor, control block or port is reused, a descriptor reused after a close with unread
 * bytes, a listener at exactly its backlog or past it when it closes.
 */
import type { Address, Fault, Op } from '../../spec/messages.ts';
import { hostOf } from '../../spec/config.ts';
import type { State } from '../../reference/index.ts';
import { type Capabilities, type CallCommand, type Command, type MacroPlan, idleProcesses } from './plan.ts';

/** What a macro reads while it runs: the model state after the last command, and what the implementation can do. */
export interface MacroContext {
  readonly state: State;
  readonly capabilities: Capabilities;
}

type Thunk = () => Command | null;

export function* expandMacro(ctx: MacroContext, macro: MacroPlan): Generator<Thunk> {
  switch (macro.m) {
    case 'race-bind':
      return yield* raceBind(ctx, macro);
    case 'stale-connect':
      return yield* staleConnect(ctx, macro);
    case 'reuse-unread':
      return yield* reuseUnread(ctx, macro);
    case 'queue-fill':
      return yield* queueFill(ctx, macro);
    case 'stg-down':
      return yield* stgDown(ctx, macro);
    case 'cross-stg':
      return yield* crossStg(ctx, macro);
    case 'in-flight':
      return yield* inFlight(ctx, macro);
  }
}

const call = (process: string, op: Op): Command => ({ type: 'call', process, call: op });
const now = (command: Command | null): Thunk => () => command;

/** The descriptor `process` opened since `before` (the one a socket or accept just returned). */
/** The descriptor a process opened since `before` was taken (the first one the model lists). */
export function newestFd(state: State, process: string, before: ReadonlySet<number>): number | undefined {
  return Object.values(state.socks)
    .filter((s) => s.proc === process && !before.has(s.fd))
    .map((s) => s.fd)[0];
}

/** The descriptors a process has open now. */
export function fdsOf(state: State, process: string): Set<number> {
  return new Set(Object.values(state.socks).filter((s) => s.proc === process).map((s) => s.fd));
}

/** Processes in turn over hosts: the first of each host, then the second of each… */
export function spreadOverHosts(state: State, procs: readonly string[]): string[] {
  const byHost = new Map<string, string[]>();
  for (const p of procs) {
    const host = hostOf(state.config, p)!;
    byHost.set(host, [...(byHost.get(host) ?? []), p]);
  }
  const out: string[] = [];
  for (let round = 0; out.length < procs.length; round++) for (const list of byHost.values()) if (list[round]) out.push(list[round]!);
  return out;
}

function bindOp(state: State, family: 'net' | 'dss', fd: number, g: number, port = 0): Op {
  const stgs = state.config.stgs;
  return family === 'net' ? { op: 'bind', fd, port } : { op: 'bind', fd, stg: stgs[Math.abs(g) % stgs.length]!.id, port };
}

/**
 * A fresh listener at `process`: socket, bind (a dynamic port; for STP in STG `g`), listen. Yields
 * its commands and returns its descriptor, or undefined when a step failed.
 */
function* listenerAt(ctx: MacroContext, process: string, family: 'net' | 'dss', g: number, backlog: number): Generator<Thunk, number | undefined> {
  const before = fdsOf(ctx.state, process);
  yield now(call(process, { op: 'socket', family }));
  const fd = newestFd(ctx.state, process, before);
  if (fd === undefined) return undefined;
  yield now(call(process, bindOp(ctx.state, family, fd, g)));
  if (!ctx.state.socks[`${process}:${fd}`]?.local) return undefined;
  yield now(call(process, { op: 'listen', fd, backlog }));
  return ctx.state.socks[`${process}:${fd}`]?.state === 'listening' ? fd : undefined;
}

/** A new socket at `process`; its descriptor, or undefined. */
function* socketAt(ctx: MacroContext, process: string, family: 'net' | 'dss'): Generator<Thunk, number | undefined> {
  const before = fdsOf(ctx.state, process);
  yield now(call(process, { op: 'socket', family }));
  return newestFd(ctx.state, process, before);
}

/** A listener (backlog 1) in `listener`'s process and an unconnected socket in `connector`'s, for the connect a macro makes next. */
function* listenerAndSocket(
  ctx: MacroContext,
  listener: string,
  connector: string,
  family: 'net' | 'dss',
  g: number,
): Generator<Thunk, { lfd: number; to: Address; cfd: number } | undefined> {
  const lfd = yield* listenerAt(ctx, listener, family, g, 1);
  if (lfd === undefined) return undefined;
  const to = ctx.state.socks[`${listener}:${lfd}`]!.local!;
  const cfd = yield* socketAt(ctx, connector, family);
  return cfd === undefined ? undefined : { lfd, to, cfd };
}

const idle = (ctx: MacroContext, process: string): boolean => idleProcesses(ctx.state).includes(process);

/**
 * n sockets, then n binds in one batch: STP binds in one STG from processes on as many hosts as
 * there are; network binds from processes of one host (ports are per host). All to port 0, or
 * all to one explicit port: exactly one may win an explicit port, and no two may get one dynamic
 * port (or, with more binders than the range has ports, the rest get EADDRINUSE).
 */
function* raceBind(ctx: MacroContext, macro: Extract<MacroPlan, { m: 'race-bind' }>): Generator<Thunk> {
  const state = ctx.state;
  const ready = idleProcesses(state);
  let procs: string[];
  if (macro.family === 'dss') {
    procs = spreadOverHosts(state, ready).slice(0, macro.n);
  } else {
    // The host with the most idle processes.
    const byHost = new Map<string, string[]>();
    for (const p of ready) byHost.set(hostOf(state.config, p)!, [...(byHost.get(hostOf(state.config, p)!) ?? []), p]);
    procs = [...byHost.values()].sort((a, b) => b.length - a.length)[0]?.slice(0, macro.n) ?? [];
  }
  if (procs.length < 2) return;
  const before = new Map(procs.map((p) => [p, fdsOf(state, p)]));
  yield now({ type: 'batch', calls: procs.map((process) => ({ process, call: { op: 'socket', family: macro.family } })) });
  const calls: CallCommand[] = [];
  const stg = ctx.state.config.stgs[Math.abs(macro.g) % ctx.state.config.stgs.length]!;
  const port = !macro.explicit ? 0 : macro.family === 'net' ? ctx.state.config.netPorts[0] + (Math.abs(macro.g) % 2) : stg.ports[0] + (Math.abs(macro.g) % (stg.ports[1] - stg.ports[0] + 1));
  for (const process of procs) {
    const fd = newestFd(ctx.state, process, before.get(process)!);
    if (fd !== undefined && idle(ctx, process)) calls.push({ process, call: bindOp(ctx.state, macro.family, fd, macro.g, port) });
  }
  if (calls.length === 0) return;
  yield now(calls.length === 1 ? call(calls[0]!.process, calls[0]!.call) : { type: 'batch', calls });
}

/**
 * Two idle processes for a connection: the listener picked by `a`, the connector by `b` on
 * another host when one is idle there — so the request, and a delay that holds it, cross the
 * network — else another process of the same host.
 */
function listenerAndConnector(ctx: MacroContext, a: number, b: number): { listener: string; connector: string } | undefined {
  const ready = idleProcesses(ctx.state);
  if (ready.length < 2) return undefined;
  const listener = ready[Math.abs(a) % ready.length]!;
  const elsewhere = ready.filter((p) => hostOf(ctx.state.config, p) !== hostOf(ctx.state.config, listener));
  const candidates = elsewhere.length > 0 ? elsewhere : ready.filter((p) => p !== listener);
  return { listener, connector: candidates[Math.abs(b) % candidates.length]! };
}

/** listenerAndConnector, then listenerAndSocket: the two ends of a connection a macro makes next. */
function* acrossHosts(
  ctx: MacroContext,
  a: number,
  b: number,
  family: 'net' | 'dss',
  g: number,
): Generator<Thunk, { listener: string; connector: string; lfd: number; to: Address; cfd: number } | undefined> {
  const ends = listenerAndConnector(ctx, a, b);
  if (!ends) return undefined;
  const made = yield* listenerAndSocket(ctx, ends.listener, ends.connector, family, g);
  return made && { ...ends, ...made };
}

/**
 * The ABA window of reuse. A listener; the channel delayed for connectTimeout + 1 + extra ticks; a
 * connect, which times out before its request arrives; then the same descriptor, control block or
 * port reused — a new socket (the lowest free descriptor is the old one, its block the freed
 * one), the same socket again, or a new socket bound explicitly to the port the old connect had —
 * and a new connect, before the old request arrives. Optionally the delay is lifted first, so the
 * new connect completes at once and the old request arrives afterwards. The model drops the old
 * request (its connect is gone); an implementation that matches it by slot, descriptor or port
 * completes the wrong connect, or queues a connection nobody made. With `crash`, the connect ends
 * with its process's crash instead of its timeout (the process recovers at once, its sockets
 * gone), and a new socket of the recovered process takes the old descriptor.
 */
function* staleConnect(ctx: MacroContext, macro: Extract<MacroPlan, { m: 'stale-connect' }>): Generator<Thunk> {
  if (!ctx.capabilities.faults.includes('delay')) return;
  const family = macro.family;
  const made = yield* acrossHosts(ctx, macro.a, macro.b, family, macro.a + macro.b);
  if (!made) return;
  const { listener, connector, lfd, to, cfd } = made;
  const timeout = ctx.state.config.ticks.connectTimeout;
  const delay = timeout + 1 + (Math.abs(macro.extra) % 2);
  const undo: Fault = { kind: 'undelay', channel: family };
  yield now({ type: 'fault', fault: { kind: 'delay', channel: family, ticks: delay } });
  yield now(call(connector, { op: 'connect', fd: cfd, to }));
  const oldPort = ctx.state.socks[`${connector}:${cfd}`]?.local?.port;
  if (macro.crash && ctx.capabilities.faults.includes('crash')) {
    // The connect ends with its process instead: the recovery frees its socket, block and port.
    yield now({ type: 'fault', fault: { kind: 'crash', process: connector } });
    yield now({ type: 'fault', fault: { kind: 'recover', process: connector } });
  }
  for (let i = 0; i < timeout && !idle(ctx, connector); i++) yield now({ type: 'tick' });
  if (!idle(ctx, connector)) return;
  let fd = cfd;
  const gone = ctx.state.socks[`${connector}:${cfd}`] === undefined;
  if (macro.reuse !== 'same' || gone) {
    if (!gone) yield now(call(connector, { op: 'close', fd: cfd }));
    const fresh = yield* socketAt(ctx, connector, family);
    if (fresh === undefined) return;
    fd = fresh;
    if (macro.reuse === 'port' && oldPort !== undefined) {
      const op: Op = 'stg' in to ? { op: 'bind', fd, stg: to.stg, port: oldPort } : { op: 'bind', fd, port: oldPort };
      yield now(call(connector, op));
    }
  }
  if (macro.undelay) yield now({ type: 'fault', fault: undo });
  yield now(call(connector, { op: 'connect', fd, to }));
  // Past the old request's arrival, then (if anything is queued) an accept.
  for (let i = 0; i < 2 + (Math.abs(macro.extra) % 2); i++) yield now({ type: 'tick' });
  if (!macro.undelay && ctx.state.delay[family] > 0) yield now({ type: 'fault', fault: undo });
  if ((ctx.state.socks[`${listener}:${lfd}`]?.queue.length ?? 0) > 0 && idle(ctx, listener)) yield now(call(listener, { op: 'accept', fd: lfd }));
}

/**
 * A connected pair; bytes sent to one end and left unread there; that end closed (a network
 * reset, an STP end-of-stream); a new socket in the same process (the lowest free descriptor is
 * the closed one) connected to the same listener and accepted; a few new bytes sent to it and
 * read. The new socket must read only the new bytes; the old peer sees the close.
 */
function* reuseUnread(ctx: MacroContext, macro: Extract<MacroPlan, { m: 'reuse-unread' }>): Generator<Thunk> {
  const family = macro.family;
  const ready = idleProcesses(ctx.state);
  if (ready.length < 2) return;
  const listener = ready[Math.abs(macro.a) % ready.length]!;
  const rest = ready.filter((p) => p !== listener);
  const connector = rest[Math.abs(macro.b) % rest.length]!;
  const made = yield* listenerAndSocket(ctx, listener, connector, family, macro.a);
  if (!made) return;
  const { lfd, to, cfd } = made;
  yield now(call(connector, { op: 'connect', fd: cfd, to }));
  if (ctx.state.socks[`${connector}:${cfd}`]?.state !== 'connected') return;
  const before = fdsOf(ctx.state, listener);
  yield now(call(listener, { op: 'accept', fd: lfd }));
  const afd = newestFd(ctx.state, listener, before);
  if (afd === undefined) return;
  yield now(call(listener, { op: 'send', fd: afd, data: letters(1 + (Math.abs(macro.len) % 6), macro.byte) }));
  yield now(call(connector, { op: 'close', fd: cfd }));
  const nfd = yield* socketAt(ctx, connector, family);
  if (nfd === undefined) return;
  yield now(call(connector, { op: 'connect', fd: nfd, to }));
  if (ctx.state.socks[`${connector}:${nfd}`]?.state !== 'connected' || !idle(ctx, listener)) return;
  const before2 = fdsOf(ctx.state, listener);
  yield now(call(listener, { op: 'accept', fd: lfd }));
  const afd2 = newestFd(ctx.state, listener, before2);
  if (afd2 === undefined) return;
  yield now(call(listener, { op: 'send', fd: afd2, data: letters(2, macro.byte + 13) }));
  yield now(call(connector, { op: 'recv', fd: nfd, max: 16 }));
  // The old connection's other end: it sees the reset (network) or the end-of-stream (STP).
  if (idle(ctx, listener)) yield now(call(listener, { op: 'recv', fd: afd, max: 16 }));
}

/**
 * A fresh listener with backlog b, then b + over connects (each on a new socket, from idle
 * processes in turn): exactly its bound, or one or two past it (queued or held, the
 * implementation's choice for the first, held for the next). Then the listener is closed (queued
 * connections reset, held connects refused — each connector then reads), or accepts drain it
 * (each letting a held connect in), or the clock runs until held connects time out, or its
 * process crashes and recovers, or accepts drain it and its port is listened on again.
 */
function* queueFill(ctx: MacroContext, macro: Extract<MacroPlan, { m: 'queue-fill' }>): Generator<Thunk> {
  const family = macro.family;
  const ready = idleProcesses(ctx.state);
  if (ready.length < 2) return;
  const listener = ready[Math.abs(macro.a) % ready.length]!;
  const backlog = 1 + (Math.abs(macro.backlog) % 2);
  // STP: the STG with the most free ports, since the listener and every connector take one (the first, on a tie).
  const stgs = ctx.state.config.stgs;
  const free = stgs.map((g) => g.ports[1] - g.ports[0] + 1 - Object.values(ctx.state.socks).filter((s) => s.holdsPort && s.local && 'stg' in s.local && s.local.stg === g.id).length);
  const roomiest = free.indexOf(Math.max(...free));
  const lfd = yield* listenerAt(ctx, listener, family, family === 'dss' ? roomiest : macro.a, backlog);
  if (lfd === undefined) return;
  const to = ctx.state.socks[`${listener}:${lfd}`]!.local!;
  const connected: { process: string; fd: number }[] = [];
  const wanted = backlog + (Math.abs(macro.over) % 3);
  for (let i = 0; i < wanted; i++) {
    const free = idleProcesses(ctx.state).filter((p) => p !== listener);
    const process = free[(Math.abs(macro.a) + i) % Math.max(1, free.length)];
    if (!process) break;
    const fd = yield* socketAt(ctx, process, family);
    if (fd === undefined) break;
    yield now(call(process, { op: 'connect', fd, to }));
    connected.push({ process, fd });
  }
  if (connected.length === 0 || !idle(ctx, listener)) return;
  // Past the backlog, but the implementation admitted every connect (backlog + 1 is its choice):
  // before a close or a crash, one more connector comes, so that one connect is held there.
  const holding = (): boolean => connected.some((c) => ctx.state.socks[`${c.process}:${c.fd}`]?.state === 'connecting');
  if ((macro.end === 'close' || macro.end === 'crash') && Math.abs(macro.over) % 3 > 0 && !holding()) {
    const another = idleProcesses(ctx.state).filter((p) => p !== listener);
    const process = another[Math.abs(macro.a) % Math.max(1, another.length)];
    const fd = process === undefined ? undefined : yield* socketAt(ctx, process, family);
    if (process !== undefined && fd !== undefined) {
      yield now(call(process, { op: 'connect', fd, to }));
      connected.push({ process, fd });
    }
  }
  switch (macro.end) {
    case 'close':
      yield now(call(listener, { op: 'close', fd: lfd }));
      for (const c of connected) if (idle(ctx, c.process) && ctx.state.socks[`${c.process}:${c.fd}`]) yield now(call(c.process, { op: 'recv', fd: c.fd, max: 4 }));
      return;
    case 'accept':
      for (let i = 0; i < connected.length && idle(ctx, listener) && (ctx.state.socks[`${listener}:${lfd}`]?.queue.length ?? 0) > 0; i++) {
        yield now(call(listener, { op: 'accept', fd: lfd }));
      }
      return;
    case 'tick':
      for (let i = 0; i < ctx.state.config.ticks.connectTimeout; i++) yield now({ type: 'tick' });
      return;
    case 'crash':
      return yield* listenerCrash(ctx, listener, lfd, connected);
    case 'relisten':
      return yield* relisten(ctx, listener, lfd, to);
  }
}

/**
 * The end of a queue-fill where the listener's process crashes, then recovers. A crash closes a
 * network listener (queued connections reset, held connects refused) but only orphans an STP one:
 * the storage system keeps it, with its held connects, until the recovery frees it and refuses
 * them (FAULT-RECOVER-RECLAIMS). When two connects are held (an implementation that holds at
 * the backlog), the last connector crashes too: its pending connect ends with it
 * (FAULT-CRASH-TEARDOWN); the other stays for the listener's recovery to refuse. Without the
 * crash fault the listener is closed instead.
 */
function* listenerCrash(ctx: MacroContext, listener: string, lfd: number, connectors: readonly { process: string; fd: number }[]): Generator<Thunk> {
  if (!ctx.capabilities.faults.includes('crash')) {
    yield now(call(listener, { op: 'close', fd: lfd }));
    return;
  }
  const waiting = connectors.filter((c) => ctx.state.socks[`${c.process}:${c.fd}`]?.state === 'connecting');
  const gone = waiting.length >= 2 ? waiting[waiting.length - 1]!.process : undefined;
  if (gone !== undefined) yield now({ type: 'fault', fault: { kind: 'crash', process: gone } });
  yield now({ type: 'fault', fault: { kind: 'crash', process: listener } });
  yield now({ type: 'fault', fault: { kind: 'recover', process: listener } });
  if (gone !== undefined) yield now({ type: 'fault', fault: { kind: 'recover', process: gone } });
  for (const c of connectors) if (c.process !== gone && idle(ctx, c.process) && ctx.state.socks[`${c.process}:${c.fd}`]) yield now(call(c.process, { op: 'recv', fd: c.fd, max: 4 }));
}

/**
 * The end of a queue-fill where accepts drain the listener, the listener closes, and a new socket
 * of the same process binds its port explicitly and listens there, while the accepted sockets
 * still use the port: they keep no later bind off it (SPEC.md §3.4), as the next handshake
 * session's listen on the WKP needs while the sessions before it are established.
 */
function* relisten(ctx: MacroContext, listener: string, lfd: number, to: Address): Generator<Thunk> {
  for (let i = 0; i < 3 && idle(ctx, listener) && (ctx.state.socks[`${listener}:${lfd}`]?.queue.length ?? 0) > 0; i++) {
    yield now(call(listener, { op: 'accept', fd: lfd }));
  }
  if (!idle(ctx, listener)) return;
  yield now(call(listener, { op: 'close', fd: lfd }));
  const family = 'stg' in to ? 'dss' : 'net';
  const fd = yield* socketAt(ctx, listener, family);
  if (fd === undefined) return;
  yield now(call(listener, 'stg' in to ? { op: 'bind', fd, stg: to.stg, port: to.port } : { op: 'bind', fd, port: to.port }));
  if (ctx.state.socks[`${listener}:${fd}`]?.local) yield now(call(listener, { op: 'listen', fd, backlog: 1 }));
}

/**
 * The EIO branches of SPEC.md §3.3 on purpose: a process with an STP socket bound in STG g (and,
 * when another process is idle, a connection through g, on which it sends more than g's buffer
 * holds, so that the send blocks: nobody reads); where the channel can be delayed, a third
 * process's connect into g whose request is still on its way; the STG fails (twice, with
 * `twice`), which ends the blocked send and the connect with EIO; then bind of a new socket into
 * g, listen on the bound one, connect into g from a fresh socket, and send on the connection,
 * each of which must fail with EIO; then the delay is lifted and the STG repaired.
 */
function* stgDown(ctx: MacroContext, macro: Extract<MacroPlan, { m: 'stg-down' }>): Generator<Thunk> {
  if (!ctx.capabilities.faults.includes('stg-fail')) return;
  const ready = idleProcesses(ctx.state);
  if (ready.length === 0) return;
  const stgs = ctx.state.config.stgs;
  const g = Math.abs(macro.g) % stgs.length;
  const stg = stgs[g]!.id;
  if (ctx.state.failedStgs.includes(stg)) return;
  const owner = ready[Math.abs(macro.a) % ready.length]!;
  const lfd = yield* listenerAt(ctx, owner, 'dss', g, 1);
  if (lfd === undefined) return;
  const to = ctx.state.socks[`${owner}:${lfd}`]!.local!;
  // A connection through g, from another idle process when there is one.
  const peer = idleProcesses(ctx.state).find((p) => p !== owner);
  let cfd: number | undefined;
  if (peer) {
    cfd = yield* socketAt(ctx, peer, 'dss');
    if (cfd !== undefined) yield now(call(peer, { op: 'connect', fd: cfd, to }));
  }
  const bound = yield* socketAt(ctx, owner, 'dss');
  if (peer && cfd !== undefined && ctx.state.socks[`${peer}:${cfd}`]?.state === 'connected') {
    yield now(call(peer, { op: 'send', fd: cfd, data: letters(stgs[g]!.length + 1 + (Math.abs(macro.a) % 3), macro.a) }));
  }
  const third = idleProcesses(ctx.state).find((p) => p !== owner && p !== peer);
  let delayed = false;
  if (third && ctx.capabilities.faults.includes('delay')) {
    const tfd = yield* socketAt(ctx, third, 'dss');
    if (tfd !== undefined) {
      yield now({ type: 'fault', fault: { kind: 'delay', channel: 'dss', ticks: 1 + (Math.abs(macro.a) % 2) } });
      delayed = true;
      yield now(call(third, { op: 'connect', fd: tfd, to }));
    }
  }
  yield now({ type: 'fault', fault: { kind: 'stg-fail', stg } });
  if (macro.twice) yield now({ type: 'fault', fault: { kind: 'stg-fail', stg } });
  if (bound !== undefined) yield now(call(owner, { op: 'bind', fd: bound, stg, port: 0 }));
  const fresh = yield* socketAt(ctx, owner, 'dss');
  if (fresh !== undefined) yield now(call(owner, { op: 'connect', fd: fresh, to }));
  if (idle(ctx, owner)) yield now(call(owner, { op: 'listen', fd: lfd, backlog: 2 }));
  if (peer && cfd !== undefined && idle(ctx, peer) && ctx.state.socks[`${peer}:${cfd}`]) yield now(call(peer, { op: 'send', fd: cfd, data: '6f6b' }));
  if (delayed) yield now({ type: 'fault', fault: { kind: 'undelay', channel: 'dss' } });
  yield now({ type: 'fault', fault: { kind: 'stg-repair', stg } });
}

/**
 * DSS-CONNECT's EINVAL on purpose: a listener in STG h, a socket bound in STG g ≠ h connecting to
 * it (EINVAL: its port belongs to g), then the same socket connecting within g (refused, or
 * queued where something listens), and a fresh unbound socket connecting to the listener in h
 * (its implicit bind takes a port of h). Needs two STGs.
 */
function* crossStg(ctx: MacroContext, macro: Extract<MacroPlan, { m: 'cross-stg' }>): Generator<Thunk> {
  const stgs = ctx.state.config.stgs;
  if (stgs.length < 2) return;
  const ready = idleProcesses(ctx.state);
  if (ready.length === 0) return;
  const g = Math.abs(macro.g) % stgs.length;
  const h = (g + 1 + (Math.abs(macro.b) % (stgs.length - 1))) % stgs.length;
  const owner = ready[Math.abs(macro.a) % ready.length]!;
  const lfd = yield* listenerAt(ctx, owner, 'dss', h, 1);
  if (lfd === undefined) return;
  const there = ctx.state.socks[`${owner}:${lfd}`]!.local!;
  const others = idleProcesses(ctx.state).filter((p) => p !== owner);
  const process = others[Math.abs(macro.b) % Math.max(1, others.length)] ?? owner;
  const fd = yield* socketAt(ctx, process, 'dss');
  if (fd === undefined) return;
  yield now(call(process, bindOp(ctx.state, 'dss', fd, g)));
  const local = ctx.state.socks[`${process}:${fd}`]?.local;
  if (!local || !('stg' in local)) return;
  yield now(call(process, { op: 'connect', fd, to: there }));
  const range = stgs[g]!.ports;
  yield now(call(process, { op: 'connect', fd, to: { stg: local.stg, port: range[1] - (Math.abs(macro.a) % (range[1] - range[0] + 1)) } }));
  if (!idle(ctx, process)) return;
  const fresh = yield* socketAt(ctx, process, 'dss');
  if (fresh !== undefined) yield now(call(process, { op: 'connect', fd: fresh, to: there }));
}

/**
 * What happens to bytes still in flight. A connected pair; its channel delayed; bytes sent from
 * the connecting end (`big`: for STP more than the STG buffer holds, so the send blocks once the
 * buffer is full); then, while they are in flight, the connection is reset (what is in flight is
 * dropped, a blocked send ends with ECONNRESET), the accepting end closes (the bytes reach a
 * closed socket: a network one answers with a reset, the storage system drops them and frees
 * their room), or the STG fails (a blocked send ends with EIO). Then the delay is lifted, the
 * clock runs until everything has arrived, the STG is repaired, and the sender reads.
 */
function* inFlight(ctx: MacroContext, macro: Extract<MacroPlan, { m: 'in-flight' }>): Generator<Thunk> {
  const faults = ctx.capabilities.faults;
  if (!faults.includes('delay')) return;
  const family = macro.family;
  // A fault the implementation lacks, or an STG failure on the network: the receiver closes instead.
  const then = (macro.then === 'stg-fail' && (family === 'net' || !faults.includes('stg-fail'))) || (macro.then === 'reset' && !faults.includes('reset')) ? 'close' : macro.then;
  const made = yield* acrossHosts(ctx, macro.a, macro.b, family, macro.a);
  if (!made) return;
  const { listener, connector, lfd, to, cfd } = made;
  yield now(call(connector, { op: 'connect', fd: cfd, to }));
  const conn = ctx.state.socks[`${connector}:${cfd}`]?.conn;
  if (conn === null || conn === undefined || !idle(ctx, listener)) return;
  const before = fdsOf(ctx.state, listener);
  yield now(call(listener, { op: 'accept', fd: lfd }));
  const afd = newestFd(ctx.state, listener, before);
  if (afd === undefined) return;
  const ticks = 1 + (Math.abs(macro.b) % 2);
  yield now({ type: 'fault', fault: { kind: 'delay', channel: family, ticks } });
  const stg = ctx.state.conns[conn]?.stg ?? null;
  const room = stg === null ? 0 : (ctx.state.config.stgs.find((g) => g.id === stg)?.length ?? 0);
  const len = macro.big && family === 'dss' ? room + 1 + (Math.abs(macro.len) % 4) : 1 + (Math.abs(macro.len) % 6);
  yield now(call(connector, { op: 'send', fd: cfd, data: letters(len, macro.len) }));
  switch (then) {
    case 'reset':
      if (ctx.state.socks[`${connector}:${cfd}`]?.conn === conn) yield now({ type: 'fault', fault: { kind: 'reset', process: connector, fd: cfd } });
      break;
    case 'close':
      if (idle(ctx, listener)) yield now(call(listener, { op: 'close', fd: afd }));
      break;
    case 'stg-fail':
      if (stg !== null) yield now({ type: 'fault', fault: { kind: 'stg-fail', stg } });
      break;
  }
  yield now({ type: 'fault', fault: { kind: 'undelay', channel: family } });
  for (let i = 0; i < ticks; i++) yield now({ type: 'tick' });
  if (ctx.state.failedStgs.includes(stg ?? -1)) yield now({ type: 'fault', fault: { kind: 'stg-repair', stg: stg! } });
  if (idle(ctx, connector) && ctx.state.socks[`${connector}:${cfd}`]) yield now(call(connector, { op: 'recv', fd: cfd, max: 16 }));
}

function letters(len: number, byte: number): string {
  let hex = '';
  for (let i = 0; i < len; i++) hex += (97 + ((Math.abs(byte) + i) % 26)).toString(16);
  return hex;
}
