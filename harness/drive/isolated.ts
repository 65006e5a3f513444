/**
 * The in-process driver for a module named on the command line: the module
 * runs in a worker thread of dualsock's process, so nothing it does can take
 * dualsock down with it.
 *
 * The worker is the module's whole world. It loads the module, calls its
 * factory, and hands each request line to `handle`; each reply is serialised
 * there and crosses back as one line, which goes through the very parser,
 * schema and id tracking a subprocess's lines go through. What would end or
 * hang dualsock if the module shared its thread ends only the worker, and is a
 * protocol break (exit 3) with a message that says what happened:
 * - `process.exit()` in a worker stops the worker, not dualsock ("it exited");
 * - a throw from a timer, or a promise rejection left unhandled, is the worker's
 *   `error` event ("it crashed");
 * - a `handle` that never returns blocks the worker's thread only: dualsock's
 *   own timers still fire, the protocol-message limit breaks the run, and
 *   `terminate()` stops the worker even inside an endless loop.
 * Why a worker rather than a child process: the module keeps the in-process
 * contract (a factory returning an Implementation, no stdio protocol to write),
 * start-up costs one thread, and messages cross without a pipe.
 *
 * A factory passed as a function (our tests, the bench) cannot cross into a
 * worker; it runs in dualsock's thread through InProcessDriver.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MAX_LINE_BYTES } from '../../spec/messages.ts';
import { DriverBase, type DriverOptions } from './driver.ts';
import { trimArrived } from './protocol-error.ts';
import { UsageError } from './usage-error.ts';
import { printable } from './untrusted.ts';
import { RUN_ID_VARIABLE, endTagged, newRunId, registerTag, unregisterTag } from './process-groups.ts';

/** What the worker says to dualsock; the requests go the other way as `{ t: 'line' }` and `{ t: 'close' }`. */
type FromWorker =
  | { readonly t: 'ready' }
  | { readonly t: 'line'; readonly line: string }
  | { readonly t: 'bad'; readonly what: string }
  | { readonly t: 'crash'; readonly what: string }
  | { readonly t: 'load-error'; readonly message: string }
  | { readonly t: 'no-factory'; readonly exported: readonly string[] }
  | { readonly t: 'closed' };

/**
 * The worker's code, evaluated as a script so that it needs no file of its own wherever
 * dualsock is installed or bundled. It must stay plain JavaScript.
 */
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const send = (message) => parentPort.postMessage(message);
const describe = (error) => (error instanceof Error ? error.name + ': ' + error.message : String(error)).slice(0, 2000);
(async () => {
  if (workerData.tsx) {
    try { (await import(workerData.tsx)).register(); } catch { /* a .js module does not need it */ }
  }
  let mod;
  try { mod = await import(workerData.url); } catch (error) { send({ t: 'load-error', message: describe(error) }); return; }
  const factory = typeof mod.default === 'function' ? mod.default : mod.createImplementation;
  if (typeof factory !== 'function') { send({ t: 'no-factory', exported: Object.keys(mod) }); return; }
  let impl;
  try { impl = await factory(); } catch (error) { send({ t: 'crash', what: 'the factory threw ' + describe(error) }); return; }
  if (!impl || typeof impl.handle !== 'function') { send({ t: 'crash', what: 'the factory returned ' + String(impl).slice(0, 200) + ', not an object with a handle(request, reply) method' }); return; }
  send({ t: 'ready' });
  parentPort.on('message', (message) => {
    if (message.t === 'close') {
      Promise.resolve().then(() => impl.close && impl.close()).then(() => send({ t: 'closed' }), () => send({ t: 'closed' }));
      return;
    }
    const request = JSON.parse(message.line);
    const reply = (answer) => {
      let line;
      try { line = JSON.stringify(answer); } catch (error) { send({ t: 'bad', what: 'a reply JSON.stringify cannot serialise (' + describe(error) + ')' }); return; }
      if (line === undefined) { send({ t: 'bad', what: 'a reply that is not a JSON value (' + String(answer).slice(0, 200) + ')' }); return; }
      send({ t: 'line', line });
    };
    const crashed = (error) => send({ t: 'crash', what: 'handle() threw ' + describe(error) + ' on a \x60' + request.type + '\x60 request (id ' + request.id + ')' });
    try {
      const result = impl.handle(request, reply);
      if (result && typeof result.then === 'function') result.then(undefined, crashed);
    } catch (error) { crashed(error); }
  });
})();
`;

export interface IsolatedDriverOptions extends DriverOptions {
  /** A module path (.ts, .js, .mjs, .mts, .cjs) exporting a factory. */
  readonly module: string;
}

export class IsolatedModuleDriver extends DriverBase {
  readonly describe: string;
  private readonly path: string;
  private worker: Worker | undefined;
  private closing = false;
  private closed: (() => void) | undefined;
  /** Processes the module starts carry this tag, and are ended by it when the check ends. */
  private readonly runId = newRunId();

  constructor(options: IsolatedDriverOptions) {
    super(options);
    this.path = options.module;
    this.describe = options.module;
  }

  stderrTail(): string {
    return '';
  }

  protected launch(): Promise<void> {
    const absolute = resolve(this.path);
    if (!existsSync(absolute)) throw new UsageError(`The implementation module ${this.path} does not exist (looked at ${absolute}).`);
    let tsx: string | null = null;
    try {
      tsx = import.meta.resolve('tsx/esm/api');
    } catch {
      tsx = null;
    }
    registerTag(this.runId);
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { url: pathToFileURL(absolute).href, tsx },
      env: { ...process.env, [RUN_ID_VARIABLE]: this.runId },
      stdout: false,
      stderr: false,
    });
    this.worker = worker;
    return new Promise<void>((ready, failed) => {
      let started = false;
      worker.on('message', (message: FromWorker) => {
        switch (message.t) {
          case 'ready':
            started = true;
            return ready();
          case 'line':
            return this.fromWorker(message.line);
          case 'bad':
            return this.break({ kind: 'not-json', arrived: printable(message.what), expected: 'a reply made of JSON values only (no bigint, no cycles, no undefined)', section: 'in-process' });
          case 'crash':
            if (!started) return failed(this.crashError(message.what));
            return this.break({ kind: 'exit', arrived: printable(message.what), expected: 'handle to return normally and answer through reply()', section: 'in-process' });
          case 'load-error':
            return failed(new UsageError(`Could not load the implementation module ${this.path}: ${printable(message.message)}`));
          case 'no-factory':
            return failed(this.noFactory(absolute, message.exported));
          case 'closed':
            return this.closed?.();
        }
      });
      worker.on('error', (error) => {
        const what = `${error.name}: ${error.message}`;
        if (!started) return failed(this.crashError(`it threw while loading: ${what}`));
        this.break({
          kind: 'exit',
          arrived: `an uncaught ${printable(what)} (thrown from a timer or callback, or a promise rejection left unhandled)`,
          expected: 'the implementation to keep running, answering requests, until it acknowledges bye',
          section: 'in-process',
        });
      });
      worker.on('exit', (code) => {
        this.closed?.();
        if (this.closing || this.broken) return;
        if (!started) return failed(this.crashError(`it ended its thread with process.exit(${code}) while loading`));
        this.break({
          kind: 'exit',
          arrived: `process.exit(${code}) (or its thread ended) while the harness was still talking to it`,
          expected: 'the implementation to keep running, answering requests, until it acknowledges bye; an in-process module never calls process.exit',
          section: 'in-process',
        });
      });
    });
  }

  private crashError(what: string): Error {
    // Before hello there is no session to break: the start fails with the same kind of error.
    this.break({ kind: 'exit', arrived: printable(what), expected: 'the factory to return an Implementation', section: 'in-process' });
    return this.broken!;
  }

  private noFactory(absolute: string, exported: readonly string[]): UsageError {
    let source = '';
    try {
      source = readFileSync(absolute, 'utf8');
    } catch {
      source = '';
    }
    const readsStdin = /process\.stdin|node:readline|createInterface/.test(source);
    return new UsageError(
      `The module ${this.path} exports no implementation factory: it exports ${exported.length ? exported.map((e) => printable(e)).join(', ') : 'nothing'}.\n` +
        (readsStdin
          ? `It reads standard input, so it looks like a subprocess implementation: run it as a command, for example --impl "node --import tsx ${this.path}".`
          : 'Expected `export default function createImplementation(): Implementation` (or a named export `createImplementation`).\nFor example, see fixtures/examples/minimal-inprocess/index.ts.'),
    );
  }

  private fromWorker(line: string): void {
    const bytes = Buffer.byteLength(line);
    if (bytes > MAX_LINE_BYTES) {
      return this.break({ kind: 'line-too-long', arrived: trimArrived(line, bytes), expected: `a reply of at most ${MAX_LINE_BYTES} bytes once serialised` });
    }
    this.receiveLine(line);
  }

  protected transmit(line: string): void {
    if (!this.closing) this.worker?.postMessage({ t: 'line', line });
  }

  protected override onBreak(): void {
    this.closing = true;
    void this.worker?.terminate();
  }

  protected async shutdown(polite: boolean): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    if (polite && !this.closing) {
      this.closing = true;
      // close() gets the exit grace to release what it holds; then the thread ends regardless.
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((done) => {
        this.closed = done;
        timer = setTimeout(done, this.exitGraceMs);
        worker.postMessage({ t: 'close' });
      });
      clearTimeout(timer);
    }
    this.closing = true;
    await worker.terminate();
    // Whatever the module spawned, detached or not, carries the run's tag.
    await endTagged(this.runId, 250);
    unregisterTag(this.runId);
  }
}
