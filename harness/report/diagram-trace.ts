/**
 * A counterexample's trace read as a sequence of rows on process lanes, with
 * the connections and messages between them: what the sequence diagram draws
 * (sequence-diagram.ts draws it; this file only reads).
 *
 * The trace is text — one line per call, handshake event, fault and note, in
 * the order the checker explained them (reference/describe.ts writes it) — so
 * this file parses that text back. The lines came from an implementation's
 * answers, or from a counterexample file someone sent, so nothing here trusts
 * them: a line that does not parse, or names a process the world does not
 * have, becomes a note row and is shown as text, never dropped and never
 * allowed to invent a lane.
 *
 * Connections are matched the way the protocol matches them: a successful
 * connect answers the connecting socket's own address, and the accept on the
 * other side answers the peer address it took from its queue; the same
 * address on both is one connection. Its channel is the family of the address
 * connected to: `stgN:port` is the storage system (STP), `host:port` the
 * network (TCP). Sends and receives on a connection's two descriptors are
 * paired in order per direction, as a stream delivers them.
 */
import type { Command } from '../generate/plan.ts';
import type { Counterexample } from '../judge/counterexample.ts';

export type Channel = 'tcp' | 'stp';

/** One line of the trace, placed. `process` is always a lane of the diagram when present. */
export type Row =
  | { readonly kind: 'call'; readonly process: string; readonly label: string | null; readonly op: string; readonly args: string; readonly outcome: string }
  | { readonly kind: 'held'; readonly process: string; readonly label: string | null }
  | { readonly kind: 'done'; readonly process: string; readonly outcome: string; readonly established: boolean }
  | { readonly kind: 'fault'; readonly fault: FaultMark }
  | { readonly kind: 'note'; readonly text: string }
  /**
   * The failing step: what the implementation did and what the model expected. `process` is
   * whose answer it was, where the line names one; `expectedOn` is the model's own next line
   * where the checker wrote one (it ends the explained path, so it is not something that
   * happened, and is drawn as the expectation on its lane).
   */
  | {
      readonly kind: 'failure';
      readonly process: string | null;
      readonly label: string | null;
      readonly expected: string;
      readonly actual: string;
      readonly expectedOn: { readonly process: string; readonly text: string } | null;
    };

/** A fault, read from its description (reference/describe.ts describeFault). */
export interface FaultMark {
  readonly text: string;
  readonly kind: string;
  /** The process it struck (crash, recover, reset). */
  readonly process: string | null;
  /** The hosts it cut apart or joined again (partition, heal). */
  readonly hosts: readonly [string, string] | null;
}

/** The rows of one command (one trace entry): the gutter shows its index; a batch is drawn as one concurrent band. */
export interface Entry {
  readonly command: number;
  readonly kind: Command['type'] | 'other';
  /** The command as the trace describes it (`batch[…]`, `handshake fs …`). */
  readonly what: string;
  /** Rows [first, first + count). */
  readonly first: number;
  readonly count: number;
  readonly failing: boolean;
}

/** A connection (connect → accept) or one message on it (send → recv), from row to row. */
export interface Link {
  readonly kind: 'connection' | 'message';
  readonly channel: Channel;
  readonly from: { readonly row: number; readonly process: string };
  readonly to: { readonly row: number; readonly process: string };
  /** A connection no accept took in this trace: drawn to the listener, open-ended. */
  readonly queued: boolean;
  /** The link ends at the failing step. */
  readonly failing: boolean;
  /** The address that matched the two ends (connections), or the payload (messages). */
  readonly text: string;
}

export interface Lane {
  readonly process: string;
  readonly host: string;
  /** The harness played this process's handshake role (from the step tables), not the implementation. */
  readonly harness: boolean;
}

export interface Diagram {
  /** Lanes grouped by host, in the world's order; only processes that take part in the counterexample. */
  readonly lanes: readonly Lane[];
  /** Processes of the world that take no part: named under the diagram, not drawn. */
  readonly idle: readonly string[];
  readonly rows: readonly Row[];
  readonly entries: readonly Entry[];
  readonly links: readonly Link[];
}

const FAILURE_MARK = '✗ expected ';
const FAILURE_SPLIT = '; the implementation: ';
const ERROR_CODE = /^E[A-Z0-9]+$/;
/** `P:…` or `P[label]:…` — a process name as spec/config.ts allows it, then an optional step label. */
const PROCESS_LINE = /^([A-Za-z][A-Za-z0-9_-]{0,31})(?:\[([^\]\s]{1,16})\])?:(.*)$/s;

/** The channel of an address as describeAddress writes it, or null for anything that is not one. */
export function channelOf(address: string): Channel | null {
  if (/^stg\d+:\d+$/.test(address)) return 'stp';
  if (/^[A-Za-z][A-Za-z0-9_-]*:\d+$/.test(address)) return 'tcp';
  return null;
}

export function isErrorOutcome(outcome: string): boolean {
  return ERROR_CODE.test(outcome);
}

/** Splits `op(args)->outcome`. A send's payload may hold `)->`, a recv's result too: each is split where its own part cannot. */
export function parseCall(text: string): { op: string; args: string; outcome: string } | null {
  const open = /^([a-z]+)\(/.exec(text);
  if (!open) return null;
  const op = open[1]!;
  const at = op === 'send' ? text.lastIndexOf(')->') : text.indexOf(')->');
  if (at < open[0].length - 1) return null;
  return { op, args: text.slice(open[0].length, at), outcome: text.slice(at + 3) };
}

export function parseFault(text: string): FaultMark {
  const m = /^([a-z-]+)(?:\((.*)\))?$/.exec(text);
  const kind = m?.[1] ?? 'fault';
  const inner = m?.[2] ?? '';
  const process = kind === 'crash' || kind === 'recover' ? inner : kind === 'reset' ? inner.split(':')[0] ?? null : null;
  const pair = kind === 'partition' || kind === 'heal' ? inner.split(',') : null;
  return { text, kind, process: process || null, hosts: pair && pair.length === 2 ? [pair[0]!, pair[1]!] : null };
}

/** Every process a command names: the lanes it needs even where the trace is silent. */
function processesOfCommand(command: Command | undefined): string[] {
  if (!command) return [];
  switch (command.type) {
    case 'call':
      return [command.process];
    case 'batch':
      return command.calls.map((c) => c.process);
    case 'handshake':
      return [command.scenario.server.process, command.scenario.client.process];
    case 'sessions':
      return command.scenarios.flatMap((s) => [s.server.process, s.client.process]);
    case 'fault':
      return 'process' in command.fault ? [command.fault.process] : [];
    case 'tick':
      return [];
  }
}

function parseLine(line: string, known: ReadonlySet<string>): Row {
  if (line.startsWith('fault ')) return { kind: 'fault', fault: parseFault(line.slice('fault '.length)) };
  if (line.startsWith(FAILURE_MARK)) {
    const split = line.lastIndexOf(FAILURE_SPLIT);
    if (split >= 0) {
      const actual = line.slice(split + FAILURE_SPLIT.length);
      const who = PROCESS_LINE.exec(actual);
      const process = who && known.has(who[1]!) ? who[1]! : null;
      return { kind: 'failure', process, label: process ? (who![2] ?? null) : null, expected: line.slice(FAILURE_MARK.length, split), actual, expectedOn: null };
    }
  }
  const m = PROCESS_LINE.exec(line);
  if (!m || !known.has(m[1]!)) return { kind: 'note', text: line };
  const [, process, label = null, rest = ''] = m as unknown as [string, string, string | undefined, string];
  if (rest === 'held') return { kind: 'held', process: process!, label };
  if (rest.startsWith('done ')) {
    const outcome = rest.slice('done '.length);
    return { kind: 'done', process: process!, outcome, established: outcome.startsWith('established') };
  }
  const call = parseCall(rest);
  if (!call) return { kind: 'note', text: line };
  return { kind: 'call', process: process!, label, ...call };
}

/** Where in the world each process lives. */
function hostsOf(c: Counterexample): Map<string, string> {
  const out = new Map<string, string>();
  for (const host of c.world.hosts) for (const p of host.processes) out.set(p, host.name);
  return out;
}

export function readTrace(c: Counterexample): Diagram {
  const hostOf = hostsOf(c);
  const known = new Set(hostOf.keys());
  const rows: Row[] = [];
  const entries: Entry[] = [];
  let sawFailure = false;

  for (const entry of c.trace) {
    const step = entry.command >= 0 ? (c.steps[entry.command] as Command | undefined) : undefined;
    // The trace opens with the reset; it has nothing to draw unless it noted something.
    if (entry.command < 0 && entry.lines.length === 0) continue;
    const first = rows.length;
    entry.lines.forEach((line, i) => {
      let row = parseLine(line, known);
      if (row.kind === 'failure') {
        sawFailure = true;
        // A bare answer ("ECONNREFUSED") is the answer to the command's one call: put it on that call's lane.
        if (!row.process && step?.type === 'call' && known.has(step.process) && !row.actual.includes(':')) {
          row = { ...row, process: step.process, actual: `${entry.what}->${row.actual}` };
        }
        // The checker ends the explained path with the emission it expected instead: that line is the expectation, not an event.
        const before = i > 0 ? entry.lines[i - 1]! : null;
        const last = rows[rows.length - 1];
        if (before !== null && rows.length > first && last && 'process' in last && last.process && (row.expected === before || row.expected.startsWith(`${before} (`))) {
          rows.pop();
          row = { ...row, expectedOn: { process: last.process, text: before } };
        }
      }
      rows.push(row);
    });
    const failing = entry.command === c.failedAt;
    // A failure the checker found by inspecting (no ✗ line in the trace) is still shown where it struck.
    if (failing && !sawFailure) {
      const process = processesOfCommand(step).find((p) => known.has(p)) ?? null;
      rows.push({ kind: 'failure', process: step?.type === 'call' ? process : null, label: null, expected: c.expected, actual: c.actual, expectedOn: null });
      sawFailure = true;
    }
    if (rows.length === first) rows.push({ kind: 'note', text: entry.what });
    entries.push({ command: entry.command, kind: step?.type ?? 'other', what: entry.what, first, count: rows.length - first, failing });
  }
  // A trace cut before the failing command (a file written while shrinking) still ends in its failure.
  if (!sawFailure) {
    rows.push({ kind: 'failure', process: null, label: null, expected: c.expected, actual: c.actual, expectedOn: null });
    entries.push({ command: c.failedAt, kind: 'other', what: 'failure', first: rows.length - 1, count: 1, failing: true });
  }

  const taking = new Set<string>();
  for (const step of c.steps) for (const p of processesOfCommand(step as Command)) if (known.has(p)) taking.add(p);
  const harness = new Set<string>();
  for (const step of c.steps as Command[]) {
    if (step.type !== 'handshake') continue;
    for (const side of [step.scenario.server, step.scenario.client]) if (side.by === 'harness') harness.add(side.process);
  }
  for (const row of rows) {
    if ('process' in row && row.process) taking.add(row.process);
    if (row.kind === 'failure' && row.expectedOn) taking.add(row.expectedOn.process);
    if (row.kind === 'fault' && row.fault.process && known.has(row.fault.process)) taking.add(row.fault.process);
  }
  const lanes: Lane[] = [];
  const idle: string[] = [];
  for (const host of c.world.hosts) for (const p of host.processes) (taking.has(p) ? lanes.push({ process: p, host: host.name, harness: harness.has(p) }) : idle.push(p));

  return { lanes, idle, rows, entries, links: linksOf(rows) };
}

/** One connection end: a descriptor of a process. */
const endKey = (process: string, fd: string): string => `${process} ${fd}`;

interface Connection {
  readonly channel: Channel;
  /** Sends not yet received, per direction (index of the sending end). */
  readonly unread: [{ row: number; process: string; text: string }[], { row: number; process: string; text: string }[]];
}

/** Connections and messages, found by matching addresses and descriptors through the rows in order. */
export function linksOf(rows: readonly Row[]): Link[] {
  const links: Link[] = [];
  /** Who answered for an address: bound, listening or connected sockets. */
  const owner = new Map<string, string>();
  /** Connects not yet accepted, by the connecting socket's address. */
  const waiting = new Map<string, { row: number; process: string; channel: Channel; target: string; connection: Connection }>();
  const ends = new Map<string, { connection: Connection; side: 0 | 1 }>();

  const accepted = (row: number, process: string, peer: string, fd: string | null, failing: boolean): void => {
    const connect = waiting.get(peer);
    if (!connect) return;
    waiting.delete(peer);
    links.push({ kind: 'connection', channel: connect.channel, from: { row: connect.row, process: connect.process }, to: { row, process }, queued: false, failing, text: peer });
    if (fd !== null) ends.set(endKey(process, fd), { connection: connect.connection, side: 1 });
  };

  rows.forEach((row, index) => {
    if (row.kind === 'fault' && row.fault.kind === 'crash' && row.fault.process) {
      for (const key of [...ends.keys()]) if (key.startsWith(`${row.fault.process} `)) ends.delete(key);
      return;
    }
    if (row.kind === 'failure' && row.process) {
      // The failing call is in the ✗ line only: an accept there still shows which connection it took.
      const call = parseCall(row.actual.slice(row.actual.indexOf(':') + 1));
      const peer = call?.op === 'accept' ? /(?:peer|from) (\S+)$/.exec(call.outcome)?.[1] : undefined;
      if (peer) accepted(index, row.process, peer, null, true);
      return;
    }
    if (row.kind !== 'call') return;
    const fd = row.args.split(',')[0] ?? '';
    const local = channelOf(row.outcome) ? row.outcome : null;
    switch (row.op) {
      case 'bind':
      case 'listen':
      case 'getsockname':
        if (local) owner.set(local, row.process);
        return;
      case 'connect': {
        const target = row.args.slice(row.args.indexOf(',') + 1);
        const channel = channelOf(target);
        if (!local || !channel) return;
        owner.set(local, row.process);
        // The connecting end can send before the other side accepts: what it sends waits in the connection.
        const connection: Connection = { channel, unread: [[], []] };
        ends.set(endKey(row.process, fd), { connection, side: 0 });
        waiting.set(local, { row: index, process: row.process, channel, target, connection });
        return;
      }
      case 'accept': {
        const m = /^(\d+) from (\S+)$/.exec(row.outcome);
        if (m) accepted(index, row.process, m[2]!, m[1]!, false);
        return;
      }
      case 'send': {
        const end = ends.get(endKey(row.process, fd));
        if (!end || isErrorOutcome(row.outcome)) return;
        end.connection.unread[end.side].push({ row: index, process: row.process, text: row.args.slice(row.args.indexOf(',') + 1) });
        return;
      }
      case 'recv': {
        const end = ends.get(endKey(row.process, fd));
        if (!end || isErrorOutcome(row.outcome) || row.outcome === 'EOF') return;
        const sent = end.connection.unread[end.side === 0 ? 1 : 0].shift();
        if (sent) links.push({ kind: 'message', channel: end.connection.channel, from: { row: sent.row, process: sent.process }, to: { row: index, process: row.process }, queued: false, failing: false, text: sent.text });
        return;
      }
      case 'close':
        ends.delete(endKey(row.process, fd));
        return;
    }
  });

  // Connects no accept took: drawn to whoever listens on the address they named, at the connect's row.
  for (const [address, connect] of waiting) {
    const listener = owner.get(connect.target);
    if (listener) links.push({ kind: 'connection', channel: connect.channel, from: { row: connect.row, process: connect.process }, to: { row: connect.row, process: listener }, queued: true, failing: false, text: address });
  }
  return links;
}
