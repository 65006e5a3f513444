/**
 * The one boundary between the harness and an implementation under test.
 *
 * An implementation runs either in-process (a JS/TS module whose factory
 * returns an `Implementation`) or as a subprocess speaking JSON Lines
 * (spec/PROTOCOL.md). The harness talks to both through one `Driver`, and both
 * drivers share `DriverBase`, which holds every rule that does not depend on
 * the transport: each reply is parsed and validated against the Reply schema
 * exactly once, WIRE-ONE-REPLY is tracked by request id, and the protocol
 * messages (not the socket calls) have wall-clock timeouts. The first protocol
 * error breaks the driver for good: listeners hear about it once and the
 * implementation is shut down.
 */
import { HelloReply, PROTOCOL_VERSION, Reply, type Request, type RequestType } from '../../spec/messages.ts';
import { ProtocolError, trimArrived, type ProtocolErrorInit } from './protocol-error.ts';
import { checkReply, loneSurrogate, MAX_NESTING_DEPTH, nestingBeyond } from './reply-schema.ts';
import { FINAL_REPLY, ReplyTracker } from './reply-tracker.ts';
import { preview, printable, printableCut } from './untrusted.ts';

// ── the in-process contract ──────────────────────────────────────────────

/**
 * An implementation living in the harness's own process. It sees exactly what
 * a subprocess would read from stdin (a deep copy of each request) and
 * answers through `reply` exactly what a subprocess would write to stdout;
 * the driver serialises and validates each reply as if it had crossed a pipe.
 */
export interface Implementation {
  /**
   * Takes one request. Must return promptly: a socket call that blocks is
   * answered later through `reply`, like a subprocess answering out of order.
   */
  handle(request: Request, reply: (message: Reply) => void): void;
  /** Releases whatever the implementation holds; called once, after bye. */
  close?(): Promise<void>;
}

/** What an implementation module exports as `default` (or as `createImplementation`). */
export type ImplementationFactory = () => Implementation | Promise<Implementation>;

// ── the harness side ─────────────────────────────────────────────────────

export interface Driver {
  /** Names the implementation for people: the module path or the command line. */
  readonly describe: string;
  /** Loads or spawns the implementation and does the hello exchange (rejects with ProtocolError or UsageError). */
  start(): Promise<HelloReply>;
  /** A fresh request id (ids are the harness's to choose; the driver hands out increasing ones). */
  nextId(): number;
  /** Sends one request; its replies come through onReply. Ignored once the driver is broken or stopped. */
  send(request: Request): void;
  /** Every valid reply, in arrival order. Returns a function that removes the listener. */
  onReply(listener: (reply: Reply) => void): () => void;
  /** The first protocol error (at most one per driver). Returns a function that removes the listener. */
  onBroken(listener: (error: ProtocolError) => void): () => void;
  /** The protocol error that broke the driver, if one did. */
  readonly broken: ProtocolError | undefined;
  /** Says bye (bounded by the timeout), then makes sure nothing of the implementation is left running. */
  stop(): Promise<void>;
  /** The last of what the implementation wrote to stderr (empty in-process). */
  stderrTail(): string;
}

export interface DriverOptions {
  /** Wall-clock bound for each protocol message (reset, settle, inspect, bye, acks) once started. */
  timeoutMs?: number;
  /**
   * Wall-clock bound for start-up: hello, and the first reset, in which an implementation builds
   * its machinery (threads, listeners). Separate and generous, so a busy machine that starts an
   * implementation slowly is not taken for a broken one.
   */
  startupTimeoutMs?: number;
  /** How long a subprocess may take to exit after acknowledging bye. */
  exitGraceMs?: number;
}

import { DEFAULT_EXIT_GRACE_MS, DEFAULT_STARTUP_TIMEOUT_MS, DEFAULT_TIMEOUT_MS } from './limits.ts';

export { DEFAULT_EXIT_GRACE_MS, DEFAULT_STARTUP_TIMEOUT_MS, DEFAULT_TIMEOUT_MS };

/** Requests answered within the wall-clock timeout; calls and handshakes follow the virtual clock instead. */
const TIMED: Readonly<Record<RequestType, boolean>> = {
  hello: true,
  reset: true,
  batch: true,
  resume: true,
  settle: true,
  tick: true,
  fault: true,
  inspect: true,
  bye: true,
  call: false,
  handshake: false,
};

const REPLY_TYPES: ReadonlySet<string> = new Set(Reply.options.map((option) => option.shape.type.value));

/** The PROTOCOL.md section that defines each reply type's schema. */
const REPLY_SECTION: Readonly<Record<string, string>> = {
  hello: 'hello',
  ack: 'ids',
  result: 'call',
  event: 'handshake',
  held: 'handshake',
  done: 'handshake',
  settled: 'settle',
  inspection: 'inspect',
  error: 'error',
};

/**
 * Checks a hello reply against WIRE-HELLO-CORE: version 1 and both socket
 * families. Returns the problem, or undefined.
 */
export function checkHello(hello: HelloReply): ProtocolErrorInit | undefined {
  if (hello.version !== PROTOCOL_VERSION) {
    return {
      kind: 'version',
      arrived: `version ${hello.version} (from "${printable(hello.name)}")`,
      expected: `version ${PROTOCOL_VERSION}`,
    };
  }
  const missing = (['net', 'dss'] as const).filter((family) => !hello.capabilities.families.includes(family));
  if (missing.length > 0) {
    return {
      kind: 'missing-core',
      arrived: `capabilities.families = ${preview(hello.capabilities.families)} (from "${printable(hello.name)}")`,
      expected: `both families, ["net","dss"]: ${missing.map((f) => `"${f}"`).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing`,
    };
  }
  return undefined;
}

/**
 * Sends a request and resolves with its final reply (which may be `error`).
 * Rejects with the ProtocolError if the driver breaks first.
 */
export function exchange(driver: Driver, request: Request): Promise<Reply> {
  return new Promise((resolve, reject) => {
    if (driver.broken) return reject(driver.broken);
    const final = FINAL_REPLY[request.type];
    const done = (): void => {
      offReply();
      offBroken();
    };
    const offReply = driver.onReply((reply) => {
      if (reply.id !== request.id || (reply.type !== final && reply.type !== 'error')) return;
      done();
      resolve(reply);
    });
    const offBroken = driver.onBroken((error) => {
      done();
      reject(error);
    });
    driver.send(request);
  });
}

interface Deadline {
  readonly id: number;
  readonly type: RequestType;
  readonly at: number;
  /** The limit it was given, and whether it was the start-up allowance: named when it fires. */
  readonly ms: number;
  readonly startup: boolean;
}

/**
 * The transport-independent half of a driver. A subclass supplies `launch`
 * (load or spawn), `transmit` (deliver one serialised request), `shutdown`
 * (after bye, or after a break) and `stderrTail`, and hands every line the
 * implementation writes to `receiveLine`.
 */
export abstract class DriverBase implements Driver {
  abstract readonly describe: string;
  readonly timeoutMs: number;
  readonly startupTimeoutMs: number;
  readonly exitGraceMs: number;
  /** Whether a reset has been sent yet: the first one is start-up. */
  private resetSent = false;

  private readonly tracker = new ReplyTracker();
  private readonly replyListeners = new Set<(reply: Reply) => void>();
  private readonly brokenListeners = new Set<(error: ProtocolError) => void>();
  private brokenError: ProtocolError | undefined;
  private idCounter = 0;
  /** Deadlines of timed requests in send order; all share one timeout, so the head is always the earliest. */
  private deadlines: Deadline[] = [];
  private deadlinesHead = 0;
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private stopping: Promise<void> | undefined;
  private byeId: number | undefined;
  private byeAcked = false;

  constructor(options: DriverOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.startupTimeoutMs = Math.max(options.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS, this.timeoutMs);
    this.exitGraceMs = options.exitGraceMs ?? DEFAULT_EXIT_GRACE_MS;
  }

  protected abstract launch(): Promise<void>;
  protected abstract transmit(line: string): void;
  /** Ends the implementation; `polite` is true after an acknowledged bye. Never rejects. */
  protected abstract shutdown(polite: boolean): Promise<void>;
  abstract stderrTail(): string;

  get broken(): ProtocolError | undefined {
    return this.brokenError;
  }

  nextId(): number {
    return this.idCounter++;
  }

  async start(): Promise<HelloReply> {
    if (this.started) throw new Error('harness bug: driver started twice');
    this.started = true;
    try {
      await this.launch();
    } catch (error) {
      await this.shutdown(false);
      throw error;
    }
    let reply: Reply;
    try {
      reply = await exchange(this, { type: 'hello', id: this.nextId(), version: PROTOCOL_VERSION });
    } catch (error) {
      await this.stop();
      throw error;
    }
    if (reply.type === 'error') {
      this.break({
        kind: 'version',
        arrived: preview(reply, 200),
        expected: `a hello reply for protocol version ${PROTOCOL_VERSION}`,
        detail: 'It refused hello.',
      });
    } else if (reply.type === 'hello') {
      const problem = checkHello(reply);
      if (problem) this.break(problem);
    }
    if (this.brokenError) {
      await this.stop();
      throw this.brokenError;
    }
    return reply as HelloReply;
  }

  send(request: Request): void {
    if (this.brokenError || this.stopping) return;
    this.tracker.register(request);
    if (TIMED[request.type]) this.addDeadline(request);
    this.transmit(JSON.stringify(request));
  }

  onReply(listener: (reply: Reply) => void): () => void {
    this.replyListeners.add(listener);
    return () => this.replyListeners.delete(listener);
  }

  onBroken(listener: (error: ProtocolError) => void): () => void {
    this.brokenListeners.add(listener);
    return () => this.brokenListeners.delete(listener);
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopOnce();
    return this.stopping;
  }

  private async stopOnce(): Promise<void> {
    let polite = false;
    if (!this.brokenError && this.started) {
      const id = this.nextId();
      const request: Request = { type: 'bye', id };
      this.byeId = id;
      // send() ignores requests once stopping, so this one goes straight out.
      this.tracker.register(request);
      this.addDeadline(request);
      const acked = new Promise<boolean>((resolve) => {
        const offReply = this.onReply((reply) => {
          if (reply.id === id) {
            offReply();
            offBroken();
            resolve(reply.type === 'ack');
          }
        });
        const offBroken = this.onBroken(() => {
          offReply();
          offBroken();
          resolve(false);
        });
      });
      this.transmit(JSON.stringify(request));
      polite = await acked;
    }
    this.clearTimer();
    await this.shutdown(polite);
  }

  /**
   * Takes one line the implementation wrote: parses and validates it once,
   * checks it against the open request ids, and hands it to the listeners.
   */
  protected receiveLine(line: string): void {
    if (this.brokenError) return;
    // Before anything walks the message: everything after this point may recurse over it.
    const tooDeep = nestingBeyond(line);
    if (tooDeep !== -1) {
      return this.break({
        kind: 'schema',
        section: 'framing',
        arrived: trimArrived(line),
        expected: `arrays and objects nested at most ${MAX_NESTING_DEPTH} levels deep (no reply needs more than 7)`,
        detail: `The line opens its ${MAX_NESTING_DEPTH + 1}th nested array or object at character ${tooDeep}; the harness did not parse it.`,
      });
    }
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch (error) {
      return this.break({
        kind: 'not-json',
        arrived: trimArrived(line),
        expected: 'one JSON object per line, such as {"type":"ack","id":3}',
        detail: `JSON.parse says: ${(error as Error).message}.`,
      });
    }
    const lone = loneSurrogate(line, message);
    if (lone) {
      return this.break({
        kind: 'not-json',
        arrived: trimArrived(line),
        expected: 'JSON text in UTF-8, whose strings hold only Unicode characters',
        detail: `The string at ${lone.path} holds an unpaired surrogate (U+${lone.code.toString(16).toUpperCase()}), which UTF-8 cannot encode (RFC 8259 §8.1, PROTOCOL.md §framing).`,
      });
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      return this.break({
        kind: 'schema',
        section: 'framing',
        arrived: trimArrived(line),
        expected: 'a JSON object (each line holds one object with a "type" and an "id")',
      });
    }
    const type = (message as { type?: unknown }).type;
    if (typeof type !== 'string' || !REPLY_TYPES.has(type)) {
      return this.break({
        kind: 'unknown-type',
        arrived: trimArrived(line),
        expected: `"type" to be one of ${[...REPLY_TYPES].join(', ')}`,
        detail: type === undefined ? 'The message has no "type" field.' : `"type" is ${preview(type, 80)}.`,
      });
    }
    const parsed = checkReply(message as Record<string, unknown>);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 3)
        // Issues quote the message's own keys and values: each is cut to a readable length.
        .map((issue) => printableCut(`${issue.path.length ? issue.path.join('.') : '(the message)'}: ${issue.message}`, 160));
      return this.break({
        kind: 'schema',
        section: REPLY_SECTION[type] ?? 'replies',
        arrived: trimArrived(line),
        expected: `a valid \`${type}\` reply; ${issues.join('; ')}${parsed.error.issues.length > 3 ? '; …' : ''}`,
      });
    }
    const reply = parsed.data;
    const problem = this.tracker.accept(reply);
    if (problem) return this.break({ ...problem, arrived: trimArrived(line) });
    this.dropAnsweredDeadlines();
    if (reply.id === this.byeId && reply.type === 'ack') this.byeAcked = true;
    for (const listener of this.replyListeners) listener(reply);
  }

  /**
   * Records the first protocol error, tells the listeners, and starts ending
   * the implementation. Later errors are consequences of the first and are dropped.
   */
  protected break(init: ProtocolErrorInit): void {
    if (this.brokenError) return;
    const error = new ProtocolError({ ...init, stderrTail: init.stderrTail ?? this.stderrTailForError() });
    this.brokenError = error;
    this.clearTimer();
    this.onBreak();
    for (const listener of [...this.brokenListeners]) listener(error);
  }

  /** Called once when the driver breaks, before the listeners hear of it (a subprocess is killed here). */
  protected onBreak(): void {}

  /** The stderr to quote in an error; undefined in-process, where there is none. */
  protected stderrTailForError(): string | undefined {
    return undefined;
  }

  protected get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** Whether the implementation has acknowledged bye (after which it may, and must, exit). */
  protected get byeAcknowledged(): boolean {
    return this.byeAcked;
  }

  /** Whether the given request id still waits for a final reply. */
  protected isWaiting(id: number): boolean {
    return this.tracker.isOpen(id);
  }

  // ── wall-clock deadlines of protocol messages ──────────────────────────

  private addDeadline(request: Request): void {
    const startup = request.type === 'hello' || (request.type === 'reset' && !this.resetSent);
    if (request.type === 'reset') this.resetSent = true;
    const ms = startup ? this.startupTimeoutMs : this.timeoutMs;
    const deadline: Deadline = { id: request.id, type: request.type, at: Date.now() + ms, ms, startup };
    // Deadlines stay in order of expiry, so the head is always the earliest (a start-up one is later).
    let at = this.deadlines.length;
    while (at > this.deadlinesHead && this.deadlines[at - 1]!.at > deadline.at) at--;
    this.deadlines.splice(at, 0, deadline);
    if (this.timer && at === this.deadlinesHead) this.clearTimer();
    if (!this.timer) this.armTimer();
  }

  private dropAnsweredDeadlines(): void {
    if (this.deadlines.length === 0) return;
    while (this.deadlinesHead < this.deadlines.length && !this.tracker.isOpen(this.deadlines[this.deadlinesHead]!.id)) {
      this.deadlinesHead++;
    }
    if (this.deadlinesHead === this.deadlines.length) {
      this.deadlines = [];
      this.deadlinesHead = 0;
      this.clearTimer();
    } else if (this.deadlinesHead > 1024) {
      this.deadlines = this.deadlines.slice(this.deadlinesHead);
      this.deadlinesHead = 0;
    }
  }

  private armTimer(): void {
    const head = this.deadlines[this.deadlinesHead];
    if (!head) return;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, head.at - Date.now()));
  }

  private onTimer(): void {
    this.timer = undefined;
    this.dropAnsweredDeadlines();
    const head = this.deadlines[this.deadlinesHead];
    if (!head || this.brokenError) return;
    if (head.at > Date.now()) return this.armTimer();
    const final = FINAL_REPLY[head.type];
    this.break({
      kind: 'timeout',
      expected: `a \`${final}\` reply to \`${head.type}\` (id ${head.id}) within ${head.ms} ms`,
      detail: head.startup
        ? `Nothing answered \`${head.type}\` (id ${head.id}) within the start-up allowance of ${head.ms} ms (--startup-timeout-ms; hello and the first reset get it).`
        : `Nothing answered \`${head.type}\` (id ${head.id}) within the protocol-message limit of ${head.ms} ms (--timeout-ms).`,
    });
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
