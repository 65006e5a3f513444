import { describe, expect, test } from 'vitest';
import { DEFAULT_CONFIG } from '../../spec/config.ts';
import type { Reply, Request } from '../../spec/messages.ts';
import { ReplyTracker } from './reply-tracker.ts';

const socket = { op: 'socket', family: 'net' } as const;
const requests: Request[] = [
  { type: 'hello', id: 0, version: 1 },
  { type: 'reset', id: 1, config: DEFAULT_CONFIG },
  { type: 'call', id: 2, process: 'C', call: { op: 'accept', fd: 3 } },
  { type: 'batch', id: 3, calls: [{ id: 4, process: 'C', call: socket }, { id: 5, process: 'S', call: socket }] },
  { type: 'handshake', id: 6, process: 'S', role: 'fs-server', params: { peer: 'cli', stg: 1 }, hold: ['120'] },
];

const ack = (id: number): Reply => ({ type: 'ack', id });
const result = (id: number): Reply => ({ type: 'result', id, outcome: { value: { fd: 3 } } });

describe('ReplyTracker (WIRE-ONE-REPLY)', () => {
  test.each<{ name: string; replies: Reply[]; kind?: string }>([
    { name: 'each request answered once, out of order', replies: [result(4), ack(3), result(5), result(2), ack(1)] },
    { name: 'a batch call may answer before the batch is acked', replies: [result(4), ack(3)] },
    {
      name: 'a handshake writes events and held before done',
      replies: [
        { type: 'held', id: 6, label: '120' },
        { type: 'event', id: 6, label: '120', call: socket, outcome: { value: { fd: 3 } } },
        { type: 'done', id: 6, outcome: { status: 'failed', label: '120', error: 'EPROTO' } },
      ],
    },
    { name: 'any request may be answered with error', replies: [{ type: 'error', id: 1, code: 'bad-request', message: 'x' }] },
    { name: 'a second final reply', replies: [ack(1), ack(1)], kind: 'duplicate-reply' },
    { name: 'a reply for an id never sent', replies: [ack(99)], kind: 'unknown-id' },
    { name: 'a result for a reset', replies: [result(1)], kind: 'wrong-reply' },
    { name: 'an ack for a call', replies: [ack(2)], kind: 'wrong-reply' },
    { name: 'an event for a call', replies: [{ type: 'event', id: 2, label: '82', call: socket, outcome: { error: 'EBADF' } }], kind: 'wrong-reply' },
    { name: 'an event after done', replies: [{ type: 'done', id: 6, outcome: { status: 'failed', label: '82', error: 'EIO' } }, { type: 'held', id: 6, label: '84' }], kind: 'duplicate-reply' },
    { name: 'results of a refused batch', replies: [{ type: 'error', id: 3, code: 'unsupported', message: 'no' }, result(4)], kind: 'duplicate-reply' },
    { name: 'a result written before the ack of reset', replies: [result(2), ack(1)] },
    { name: 'a result for a call abandoned by reset', replies: [ack(1), result(2)], kind: 'unknown-id' },
    { name: 'a done for a handshake abandoned by reset', replies: [ack(1), { type: 'done', id: 6, outcome: { status: 'failed', label: '82', error: 'EIO' } }], kind: 'unknown-id' },
  ])('$name', ({ replies, kind }) => {
    const tracker = new ReplyTracker();
    for (const request of requests) tracker.register(request);
    const problems = replies.map((reply) => tracker.accept(reply)).filter((problem) => problem !== undefined);
    expect(problems.map((problem) => problem.kind)).toEqual(kind ? [kind] : []);
  });

  test('reusing a live id is a harness bug, not a protocol error', () => {
    const tracker = new ReplyTracker();
    tracker.register({ type: 'settle', id: 7 });
    expect(() => tracker.register({ type: 'inspect', id: 7 })).toThrow(/harness bug/);
  });
});

test('a reply for an unknown id names a few of the open ids, then how many more, however many wait', () => {
  const tracker = new ReplyTracker();
  for (let id = 0; id < 100_000; id++) tracker.register({ type: 'call', id, process: 'C', call: { op: 'accept', fd: 3 } });
  const problem = tracker.accept({ type: 'ack', id: 500_000 });
  expect(problem?.kind).toBe('unknown-id');
  expect(problem?.expected).toBe('a reply to one of the 100000 request ids awaiting one (0, 1, 2, 3, 4, 5, 6, 7, … and 99992 more)');
});
