/**
 * The in-process driver: an implementation given as a factory function, run in
 * the harness's own thread (our tests and the bench). A module named by --impl
 * runs in a worker thread instead (isolated.ts), so it cannot take dualsock down.
 *
 * It is held to the same wire as a subprocess. Each request reaches
 * `handle` as a fresh JSON copy (the implementation cannot touch the
 * harness's objects), and each reply is serialised with JSON.stringify and
 * goes through the very line parser, schema and id tracking the subprocess
 * driver uses — so a reply with an `undefined` field, a bigint, a wrong id or
 * a second final reply breaks the in-process driver exactly as it would break
 * a subprocess. Replies are delivered on a later microtask, never inside
 * `send`, as they would be from a pipe.
 *
 * A factory that throws, or a `handle` that throws, is this driver's analogue
 * of a crashing process (kind "exit").
 */
import { MAX_LINE_BYTES, type Reply, type Request } from '../../spec/messages.ts';
import { DriverBase, type DriverOptions, type Implementation, type ImplementationFactory } from './driver.ts';
import { trimArrived } from './protocol-error.ts';

export interface InProcessDriverOptions extends DriverOptions {
  /** The factory itself (a module named by --impl runs in a worker: isolated.ts). */
  readonly module: ImplementationFactory;
}

export class InProcessDriver extends DriverBase {
  readonly describe: string;
  private readonly source: ImplementationFactory;
  private implementation: Implementation | undefined;
  private closed = false;

  constructor(options: InProcessDriverOptions) {
    super(options);
    this.source = options.module;
    this.describe = `in-process ${options.module.name || 'factory'}`;
  }

  stderrTail(): string {
    return '';
  }

  protected async launch(): Promise<void> {
    const factory = this.source;
    try {
      this.implementation = await factory();
    } catch (error) {
      return this.break({
        kind: 'exit',
        arrived: `the factory threw ${describeThrown(error)}`,
        expected: 'the factory to return an Implementation',
        section: 'in-process',
      });
    }
    if (!this.implementation || typeof this.implementation.handle !== 'function') {
      this.break({
        kind: 'exit',
        arrived: `the factory returned ${trimArrived(String(this.implementation))}`,
        expected: 'an object with a handle(request, reply) method',
        section: 'in-process',
      });
    }
  }

  protected transmit(line: string): void {
    const implementation = this.implementation;
    if (!implementation || this.closed) return;
    // A JSON copy is what a subprocess would have read from stdin.
    const request = JSON.parse(line) as Request;
    try {
      const result = implementation.handle(request, (message) => this.reply(message)) as unknown;
      if (result && typeof (result as PromiseLike<unknown>).then === 'function') {
        (result as PromiseLike<unknown>).then(undefined, (error: unknown) => this.crashed(request, error));
      }
    } catch (error) {
      this.crashed(request, error);
    }
  }

  protected async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const close = this.implementation?.close;
    if (!close) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        close.call(this.implementation),
        new Promise((resolve) => (timer = setTimeout(resolve, this.timeoutMs))),
      ]);
    } catch {
      // A close that fails after bye leaves nothing of ours behind; there is no process to kill.
    } finally {
      clearTimeout(timer);
    }
  }

  private reply(message: Reply): void {
    if (this.closed || this.broken) return;
    let line: string | undefined;
    try {
      line = JSON.stringify(message);
    } catch (error) {
      return this.break({
        kind: 'not-json',
        arrived: `a reply JSON.stringify cannot serialise (${(error as Error).message})`,
        expected: 'a reply made of JSON values only (no bigint, no cycles)',
      });
    }
    if (line === undefined) {
      return this.break({ kind: 'not-json', arrived: String(message), expected: 'a reply object' });
    }
    const bytes = Buffer.byteLength(line);
    if (bytes > MAX_LINE_BYTES) {
      return this.break({
        kind: 'line-too-long',
        arrived: trimArrived(line, bytes),
        expected: `a reply of at most ${MAX_LINE_BYTES} bytes once serialised`,
      });
    }
    const framed = line;
    queueMicrotask(() => this.receiveLine(framed));
  }

  private crashed(request: Request, error: unknown): void {
    this.break({
      kind: 'exit',
      arrived: `handle() threw ${describeThrown(error)} on a \`${request.type}\` request (id ${request.id})`,
      expected: 'handle to return normally and answer through reply()',
      section: 'in-process',
    });
  }
}

function describeThrown(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return trimArrived(String(error));
}

