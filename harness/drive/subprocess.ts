/**
 * The subprocess driver: an implementation in any language, spoken to in
 * JSON Lines over its stdin and stdout (spec/PROTOCOL.md is the full text).
 *
 * The wire, step by step, as this driver plays it:
 *  1. Spawn the command (an argv, no shell unless --shell) as the leader of a
 *     new process group, stdin/stdout/stderr piped, its environment carrying
 *     DUALSOCK_RUN_ID=<a fresh random tag> (process-groups.ts).
 *  2. Write {"type":"hello","id":0,"version":1}; expect one hello reply
 *     naming both socket families (§hello) within the timeout.
 *  3. Write each request as one line: JSON.stringify(request) + "\n". Ids are
 *     the harness's; a batch's calls carry ids of their own (§ids).
 *  4. Read stdout as lines (§framing): each must be valid UTF-8, nest at most
 *     MAX_NESTING_DEPTH levels, and be one JSON object matching
 *     the Reply schema, answering an id that waits for one. Replies may come
 *     in any order: a blocked call is answered when it completes.
 *  5. Protocol messages (hello, reset, settle, inspect, bye; the acks of
 *     batch, tick, fault and resume) must be answered within the wall-clock
 *     timeout; socket calls and handshakes follow the virtual clock (§timeouts).
 *  6. stderr is free-form; its last 64 KiB are kept for the report, with
 *     every control character made visible (untrusted.ts).
 *  7. Write bye; expect an ack, then exit with code 0 within a second
 *     (§lifecycle). Whatever happens, the whole process group is killed at
 *     the end, and then every process still carrying the run's tag (a daemon
 *     that left the group with setsid), so no descendant outlives the run.
 * Any deviation — a line that is not JSON, a line over MAX_LINE_BYTES, a
 * reply for an unknown id, an exit before bye — breaks the driver with a
 * ProtocolError that says what arrived, what was expected and which section
 * of PROTOCOL.md defines it; the implementation is killed at once.
 */
import { execa, type ResultPromise } from 'execa';
import { setTimeout as delay } from 'node:timers/promises';
import { MAX_LINE_BYTES } from '../../spec/messages.ts';
import { DriverBase, type DriverOptions } from './driver.ts';
import { LineFramer, LineWriter } from './line-framer.ts';
import { endTagged, newRunId, registerGroup, registerTag, RUN_ID_VARIABLE, signalGroup, unregisterGroup, unregisterTag } from './process-groups.ts';
import { trimArrived } from './protocol-error.ts';
import { printable } from './untrusted.ts';
import { UsageError } from './usage-error.ts';

/** An argv run without a shell, or a command line handed to the shell (--shell). */
export type Command = { readonly argv: readonly [string, ...string[]] } | { readonly shell: string };

export interface SubprocessDriverOptions extends DriverOptions {
  readonly command: Command;
  readonly cwd?: string;
  /** Added to the harness's own environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** How long the process group gets between SIGTERM and SIGKILL. */
  readonly killGraceMs?: number;
  /** The tag put in the implementation's environment as DUALSOCK_RUN_ID (default: a fresh random one). */
  readonly runId?: string;
}

/** How much of stderr is kept: the end matters (the panic, the stack trace). */
export const STDERR_TAIL_BYTES = 64 * 1024;
const KILL_GRACE_MS = 250;

/** Keeps the last `limit` bytes written to it. */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.bytes - this.chunks[0]!.length >= this.limit) this.bytes -= this.chunks.shift()!.length;
    if (this.bytes > this.limit * 2) {
      const all = Buffer.concat(this.chunks, this.bytes);
      this.chunks = [all.subarray(all.length - this.limit)];
      this.bytes = this.limit;
    }
  }

  text(): string {
    const all = Buffer.concat(this.chunks, this.bytes);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }
}

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class SubprocessDriver extends DriverBase {
  readonly describe: string;
  private readonly options: SubprocessDriverOptions;
  private child: ResultPromise | undefined;
  private pgid: number | undefined;
  private readonly stderr = new TailBuffer(STDERR_TAIL_BYTES);
  private readonly framer: LineFramer;
  private exit: Exit | undefined;
  private exited!: Promise<Exit>;
  private drained!: Promise<unknown>;
  private killing: Promise<void> | undefined;
  /** The tag every process of this implementation carries in its environment. */
  readonly runId: string;

  constructor(options: SubprocessDriverOptions) {
    super(options);
    this.options = options;
    this.runId = options.runId ?? newRunId();
    this.describe = 'argv' in options.command ? options.command.argv.map(quoteForDisplay).join(' ') : options.command.shell;
    this.framer = new LineFramer(
      MAX_LINE_BYTES,
      (line) => this.receiveLine(line),
      (overflow) =>
        this.break({
          kind: 'line-too-long',
          arrived: trimArrived(overflow.head, overflow.bytes),
          expected: `lines of at most ${MAX_LINE_BYTES} bytes, each ending with "\\n"`,
          detail: `The harness stopped reading after ${overflow.bytes} bytes of one line without a newline (the limit is ${MAX_LINE_BYTES}).`,
        }),
      (bad) =>
        this.break({
          kind: 'not-json',
          arrived: trimArrived(bad.line),
          expected: 'JSON text in UTF-8 (RFC 8259 §8.1), every byte part of a well-formed UTF-8 sequence',
          detail: `The line is not valid UTF-8: byte ${bad.offset} of its ${bad.bytes} starts no well-formed sequence (shown above as U+FFFD).`,
        }),
    );
  }

  /** The end of its stderr, control characters made visible: stderr is the implementation's to fill with anything. */
  stderrTail(): string {
    return printable(this.stderr.text().replace(/\r\n/g, '\n'), { multiline: true });
  }

  protected override stderrTailForError(): string {
    return this.stderrTail();
  }

  protected async launch(): Promise<void> {
    const { command } = this.options;
    const common = {
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      encoding: 'buffer',
      stripFinalNewline: false,
      // Leading its own process group is what lets us kill grandchildren too.
      detached: true,
      // execa's own cleanup kills only the child; process-groups.ts kills the group.
      cleanup: false,
      cwd: this.options.cwd,
      // The tag reaches every descendant that keeps its environment, daemons included.
      env: { ...this.options.env, [RUN_ID_VARIABLE]: this.runId },
    } as const;
    registerTag(this.runId);
    const child = 'argv' in command ? execa(command.argv[0], command.argv.slice(1), common) : execa(command.shell, { ...common, shell: true });
    this.child = child;
    // The result promise settles when the process ends; everything it says, the events below say first.
    child.catch(() => undefined);
    try {
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (error) {
      unregisterTag(this.runId);
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new UsageError(
        `Could not start the implementation \`${this.describe}\`: ${code}.\n` +
          `Expected --impl to name a program on PATH or a path to an executable, with its arguments, ` +
          `or an existing .ts/.js/.mjs/.mts/.cjs module.\n` +
          `For example: dualsock check --impl "node fixtures/examples/minimal-subprocess/main.mjs"`,
      );
    }
    this.pgid = child.pid!;
    registerGroup(this.pgid);
    const stdout = child.stdout!;
    const stderr = child.stderr!;
    const ended = (stream: NodeJS.ReadableStream): Promise<void> =>
      new Promise((resolve) => {
        stream.once('end', resolve);
        stream.once('close', resolve);
      });
    this.drained = Promise.all([ended(stdout), ended(stderr)]);
    stdout.on('data', (chunk: Buffer) => this.framer.push(chunk));
    stderr.on('data', (chunk: Buffer) => this.stderr.push(chunk));
    // EPIPE after the child died: the exit handler reports the death itself.
    child.stdin!.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
        void this.judgeExit(this.exit);
      });
    });
  }

  private readonly requests = new LineWriter((chunk) => this.child?.stdin?.write(chunk));

  protected transmit(line: string): void {
    this.requests.push(line);
  }

  protected override onBreak(): void {
    this.framer.stop();
    void this.killGroup();
  }

  protected async shutdown(polite: boolean): Promise<void> {
    if (!this.child || this.pgid === undefined) return;
    if (polite && !this.exit) {
      const exitedInTime = await Promise.race([this.exited.then(() => true), sleep(this.exitGraceMs).then(() => false)]);
      if (!exitedInTime) {
        this.break({
          kind: 'timeout',
          section: 'lifecycle',
          expected: `the process to exit with code 0 within ${this.exitGraceMs} ms of acknowledging bye (--exit-grace-ms)`,
          detail: `It acknowledged bye but was still running ${this.exitGraceMs} ms later.`,
        });
      }
    }
    if (this.exit) await Promise.race([this.drained, sleep(this.exitGraceMs)]);
    await this.killGroup();
  }

  /**
   * An exit is judged once stdout is drained — its pipe closed, every byte read — so the replies
   * written just before it count, however slowly a busy machine delivers them. Only a descendant
   * that keeps the pipe open stops it draining; the exit grace bounds that wait.
   */
  private async judgeExit(exit: Exit): Promise<void> {
    await Promise.race([this.drained, sleep(this.exitGraceMs)]);
    if (!this.broken) {
      const how = exit.signal ? `was killed by signal ${exit.signal}` : `exited with code ${exit.code}`;
      if (this.byeAcknowledged) {
        if (exit.code !== 0) {
          this.break({ kind: 'exit', arrived: how, expected: 'exit code 0 after acknowledging bye', detail: `It ${how} after acknowledging bye.` });
        }
      } else {
        const leftover = this.framer.leftover();
        this.break({
          kind: 'exit',
          arrived: how + (leftover ? `; its last stdout line had no newline: ${trimArrived(leftover)}` : ''),
          expected: 'the implementation to keep running, answering requests, until it acknowledges bye',
          detail: `It ${how} before acknowledging bye.`,
        });
      }
    }
    // Whatever it left behind in its group goes too.
    void this.killGroup();
  }

  /**
   * SIGTERM to the group, a short grace for the leader, then SIGKILL to whatever is left;
   * then the same, by PID, for every process still carrying the run tag. Idempotent.
   */
  private killGroup(): Promise<void> {
    this.killing ??= (async () => {
      const pgid = this.pgid;
      if (pgid === undefined) return;
      const graceMs = this.options.killGraceMs ?? KILL_GRACE_MS;
      if (!this.exit) {
        signalGroup(pgid, 'SIGTERM');
        await Promise.race([this.exited, sleep(graceMs)]);
      }
      signalGroup(pgid, 'SIGKILL');
      if (!this.exit) await Promise.race([this.exited, sleep(1000)]);
      unregisterGroup(pgid);
      await endTagged(this.runId, graceMs);
      unregisterTag(this.runId);
      this.framer.stop();
      // A grandchild could hold the pipes open; they are of no use now.
      this.child?.stdout?.destroy();
      this.child?.stderr?.destroy();
      this.child?.stdin?.destroy();
    })();
    return this.killing;
  }
}

/**
 * A delay that does not keep the harness alive: it only ever races against the
 * child's exit or its pipes, which keep the event loop going themselves.
 */
function sleep(ms: number): Promise<void> {
  return delay(ms, undefined, { ref: false });
}

function quoteForDisplay(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
