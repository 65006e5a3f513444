/**
 * Reply validation, once per message, fast on the hot path.
 *
 * `ack` and `settled`, the commonest replies after `result`, are checked by hand too: their
 * keys, and each id with the schema's own id check.
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

/** Exactly these keys, in any order. */
function hasKeys(message: Record<string, unknown>, keys: readonly string[]): boolean {
  let count = 0;
  for (const key in message) {
    if (!keys.includes(key)) return false;
    count++;
  }
  return count === keys.length;
}

const isRequestId = (id: unknown): boolean => REQUEST_ID.safeParse(id).success;

/** True only if the message is a `result` the Reply schema accepts. */
function fastResult(message: Record<string, unknown>): boolean {
  if (!hasKeys(message, ['type', 'id', 'outcome']) || !isRequestId(message.id)) return false;
  const outcome = message.outcome;
  if (!isPlainObject(outcome)) return false;
  const kind = onlyKey(outcome);
  if (kind === 'error') return ErrorCode.safeParse(outcome.error).success;
  if (kind !== 'value' || !isPlainObject(outcome.value)) return false;
  const members = VALUE_BY_KEYS.get(Object.keys(outcome.value).sort().join(','));
  return members !== undefined && members.some((member) => member.safeParse(outcome.value).success);
}

/** True only if the message is an `ack` or a `settled` the Reply schema accepts (the two commonest after `result`). */
function fastAckOrSettled(message: Record<string, unknown>): boolean {
  if (message.type === 'ack') return hasKeys(message, ['type', 'id']) && isRequestId(message.id);
  return hasKeys(message, ['type', 'id', 'pending']) && isRequestId(message.id) && Array.isArray(message.pending) && message.pending.every(isRequestId);
}

export type ReplyCheck = { success: true; data: Reply } | { success: false; error: z.ZodError };

/** Validates a parsed JSON object against the Reply schema. */
export function checkReply(message: Record<string, unknown>): ReplyCheck {
  const fast = message.type === 'result' ? fastResult(message) : (message.type === 'ack' || message.type === 'settled') && fastAckOrSettled(message);
  if (fast) return { success: true, data: message as unknown as Reply };
  return Reply.safeParse(message);
}

// ── bounds checked before and after JSON.parse ───────────────────────────

/**
 * How deeply arrays and objects may nest in one line (PROTOCOL.md §framing). The deepest
 * reply the schema allows nests 7 levels (an inspection's socket address); 64 leaves room
 * and keeps every walk over a reply, and every message quoting one, shallow. JSON.parse
 * itself does not recurse, but JSON.stringify, zod and any recursive walk do: a reply
 * nested 100 000 levels deep would overflow the stack.
 */
export const MAX_NESTING_DEPTH = 64;

/**
 * Where in `line` the nesting of arrays and objects first passes `depthMax`, or -1. A plain
 * scan of the text, so it is safe on any input: brackets inside strings do not count.
 */
export function nestingBeyond(line: string, depthMax = MAX_NESTING_DEPTH): number {
  // A line shorter than the limit cannot open more brackets than it has characters.
  if (line.length <= depthMax) return -1;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (inString) {
      if (code === 0x5c) i++; // a backslash escapes the next character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x5b || code === 0x7b) {
      if (++depth > depthMax) return i;
    } else if (code === 0x5d || code === 0x7d) depth--;
  }
  return -1;
}

/** A string in a parsed message that holds an unpaired surrogate: where it is and which. */
export interface LoneSurrogate {
  /** The path to the string (keys and indices), "(key)" appended when the key itself is the one. */
  readonly path: string;
  readonly code: number;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** The only way a lone surrogate reaches a line that is valid UTF-8: a \u escape in the range D800–DFFF. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * The first string (or key) of a parsed line that holds an unpaired surrogate. Such a string
 * has no UTF-8 form, so it cannot have been meant: JSON text is UTF-8 (RFC 8259 §8.1). `line`
 * is the text the value was parsed from; lines without a surrogate escape are not walked.
 * The value must already be known to nest at most MAX_NESTING_DEPTH levels.
 */
export function loneSurrogate(line: string, value: unknown): LoneSurrogate | undefined {
  if (!SURROGATE_ESCAPE.test(line)) return undefined;
  const stack: { node: unknown; path: string }[] = [{ node: value, path: '' }];
  const found = (text: string, path: string): LoneSurrogate | undefined => {
    const match = LONE_SURROGATE.exec(text);
    return match ? { path: path || '(the message)', code: match[0].charCodeAt(0) } : undefined;
  };
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (typeof node === 'string') {
      const hit = found(node, path);
      if (hit) return hit;
    } else if (Array.isArray(node)) {
      node.forEach((item, index) => stack.push({ node: item, path: path ? `${path}.${index}` : String(index) }));
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, item] of Object.entries(node)) {
        const keyHit = found(key, `${path ? `${path}.` : ''}(key)`);
        if (keyHit) return keyHit;
        stack.push({ node: item, path: path ? `${path}.${key}` : key });
      }
    }
  }
  return undefined;
}
