/**
 * Reply validation, once per message, fast on the hot path.
 *
 * `Reply.safeParse` is the rule. It is also slow for the commonest reply, a
 * `result`: zod tries the members of the OpValue union in order and builds
 * (then discards) an issue for every member that does not match. So for a
 * `result` the member is picked first by the set of keys its value carries —
 * the members' key sets are read from the schema itself, so nothing is
 * restated here — and only that member is checked. Anything that does not
 * pass the fast path goes through `Reply.safeParse`, which decides and
 * words the error; the fast path can only accept what the schema accepts.
 */
import type { z } from 'zod';
import { ErrorCode, OpValue, Reply } from '../../spec/messages.ts';

type Schema = z.ZodType;

const RESULT = Reply.options.find((option) => option.shape.type.value === 'result')!;
const REQUEST_ID: Schema = RESULT.shape.id;

/** OpValue's members by their sorted key list ("fd,peer", "local", "" …). */
const VALUE_BY_KEYS = new Map<string, Schema[]>();
for (const member of OpValue.options) {
  const keys = Object.keys(member.shape).sort().join(',');
  VALUE_BY_KEYS.set(keys, [...(VALUE_BY_KEYS.get(keys) ?? []), member]);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKey(value: Record<string, unknown>): string | undefined {
  let found: string | undefined;
  for (const key in value) {
    if (found !== undefined) return undefined;
    found = key;
  }
  return found;
}

/** True only if the message is a `result` the Reply schema accepts. */
function fastResult(message: Record<string, unknown>): boolean {
  let keys = 0;
  for (const key in message) {
    if (key !== 'type' && key !== 'id' && key !== 'outcome') return false;
    keys++;
  }
  if (keys !== 3 || !REQUEST_ID.safeParse(message.id).success) return false;
  const outcome = message.outcome;
  if (!isPlainObject(outcome)) return false;
  const kind = onlyKey(outcome);
  if (kind === 'error') return ErrorCode.safeParse(outcome.error).success;
  if (kind !== 'value' || !isPlainObject(outcome.value)) return false;
  const members = VALUE_BY_KEYS.get(Object.keys(outcome.value).sort().join(','));
  return members !== undefined && members.some((member) => member.safeParse(outcome.value).success);
}

export type ReplyCheck = { success: true; data: Reply } | { success: false; error: z.ZodError };

/** Validates a parsed JSON object against the Reply schema. */
export function checkReply(message: Record<string, unknown>): ReplyCheck {
  if (message.type === 'result' && fastResult(message)) return { success: true, data: message as unknown as Reply };
  return Reply.safeParse(message);
}
