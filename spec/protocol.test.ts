/**
 * Why this test? PROTOCOL.md is written for strangers implementing the
 * protocol in another language: its examples are what they will copy. Every
 * example must be a message the schemas accept, the example session must obey
 * WIRE-ONE-REPLY, and every section and error kind the harness cites must
 * exist in the document.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { PROTOCOL_ERROR_KINDS } from '../harness/drive/protocol-error.ts';
import type { Implementation } from '../harness/drive/driver.ts';
import { ReplyTracker } from '../harness/drive/reply-tracker.ts';
import { ERROR_CODE_NAMES } from './errors.ts';
import { Fault, MAX_LINE_BYTES, Reply, Request } from './messages.ts';

const doc = readFileSync(new URL('./PROTOCOL.md', import.meta.url), 'utf8');

function blocks(language: string): string[] {
  return [...doc.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((match) => match[1]!);
}

function section(name: string): string {
  const start = doc.indexOf(`<a id="${name}"></a>`);
  const end = doc.indexOf('<a id=', start + 1);
  return doc.slice(start, end === -1 ? undefined : end);
}

describe('PROTOCOL.md', () => {
  const examples = blocks('json');

  test('has JSON examples', () => {
    expect(examples.length).toBeGreaterThan(25);
  });

  test.each(examples.map((text, index) => ({ index, text, first: text.replace(/\s+/g, ' ').slice(0, 70) })))(
    'example $index is a valid request or reply: $first',
    ({ text }) => {
      const message: unknown = JSON.parse(text);
      const asRequest = Request.safeParse(message);
      const asReply = Reply.safeParse(message);
      expect(asRequest.success || asReply.success, JSON.stringify([asRequest.error?.issues, asReply.error?.issues])).toBe(true);
    },
  );

  test('the example session is valid line by line and gives every request exactly one final reply', () => {
    const session = blocks('text').find((block) => block.startsWith('→ '));
    expect(session).toBeDefined();
    const tracker = new ReplyTracker();
    for (const line of session!.trimEnd().split('\n')) {
      const json: unknown = JSON.parse(line.slice(2));
      if (line.startsWith('→ ')) {
        tracker.register(Request.parse(json));
      } else {
        expect(line.startsWith('← ')).toBe(true);
        expect(tracker.accept(Reply.parse(json))).toBeUndefined();
      }
      expect(Buffer.byteLength(line.slice(2))).toBeLessThanOrEqual(MAX_LINE_BYTES);
    }
    expect(tracker.openCount).toBe(0);
  });

  test.each(Object.entries(PROTOCOL_ERROR_KINDS))('harness error kind %s is documented in its section', (kind, info) => {
    expect(section('harness-errors')).toContain(`| \`${kind}\` |`);
    expect(doc).toContain(`<a id="${info.section}"></a>`);
  });

  test.each(['framing', 'ids', 'replies', 'lifecycle', 'hello', 'reset', 'call', 'batch', 'handshake', 'resume', 'settle', 'tick', 'fault', 'inspect', 'bye', 'error', 'timeouts', 'in-process', 'harness-errors', 'example'])(
    'section §%s exists and is linked from the contents',
    (name) => {
      expect(doc).toContain(`<a id="${name}"></a>\n## §${name}`);
      expect(doc).toContain(`[§${name}](#${name})`);
    },
  );

  test('§call lists every error code', () => {
    for (const code of ERROR_CODE_NAMES) expect(section('call')).toContain(`\`${code}\``);
  });

  test('§fault lists every fault kind', () => {
    for (const option of Fault.options) expect(section('fault')).toContain(`"kind":"${option.shape.kind.value}"`);
  });

  // The schemas are normative, but people read the prose: every field of every message must be
  // named (in backquotes) in a table of the section that defines the message — or, for a socket
  // call inside a batch or an event, of §call, whose table of ops they refer to.
  const SECTIONS_OF_REPLY: Record<string, string[]> = {
    hello: ['hello'], ack: ['ids'], result: ['call'], event: ['handshake', 'call'], held: ['handshake'], done: ['handshake'],
    settled: ['settle'], inspection: ['inspect'], error: ['error'],
  };
  const typeOf = (schema: { shape: { type: { value: unknown } } }): string => String(schema.shape.type.value);
  const messages = [
    ...Request.options.map((schema) => ({ kind: 'request', type: typeOf(schema), schema, at: typeOf(schema) === 'batch' ? ['batch', 'call'] : [typeOf(schema)] })),
    ...Reply.options.map((schema) => ({ kind: 'reply', type: typeOf(schema), schema, at: SECTIONS_OF_REPLY[typeOf(schema)]! })),
  ];
  test.each(messages)('every field of the $type $kind is in a field table of §$at', ({ schema, at }) => {
    const named = new Set<string>();
    for (const line of at.flatMap((name) => section(name).split('\n'))) {
      if (!line.startsWith('|')) continue;
      for (const [, token] of line.matchAll(/`([^`]+)`/g)) for (const [word] of token!.matchAll(/[A-Za-z][A-Za-z0-9]*/g)) named.add(word);
    }
    const missing = fieldNames(schema).filter((name) => !named.has(name));
    expect(missing).toEqual([]);
  });

  test('§framing states the line limit', () => {
    expect(section('framing')).toContain(MAX_LINE_BYTES.toLocaleString('en').replace(/,/g, ' '));
  });
});

// The session is not invented: the reference model, which takes the canonical
// choice everywhere (lowest descriptor, lowest port, every readable byte),
// must write exactly its replies, but for its own name and capabilities and
// the order of lists the protocol leaves free.
const REFERENCE = new URL('../harness/drive/reference-implementation.ts', import.meta.url);

test.skipIf(!existsSync(REFERENCE))('the reference implementation writes the example session\'s replies', async () => {
  const { createReferenceImplementation } = (await import(REFERENCE.href)) as { createReferenceImplementation: () => Implementation };
  const implementation = createReferenceImplementation();
  const session = blocks('text').find((block) => block.startsWith('→ '))!;
  const lines = session.trimEnd().split('\n');
  const expected: unknown[] = [];
  const actual: unknown[] = [];
  for (const line of lines) {
    const message = JSON.parse(line.slice(2)) as Request;
    if (line.startsWith('← ')) expected.push(normalise(message as unknown as Reply));
    else implementation.handle(message, (reply) => actual.push(normalise(reply)));
  }
  expect(actual).toEqual(expected);
});

/** The names of every field of a message below `type` and `id`, at any depth, from its zod schema. */
function fieldNames(schema: unknown, top = true): string[] {
  const def = (schema as { _zod: { def: Record<string, unknown> } })._zod.def;
  switch (def.type) {
    case 'object':
      return Object.entries(def.shape as Record<string, unknown>).flatMap(([name, field]) =>
        top && (name === 'type' || name === 'id') ? [] : [name, ...fieldNames(field, false)],
      );
    case 'array':
      return fieldNames(def.element, false);
    case 'tuple':
      return (def.items as unknown[]).flatMap((item) => fieldNames(item, false));
    case 'union':
      return (def.options as unknown[]).flatMap((option) => fieldNames(option, false));
    case 'optional':
    case 'nullable':
      return fieldNames(def.innerType, false);
    default:
      return [];
  }
}

function normalise(reply: Reply): unknown {
  if (reply.type === 'hello') return { type: reply.type, id: reply.id, version: reply.version };
  if (reply.type !== 'inspection') return reply;
  const key = (entry: object): string => JSON.stringify(entry);
  const { ports } = reply.state;
  return { ...reply, state: { ...reply.state, ports: { net: [...ports.net].sort((a, b) => key(a).localeCompare(key(b))), dss: [...ports.dss].sort((a, b) => key(a).localeCompare(key(b))) } } };
}
