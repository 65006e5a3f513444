/**
 * Why this test? checkReply takes a shortcut past zod for `result` replies,
 * for speed. A shortcut that accepted one message the schema rejects would let
 * a broken implementation through, so the two must agree on everything,
 * including near misses.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { Reply } from '../../spec/messages.ts';
import { checkReply } from './reply-schema.ts';

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
const message = fc.record(
  {
    type: fc.constantFrom('result', 'result', 'result', 'ack'),
    id: fc.oneof(fc.nat(), fc.constantFrom(-1, 1.5, '3', Number.MAX_SAFE_INTEGER + 2)),
    outcome,
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
])('a valid result passes: %j', (m) => {
  expect(checkReply(m).success).toBe(true);
});
