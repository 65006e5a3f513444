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
 *
 * A line that is not valid UTF-8 (PROTOCOL.md §framing) goes to `onBadUtf8`
 * when the owner gives one: decoding it would silently turn the bad bytes into
 * U+FFFD, and the harness would judge a string the implementation never wrote.
 */
import { isUtf8 } from 'node:buffer';

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

export interface BadUtf8 {
  /** Offset in the line of the first byte that does not belong to a well-formed UTF-8 sequence. */
  readonly offset: number;
  /** The line's length in bytes. */
  readonly bytes: number;
  /** The line decoded with replacement characters, for the error message. */
  readonly line: string;
}

/**
 * The offset of the first byte of `bytes` that is not part of a well-formed UTF-8 sequence
 * (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF), or -1.
 */
export function firstBadUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? low : 0x80) || c > (k === 1 ? high : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}

export class LineFramer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private stopped = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onOverflow: (overflow: Overflow) => void,
    private readonly onBadUtf8?: (bad: BadUtf8) => void,
  ) {}

  /** Feeds one chunk; calls onLine for each complete line, in order. */
  push(chunk: Buffer): void {
    let start = 0;
    while (!this.stopped) {
      const newline = chunk.indexOf(NEWLINE, start);
      if (newline === -1) break;
      const length = this.pendingBytes + newline - start;
      if (length > this.maxLineBytes) return this.overflow(chunk.subarray(start, newline), length);
      let bytes: Buffer;
      if (this.pendingBytes === 0) {
        // The common case, a whole line inside one chunk: decode it in place.
        const end = newline > start && chunk[newline - 1] === CARRIAGE_RETURN ? newline - 1 : newline;
        bytes = chunk.subarray(start, end);
      } else {
        this.pending.push(chunk.subarray(start, newline));
        const line = Buffer.concat(this.pending, length);
        this.pending = [];
        this.pendingBytes = 0;
        const end = line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN ? line.length - 1 : line.length;
        bytes = line.subarray(0, end);
      }
      start = newline + 1;
      const text = bytes.toString('utf8');
      if (this.onBadUtf8 && !isUtf8(bytes)) {
        this.onBadUtf8({ offset: firstBadUtf8(bytes), bytes: bytes.length, line: text });
        continue;
      }
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
