/**
 * Splits a byte stream into lines (PROTOCOL.md §framing) without ever holding
 * more than one line's worth of bytes.
 *
 * Bytes are counted as chunks arrive: once the current line passes
 * `maxLineBytes` without a newline the framer reports the overflow and stops,
 * so an implementation that writes 300 MB without a newline costs the harness
 * at most one line plus one chunk of memory. A line is decoded as UTF-8 only
 * when complete, so a character split across chunks arrives whole. A "\r"
 * just before the "\n" is dropped, for implementations written on platforms
 * whose text streams add one.
 */

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export interface Overflow {
  /** Bytes of the unfinished line seen when the framer gave up. */
  readonly bytes: number;
  /** The start of that line, for the error message. */
  readonly head: string;
}

/** How much of an oversize line is kept to show a person. */
const HEAD_BYTES = 512;

export class LineFramer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private stopped = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onOverflow: (overflow: Overflow) => void,
  ) {}

  /** Feeds one chunk; calls onLine for each complete line, in order. */
  push(chunk: Buffer): void {
    let start = 0;
    while (!this.stopped) {
      const newline = chunk.indexOf(NEWLINE, start);
      if (newline === -1) break;
      const length = this.pendingBytes + newline - start;
      if (length > this.maxLineBytes) return this.overflow(chunk.subarray(start, newline), length);
      let text: string;
      if (this.pendingBytes === 0) {
        // The common case, a whole line inside one chunk: decode it in place.
        const end = newline > start && chunk[newline - 1] === CARRIAGE_RETURN ? newline - 1 : newline;
        text = chunk.toString('utf8', start, end);
      } else {
        this.pending.push(chunk.subarray(start, newline));
        const line = Buffer.concat(this.pending, length);
        this.pending = [];
        this.pendingBytes = 0;
        const end = line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN ? line.length - 1 : line.length;
        text = line.toString('utf8', 0, end);
      }
      start = newline + 1;
      this.onLine(text);
    }
    if (this.stopped || start >= chunk.length) return;
    const rest = chunk.length - start;
    if (this.pendingBytes + rest > this.maxLineBytes) return this.overflow(chunk.subarray(start), this.pendingBytes + rest);
    // Copy the tail: a subarray would pin the whole chunk until the line completes.
    this.pending.push(start === 0 ? chunk : Buffer.from(chunk.subarray(start)));
    this.pendingBytes += rest;
  }

  /** Bytes of an unfinished last line (the stream ended without a newline), if any. */
  leftover(): string | undefined {
    if (this.pendingBytes === 0) return undefined;
    return Buffer.concat(this.pending, this.pendingBytes).toString('utf8');
  }

  /** Stops framing: later chunks are ignored (the caller is tearing down). */
  stop(): void {
    this.stopped = true;
    this.pending = [];
    this.pendingBytes = 0;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  private overflow(tail: Buffer, bytes: number): void {
    const head = Buffer.concat([...this.pending, tail.subarray(0, HEAD_BYTES)]).subarray(0, HEAD_BYTES);
    this.stop();
    // A cut may split a UTF-8 character; the replacement character is harmless in a message.
    this.onOverflow({ bytes, head: head.toString('utf8') });
  }
}

/**
 * The other direction: lines written in one turn of the event loop go out in one write (a call
 * and the settle after it, a result and the settled after it), so a round trip costs one
 * syscall each way instead of one per line.
 */
export class LineWriter {
  private outgoing: string[] = [];

  constructor(private readonly write: (chunk: string) => void) {}

  /** Queues one line (without its newline). */
  push(line: string): void {
    this.outgoing.push(line);
    if (this.outgoing.length === 1) queueMicrotask(() => this.flush());
  }

  /** Writes whatever is queued, now. */
  flush(): void {
    if (this.outgoing.length === 0) return;
    const lines = this.outgoing;
    this.outgoing = [];
    this.write(lines.join('\n') + '\n');
  }
}
