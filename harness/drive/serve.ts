/**
 * Serves an in-process Implementation over stdin/stdout JSON Lines, turning
 * it into a subprocess implementation (`dualsock serve-reference` is this
 * around the reference model). The subprocess driver can then be tested
 * against an implementation known to be right, and implementers can watch a
 * correct conversation with their own eyes.
 *
 * Requests that are not valid JSON or do not match the Request schema are
 * answered with `error` {code: "bad-request"} when they carry an id, and
 * noted on stderr otherwise. Serving ends after bye's ack is written, or when
 * stdin ends.
 */
import { MAX_LINE_BYTES, Request } from '../../spec/messages.ts';
import type { Implementation } from './driver.ts';
import { LineFramer, LineWriter } from './line-framer.ts';
import { printableCut } from './untrusted.ts';

export interface ServeStreams {
  readonly input: NodeJS.ReadableStream & { destroy?(): void };
  readonly output: NodeJS.WritableStream;
  readonly errors: NodeJS.WritableStream;
}

const STDIO: ServeStreams = { input: process.stdin, output: process.stdout, errors: process.stderr };

export function serveOverStdio(implementation: Implementation, streams: ServeStreams = STDIO): Promise<number> {
  const { input, output, errors } = streams;
  return new Promise((resolve) => {
    let finished = false;
    const finish = async (): Promise<void> => {
      if (finished) return;
      finished = true;
      framer.stop();
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.destroy?.();
      try {
        await implementation.close?.();
      } catch (error) {
        errors.write(`dualsock serve: close failed: ${(error as Error).message}\n`);
      }
      // Resolve only once the last reply (the ack of bye) has left the process.
      replies.flush();
      output.write('', () => resolve(0));
    };
    const replies = new LineWriter((chunk) => output.write(chunk));
    const write = (message: unknown): void => {
      if (!finished) replies.push(JSON.stringify(message));
    };
    const onLine = (line: string): void => {
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        errors.write(`dualsock serve: ignored a line that is not JSON: ${printableCut(line, 200)}\n`);
        return;
      }
      const parsed = Request.safeParse(raw);
      if (!parsed.success) {
        const id = (raw as { id?: unknown } | null)?.id;
        const message = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(request)'}: ${issue.message}`).join('; ');
        if (Number.isSafeInteger(id) && (id as number) >= 0) write({ type: 'error', id, code: 'bad-request', message });
        else errors.write(`dualsock serve: ignored a request without a usable id: ${printableCut(message, 400)}\n`);
        return;
      }
      const request = parsed.data;
      implementation.handle(request, (reply) => {
        write(reply);
        if (request.type === 'bye' && reply.id === request.id) void finish();
      });
    };
    const framer = new LineFramer(MAX_LINE_BYTES, onLine, (overflow) => {
      errors.write(`dualsock serve: a request line passed ${MAX_LINE_BYTES} bytes; stopping.\n`);
      void overflow;
      void finish();
    });
    const onData = (chunk: Buffer | string): void => framer.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    const onEnd = (): void => void finish();
    input.on('data', onData);
    input.on('end', onEnd);
  });
}
