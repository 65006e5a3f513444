/**
 * What the harness says when an implementation breaks the wire protocol.
 *
 * Every way of breaking it has a stable kind name, the PROTOCOL.md section that
 * defines the rule, and advice for the person reading the message. The table
 * is data so that PROTOCOL.md §harness-errors, the reports and the tests all
 * read one list (spec/protocol.test.ts checks the document names every kind).
 *
 * Everything an error quotes from the implementation (what arrived, its
 * stderr) is bounded and passed through `printable`, so a message is safe to
 * print to a terminal and to put in a report.
 *
 * A broken protocol ends the run with exit code 3: the implementation's
 * behaviour can no longer be judged, so nothing it did counts as a verdict.
 */
import { printable, printableCut } from './untrusted.ts';

export const PROTOCOL_ERROR_KINDS = {
  'not-json': {
    section: 'framing',
    summary: 'it wrote a line to stdout that is not well-formed JSON',
    advice: 'Write nothing but protocol replies on stdout, one JSON object per line; send logs and debugging output to stderr, which the harness captures.',
  },
  'line-too-long': {
    section: 'framing',
    summary: 'it wrote a line longer than the protocol allows',
    advice: 'End every reply with a newline and keep each line under the limit; large payloads belong in several calls, not one reply.',
  },
  schema: {
    section: 'replies',
    summary: 'it wrote a JSON message that does not match the schema of its type',
    advice: 'Compare the message with the example in the section named below; every field listed there is required unless marked optional, and no other field is allowed.',
  },
  'unknown-type': {
    section: 'replies',
    summary: 'it wrote a message whose "type" is not a reply type',
    advice: 'Replies have one of the types listed in the section named below; requests and replies do not share every type name.',
  },
  'unknown-id': {
    section: 'ids',
    summary: 'it replied to a request id the harness is not waiting on',
    advice: 'Copy the id of the request into its reply; the ids of a batch\'s calls are in the batch\'s `calls` array.',
  },
  'duplicate-reply': {
    section: 'ids',
    summary: 'it wrote a second final reply for one request',
    advice: 'Every request gets exactly one final reply; only a handshake may write `event` and `held` messages before its `done`.',
  },
  'wrong-reply': {
    section: 'ids',
    summary: 'it answered a request with a reply of the wrong type',
    advice: 'Each request type has one final reply type (or `error`); see the table in the section named below.',
  },
  version: {
    section: 'hello',
    summary: 'it does not speak protocol version 1',
    advice: 'Answer hello with {"type":"hello","version":1,…}.',
  },
  'missing-core': {
    section: 'hello',
    summary: 'it does not declare the mandatory core',
    advice: 'Both socket families, "net" and "dss", are mandatory; list both in capabilities.families. Handshakes and faults are optional.',
  },
  exit: {
    section: 'lifecycle',
    summary: 'it exited or crashed while the harness was still talking to it',
    advice: 'Read its stderr below; an implementation runs until it has acknowledged bye, then exits with code 0.',
  },
  timeout: {
    section: 'timeouts',
    summary: 'it did not answer a protocol message in time',
    advice: 'hello, reset, settle, inspect and bye, and the acks of batch, tick, fault and resume, must be answered within the wall-clock timeout (--timeout-ms). A blocked socket call must not hold them up.',
  },
} as const satisfies Record<string, { section: string; summary: string; advice: string }>;

export type ProtocolErrorKind = keyof typeof PROTOCOL_ERROR_KINDS;
export const PROTOCOL_ERROR_KIND_NAMES = Object.keys(PROTOCOL_ERROR_KINDS) as ProtocolErrorKind[];

/** How much of an offending message a person is shown. */
export const ARRIVED_CHARS_MAX = 200;
/**
 * A bound on every text field of an error, whatever a caller passed: `expected` and `detail`
 * can quote a piece of what arrived (a type name, a schema issue), and that piece can be as
 * long as a line.
 */
const FIELD_CHARS_MAX = 2000;
/** How much of the implementation's stderr the message quotes (the report keeps more). */
const STDERR_LINES_MAX = 20;
const STDERR_CHARS_MAX = 2000;

export interface ProtocolErrorInit {
  kind: ProtocolErrorKind;
  /** What arrived, already in the form to show (the driver trims it with `trimArrived`). */
  arrived?: string;
  /** What the harness expected instead, as a phrase. */
  expected: string;
  /** A PROTOCOL.md section name without the §, when it is more precise than the kind's own. */
  section?: string;
  /** A sentence saying more about this occurrence (which request, which exit code). */
  detail?: string;
  /** The last of the implementation's stderr, if it has one. */
  stderrTail?: string;
}

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  readonly kind: ProtocolErrorKind;
  readonly arrived: string | undefined;
  readonly expected: string;
  /** Where the rule is written down, e.g. "PROTOCOL.md §framing". */
  readonly section: string;
  readonly detail: string | undefined;
  readonly stderrTail: string | undefined;

  constructor(raw: ProtocolErrorInit) {
    const info = PROTOCOL_ERROR_KINDS[raw.kind];
    // Every field may carry the implementation's own text: each is bounded and made printable
    // here, once, so no caller can put a terminal escape into a message or a report.
    const init: ProtocolErrorInit = {
      ...raw,
      arrived: raw.arrived === undefined ? undefined : printableCut(raw.arrived, FIELD_CHARS_MAX),
      expected: printableCut(raw.expected, FIELD_CHARS_MAX),
      detail: raw.detail === undefined ? undefined : printableCut(raw.detail, FIELD_CHARS_MAX),
      stderrTail: raw.stderrTail === undefined ? undefined : printable(raw.stderrTail.replace(/\r\n/g, '\n'), { multiline: true }),
    };
    const section = `PROTOCOL.md §${init.section ?? info.section}`;
    super(formatMessage(init, section));
    this.kind = init.kind;
    this.arrived = init.arrived;
    this.expected = init.expected;
    this.section = section;
    this.detail = init.detail;
    this.stderrTail = init.stderrTail;
  }

  /** A one-line form for reports and logs. */
  get oneLine(): string {
    const arrived = this.arrived === undefined ? '' : ` arrived ${this.arrived};`;
    return `${this.kind}:${arrived} expected ${this.expected} (${this.section})`;
  }
}

function formatMessage(init: ProtocolErrorInit, section: string): string {
  const info = PROTOCOL_ERROR_KINDS[init.kind];
  const lines = [`The implementation broke the wire protocol (${init.kind}): ${info.summary}.`];
  if (init.detail) lines.push(`  ${init.detail}`);
  if (init.arrived !== undefined) lines.push(`  arrived:  ${init.arrived}`);
  lines.push(`  expected: ${init.expected}`);
  lines.push(`  see:      spec/${section}`);
  lines.push(`  to fix:   ${info.advice}`);
  const tail = quoteStderr(init.stderrTail);
  if (tail) lines.push('  its stderr ended with:', tail);
  else if (init.stderrTail !== undefined) lines.push('  its stderr was empty.');
  return lines.join('\n');
}

/** The last lines of stderr, each behind a "|" gutter; `tail` is already printable (multi-line). */
function quoteStderr(tail: string | undefined): string {
  if (!tail) return '';
  const text = tail.length > STDERR_CHARS_MAX ? '…' + tail.slice(-STDERR_CHARS_MAX) : tail;
  const lines = text.replace(/\n$/, '').split('\n');
  return lines
    .slice(-STDERR_LINES_MAX)
    .map((line) => `    | ${line}`)
    .join('\n');
}

/**
 * A message as a person should see it: cut to ARRIVED_CHARS_MAX characters,
 * JSON-quoted when it holds control characters or leading or trailing blanks,
 * which would otherwise be invisible, and made printable (JSON.stringify leaves
 * C1 controls, bidi controls and noncharacters as they are). The cut never
 * splits a surrogate pair.
 */
export function trimArrived(text: string, totalBytes?: number): string {
  const long = text.length > ARRIVED_CHARS_MAX;
  let cut = long ? text.slice(0, ARRIVED_CHARS_MAX) : text;
  if (long && /[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  // eslint-disable-next-line no-control-regex
  let shown = printable(/[\x00-\x1f\x7f]|^\s|\s$|^$/.test(cut) ? JSON.stringify(cut) : cut);
  if (long || (totalBytes !== undefined && totalBytes > cut.length)) {
    shown += `… (${totalBytes ?? Buffer.byteLength(text)} bytes)`;
  }
  return shown;
}
