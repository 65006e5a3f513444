import { PassThrough } from 'node:stream';
import { expect, test } from 'vitest';
import { DEFAULT_CONFIG } from '../../spec/config.ts';
import createImplementation from '../../fixtures/examples/minimal-inprocess/index.ts';
import { serveOverStdio } from './serve.ts';

test('serveOverStdio turns an in-process implementation into a JSON Lines one', async () => {
  const input = new PassThrough();
  const output = new PassThrough();
  const errors = new PassThrough();
  let written = '';
  let logged = '';
  output.on('data', (chunk: Buffer) => (written += chunk.toString()));
  errors.on('data', (chunk: Buffer) => (logged += chunk.toString()));
  const served = serveOverStdio(createImplementation(), { input, output, errors });

  input.write(JSON.stringify({ type: 'hello', id: 0, version: 1 }) + '\n');
  // A request split across chunks, then two malformed ones: with and without a usable id.
  const reset = JSON.stringify({ type: 'reset', id: 1, config: DEFAULT_CONFIG }) + '\n';
  input.write(reset.slice(0, 10));
  input.write(reset.slice(10));
  input.write(JSON.stringify({ type: 'tick', id: 2, ticks: 0 }) + '\n');
  input.write('not json\n');
  // What it logs of a line is printable: whoever writes to it cannot reach its stderr's terminal.
  input.write('\x1b]52;c;ZXZpbA==\x07 also not json\n');
  input.write(JSON.stringify({ type: 'bye', id: 3 }) + '\n');

  expect(await served).toBe(0);
  const replies = written.trimEnd().split('\n').map((line) => JSON.parse(line) as { type: string; id: number; code?: string });
  expect(replies.map((reply) => [reply.type, reply.id])).toEqual([
    ['hello', 0],
    ['ack', 1],
    ['error', 2],
    ['ack', 3],
  ]);
  expect(replies[2]!.code).toBe('bad-request');
  expect(logged).toMatch(/ignored a line that is not JSON: not json/);
  expect(logged).toContain('ignored a line that is not JSON: \\x1b]52;c;ZXZpbA==\\x07 also not json');
  expect(logged).not.toMatch(/[\x07\x1b]/);
});
