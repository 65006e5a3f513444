/**
 * The in-process driver: an implementation that is a JS/TS module in the
 * harness's own process.
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
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MAX_LINE_BYTES, type Reply, type Request } from '../../spec/messages.ts';
import { DriverBase, type DriverOptions, type Implementation, type ImplementationFactory } from './driver.ts';
import { trimArrived } from './protocol-error.ts';
import { UsageError } from './usage-error.ts';

export interface InProcessDriverOptions extends DriverOptions {
  /** A module path (.ts, .js, .mjs, .mts, .cjs) exporting a factory, or the factory itself. */
  readonly module: string | ImplementationFactory;
}

export class InProcessDriver extends DriverBase {
  readonly describe: string;
  private readonly source: string | ImplementationFactory;
  private implementation: Implementation | undefined;
  private closed = false;

  constructor(options: InProcessDriverOptions) {
    super(options);
    this.source = options.module;
    this.describe = typeof options.module === 'string' ? options.module : `in-process ${options.module.name || 'factory'}`;
  }

  stderrTail(): string {
    return '';
  }

  protected async launch(): Promise<void> {
    const factory = typeof this.source === 'string' ? await loadFactory(this.source) : this.source;
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

/** Imports a module and finds its factory: `default`, else `createImplementation`. */
export async function loadFactory(path: string): Promise<ImplementationFactory> {
  const absolute = resolve(path);
  if (!existsSync(absolute)) {
    throw new UsageError(`The implementation module ${path} does not exist (looked at ${absolute}).`);
  }
  let module: Record<string, unknown>;
  try {
    await typeScriptLoaderFor(absolute);
    module = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`Could not load the implementation module ${path}: ${(error as Error).message}`);
  }
  const factory = typeof module.default === 'function' ? module.default : module.createImplementation;
  if (typeof factory !== 'function') {
    const exported = Object.keys(module);
    throw new UsageError(
      `The module ${path} exports no implementation factory: it exports ${exported.length ? exported.join(', ') : 'nothing'}.\n` +
        'Expected `export default function createImplementation(): Implementation` (or a named export `createImplementation`).\n' +
        'For example, see fixtures/examples/minimal-inprocess/index.ts.',
    );
  }
  return factory as ImplementationFactory;
}

/**
 * The compiled command line (dist/, scripts/build.mjs) starts without a
 * TypeScript loader; a TypeScript module is the one thing that needs it, so
 * tsx is registered then, once. Run from source, a loader is already there
 * (this file is .ts) and nothing is registered.
 */
let tsxRegistered = false;
async function typeScriptLoaderFor(path: string): Promise<void> {
  if (tsxRegistered || !/\.[cm]?ts$/.test(path) || import.meta.url.endsWith('.ts')) return;
  const { register } = await import('tsx/esm/api');
  register();
  tsxRegistered = true;
}

function describeThrown(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return trimArrived(String(error));
}

export { isModulePath } from './implementation-spec.ts';
