/**
 * Why this test? checkReply takes a shortcut past zod for `result`, `ack` and
 * `settled` replies, for speed. A shortcut that accepted one message the schema rejects would let
 * a broken implementation through, so the two must agree on everything,
 * including near misses.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { Reply } from '../../spec/messages.ts';
import { checkReply, loneSurrogate, MAX_NESTING_DEPTH, nestingBeyond } from './reply-schema.ts';

const address = fc.oneof(
  fc.record({ host: fc.constantFrom('srv', 'cli', ''), port: fc.integer({ min: -1, max: 70000 }) }),
  fc.record({ stg: fc.integer({ min: -1, max: 3 }), port: fc.integer({ min: 0, max: 65536 }) }),
  fc.record({ host: fc.constant('srv'), stg: fc.constant(1), port: fc.constant(1) }),
);
const anything = fc.oneof(
  fc.integer({ min: -2, max: 70000 }),
  fc.double(),
  fc.constantFrom('', '6869', '68x9', 'ABCD', 'abc', null, true, [] as unknown[]),
  address,
  fc.constant(null),
);
const fieldValue: Record<string, fc.Arbitrary<unknown>> = {
  fd: fc.oneof(fc.integer({ min: -1, max: 2 ** 31 }), anything),
  peer: fc.oneof(address, anything),
  local: fc.oneof(address, fc.constant(null), anything),
  sent: fc.oneof(fc.integer({ min: -1, max: 100 }), anything),
  data: fc.oneof(fc.constantFrom('', '6869', '00ff'), anything),
  extra: anything,
};
const value = fc
  .subarray(Object.keys(fieldValue), { maxLength: 3 })
  .chain((keys) => fc.record(Object.fromEntries(keys.map((key) => [key, fieldValue[key]!]))));
const outcome = fc.oneof(
  value.map((v) => ({ value: v })),
  fc.constantFrom('EBADF', 'EPIPE', 'ENOPE', '', 3).map((error) => ({ error })),
  fc.record({ value, error: fc.constant('EBADF') }),
  anything,
);
const requestId = fc.oneof(fc.nat(), fc.constantFrom(-1, 1.5, '3', Number.MAX_SAFE_INTEGER + 2));
const message = fc.record(
  {
    type: fc.constantFrom('result', 'result', 'result', 'ack', 'settled', 'settled'),
    id: requestId,
    outcome,
    pending: fc.oneof(fc.array(requestId, { maxLength: 4 }), fc.array(fc.nat(), { maxLength: 4 }), anything),
    extra: anything,
  },
  { requiredKeys: ['type', 'id'] },
);

test('checkReply accepts exactly what Reply.safeParse accepts', () => {
  fc.assert(
    fc.property(message, (m) => {
      const roundTripped = JSON.parse(JSON.stringify(m)) as Record<string, unknown>;
      expect(checkReply(roundTripped).success).toBe(Reply.safeParse(roundTripped).success);
    }),
    { numRuns: 5000 },
  );
});

test.each([
  { type: 'result', id: 1, outcome: { value: { fd: 3 } } },
  { type: 'result', id: 1, outcome: { value: { fd: 3, peer: { host: 'cli', port: 40000 } } } },
  { type: 'result', id: 1, outcome: { value: { local: null } } },
  { type: 'result', id: 1, outcome: { value: { sent: 2 } } },
  { type: 'result', id: 1, outcome: { value: { data: '' } } },
  { type: 'result', id: 1, outcome: { value: {} } },
  { type: 'result', id: 1, outcome: { error: 'ECONNREFUSED' } },
  { type: 'ack', id: 0 },
  { type: 'settled', id: 9, pending: [] },
  { type: 'settled', id: 9, pending: [3, 5] },
])('a valid result, ack or settled passes: %j', (m) => {
  expect(checkReply(m).success).toBe(true);
});

/**
 * Why these tests? JSON.parse does not recurse, but everything after it may (zod, a message
 * quoting the value, JSON.stringify): a line nested 100 000 levels deep crashed the harness with
 * a stack overflow, which exits 1 and reads as a non-conformance. The depth is checked on the
 * text before parsing. A lone surrogate in a string has no UTF-8 form: it is found after parsing.
 */
describe('nestingBeyond', () => {
  test('the deepest real replies pass', () => {
    expect(nestingBeyond('{"type":"inspection","id":1,"state":{"processes":[{"sockets":[{"local":{"host":"srv","port":1}}]}]}}')).toBe(-1);
  });
  test('one level past the limit is found where it opens', () => {
    const line = '['.repeat(MAX_NESTING_DEPTH + 1) + ']'.repeat(MAX_NESTING_DEPTH + 1);
    expect(nestingBeyond(line)).toBe(MAX_NESTING_DEPTH);
    expect(nestingBeyond('['.repeat(MAX_NESTING_DEPTH) + ']'.repeat(MAX_NESTING_DEPTH))).toBe(-1);
  });
  test('brackets inside strings, escaped quotes included, do not count', () => {
    const inString = JSON.stringify({ name: '"[{'.repeat(100) + '\\' });
    expect(nestingBeyond(inString)).toBe(-1);
  });
  test('100 000 levels: found at once, and on text only', () => {
    const line = `{"type":${'['.repeat(100_000)}${']'.repeat(100_000)},"id":1}`;
    expect(nestingBeyond(line)).toBe(8 + MAX_NESTING_DEPTH - 1);
  });
});

describe('loneSurrogate', () => {
  const check = (line: string) => loneSurrogate(line, JSON.parse(line));
  test('a lone surrogate escape in a value or a key is found, with its path', () => {
    expect(check('{"type":"hello","name":"x\\ud800y"}')).toEqual({ path: 'name', code: 0xd800 });
    expect(check('{"a":[{"b":"\\udfff"}]}')).toEqual({ path: 'a.0.b', code: 0xdfff });
    expect(check('{"\\udc00":1}')).toEqual({ path: '(key)', code: 0xdc00 });
  });
  test('a well-formed pair, written as escapes or as itself, is fine', () => {
    expect(check('{"name":"\\ud83d\\ude00"}')).toBeUndefined();
    expect(check('{"name":"🙂 \\\\ud800"}')).toBeUndefined();
  });
});

test('PROTOCOL.md §framing states the nesting bound the harness enforces', () => {
  const protocol = readFileSync('spec/PROTOCOL.md', 'utf8');
  expect(protocol).toContain(`\`MAX_NESTING_DEPTH\` = ${MAX_NESTING_DEPTH}`);
});
