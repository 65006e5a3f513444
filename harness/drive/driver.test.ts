/**
 * Why this test? The two drivers must be indistinguishable to the harness:
 * one implementation judged in-process and as a subprocess has to get the
 * same verdict, or a team would see different results depending on how it
 * plugs in. Each scripted behaviour (fixtures/misbehaving/scripted) breaks one
 * rule of PROTOCOL.md and runs through both drivers.
 */
import { describe, expect, test } from 'vitest';
import { DEFAULT_CONFIG } from '../../spec/config.ts';
import type { Reply } from '../../spec/messages.ts';
import { createScripted } from '../../fixtures/misbehaving/scripted/behaviours.mjs';
import { exchange, type Driver, type Implementation } from './driver.ts';
import { InProcessDriver } from './inprocess.ts';
import { ProtocolError } from './protocol-error.ts';
import { SubprocessDriver } from './subprocess.ts';

const SCRIPTED = 'fixtures/misbehaving/scripted/main.mjs';
/** The protocol-message limit: long enough that no reply a busy machine merely delays is taken for silence. */
const TIMEOUT_MS = 10_000;

const TRANSPORTS = {
  'in-process': (behaviour: string): Driver =>
    new InProcessDriver({
      timeoutMs: TIMEOUT_MS,
      module: (): Implementation => {
        const scripted = createScripted(behaviour);
        return {
          handle: (request, reply) =>
            scripted.handle(request, (message) => reply(message as Reply), (line) => reply(JSON.parse(line) as Reply)),
        };
      },
    }),
  subprocess: (behaviour: string): Driver =>
    new SubprocessDriver({ timeoutMs: TIMEOUT_MS, command: { argv: [process.execPath, SCRIPTED, behaviour] } }),
};
type Transport = keyof typeof TRANSPORTS;

/** hello, reset, settle, inspect, bye: what the placeholder engine does. Returns the protocol error, if any. */
async function converse(driver: Driver): Promise<ProtocolError | undefined> {
  try {
    await driver.start();
    await exchange(driver, { type: 'reset', id: driver.nextId(), config: DEFAULT_CONFIG });
    await exchange(driver, { type: 'settle', id: driver.nextId() });
    await exchange(driver, { type: 'inspect', id: driver.nextId() });
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
  }
  await driver.stop();
  return driver.broken;
}

const CASES: { behaviour: string; kind?: string; section?: string; only?: Transport }[] = [
  { behaviour: 'good' },
  { behaviour: 'hello-wrong-id', kind: 'unknown-id', section: 'ids' },
  { behaviour: 'hello-no-capabilities', kind: 'schema', section: 'hello' },
  { behaviour: 'hello-net-only', kind: 'missing-core', section: 'hello' },
  { behaviour: 'hello-version-2', kind: 'version', section: 'hello' },
  { behaviour: 'hello-ack', kind: 'wrong-reply', section: 'ids' },
  { behaviour: 'reset-twice', kind: 'duplicate-reply', section: 'ids' },
  { behaviour: 'settle-array', kind: 'schema', section: 'framing' },
  { behaviour: 'settle-silent', kind: 'timeout', section: 'timeouts' },
  { behaviour: 'inspect-bad-cbt', kind: 'schema', section: 'inspect' },
  // Only a process can fail to exit.
  { behaviour: 'bye-no-exit', kind: 'timeout', section: 'lifecycle', only: 'subprocess' },
];

describe.each(Object.keys(TRANSPORTS) as Transport[])('%s driver', (transport) => {
  test.concurrent.each(CASES.filter((c) => !c.only || c.only === transport))('$behaviour', async ({ behaviour, kind, section }) => {
    const error = await converse(TRANSPORTS[transport](behaviour));
    expect(error?.kind).toBe(kind);
    if (section) expect(error?.section).toBe(`PROTOCOL.md §${section}`);
  });

  test('replies may overtake each other; settle lists what still blocks', async () => {
    const driver = TRANSPORTS[transport]('good');
    await driver.start();
    await exchange(driver, { type: 'reset', id: driver.nextId(), config: DEFAULT_CONFIG });
    const order: number[] = [];
    driver.onReply((reply) => order.push(reply.id));
    const slow = { type: 'call', id: driver.nextId(), process: 'C', call: { op: 'recv', fd: 3, max: 200 } } as const;
    const fast = { type: 'call', id: driver.nextId(), process: 'S', call: { op: 'recv', fd: 3, max: 1 } } as const;
    const replies = Promise.all([exchange(driver, slow), exchange(driver, fast)]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const settled = await exchange(driver, { type: 'settle', id: driver.nextId() });
    expect(settled).toMatchObject({ type: 'settled', pending: [slow.id] });
    await replies;
    expect(order.filter((id) => id === slow.id || id === fast.id)).toEqual([fast.id, slow.id]);
    await driver.stop();
    expect(driver.broken).toBeUndefined();
  });
});

describe('in-process driver specifics', () => {
  const start = async (implementation: Implementation | (() => never)): Promise<ProtocolError | undefined> => {
    const driver = new InProcessDriver({ timeoutMs: TIMEOUT_MS, module: typeof implementation === 'function' ? implementation : () => implementation });
    return converse(driver);
  };
  const hello = (id: number): Reply => ({ type: 'hello', id, version: 1, name: 't', capabilities: { families: ['net', 'dss'], handshakes: [], faults: [] } });

  test.each<{ name: string; implementation: Implementation | (() => never); kind: string; phrase: RegExp }>([
    { name: 'a factory that throws', implementation: () => { throw new Error('no licence'); }, kind: 'exit', phrase: /factory threw Error: no licence/ },
    { name: 'handle that throws', implementation: { handle: () => { throw new TypeError('oops'); } }, kind: 'exit', phrase: /handle\(\) threw TypeError: oops on a `hello`/ },
    {
      name: 'a reply holding a bigint',
      implementation: { handle: (request, reply) => reply({ ...hello(request.id), version: 1n } as unknown as Reply) },
      kind: 'not-json',
      phrase: /cannot serialise/,
    },
  ])('$name', async ({ implementation, kind, phrase }) => {
    const error = await start(implementation);
    expect(error?.kind).toBe(kind);
    expect(error?.message).toMatch(phrase);
  });

  test('requests are copies: an implementation cannot change what the harness sent', async () => {
    const config = structuredClone(DEFAULT_CONFIG);
    const driver = new InProcessDriver({
      module: () => ({
        handle: (request, reply) => {
          if (request.type === 'reset') request.config.cbt.capacity = 1;
          reply(request.type === 'hello' ? hello(request.id) : { type: 'ack', id: request.id });
        },
      }),
    });
    await driver.start();
    await exchange(driver, { type: 'reset', id: driver.nextId(), config });
    expect(config).toEqual(DEFAULT_CONFIG);
    await driver.stop();
  });

  test('replies are never delivered inside send()', async () => {
    const driver = new InProcessDriver({
      module: () => ({ handle: (request, reply) => reply(request.type === 'hello' ? hello(request.id) : { type: 'ack', id: request.id }) }),
    });
    await driver.start();
    let delivered = false;
    driver.onReply(() => (delivered = true));
    driver.send({ type: 'tick', id: driver.nextId(), ticks: 1 });
    expect(delivered).toBe(false);
    await Promise.resolve();
    expect(delivered).toBe(true);
    await driver.stop();
  });
});

/**
 * Why these tests? An implementation's output is untrusted. Whatever one line holds — a reply
 * nested 100 000 levels deep, a 1 MB `type`, bytes that are not UTF-8, a lone surrogate, terminal
 * escape sequences — the harness must answer with a protocol error (exit 3) whose message is of
 * bounded size and safe to print, never crash (a stack overflow exits 1, which reads as a
 * non-conformance). Each row runs as a subprocess (a fixtures/misbehaving program) and
 * in-process (a factory writing the same reply).
 */
describe('hostile replies: a bounded, printable protocol error from either driver, never a crash', () => {
  /** A value nested `depth` arrays deep, built without recursion. */
  const nested = (depth: number): unknown => {
    let value: unknown = [];
    for (let i = 0; i < depth; i++) value = [value];
    return value;
  };
  const capabilities = { families: ['net', 'dss'], handshakes: [], faults: [] };
  const MESSAGE_CHARS_MAX = 4000;
  // eslint-disable-next-line no-control-regex
  const UNSAFE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\ufffe\uffff]|\p{Cs}/u;

  const answering = (make: (id: number) => unknown): Driver =>
    new InProcessDriver({
      timeoutMs: TIMEOUT_MS,
      module: () => ({ handle: (request, reply) => void (request.type === 'hello' && reply(make(request.id) as Reply)) }),
    });
  const program = (...argv: string[]): Driver =>
    new SubprocessDriver({ timeoutMs: 5_000, command: { argv: [process.execPath, ...argv] } });

  test.concurrent.each<{ name: string; driver: () => Driver; kind: string; section: string; phrases: RegExp[] }>([
    {
      name: 'subprocess: a "type" nested 100 000 levels deep',
      driver: () => program('fixtures/misbehaving/deep-reply/main.mjs', 'type'),
      kind: 'schema',
      section: 'framing',
      phrases: [/nested at most 64 levels deep/, /did not parse it/],
    },
    {
      name: 'subprocess: a hello whose name is nested 100 000 levels deep',
      driver: () => program('fixtures/misbehaving/deep-reply/main.mjs', 'name'),
      kind: 'schema',
      section: 'framing',
      phrases: [/nested at most 64 levels deep/],
    },
    {
      name: 'in-process: a "type" nested 100 000 levels deep',
      driver: () => answering((id) => ({ type: nested(100_000), id })),
      kind: 'not-json',
      section: 'framing',
      phrases: [/cannot serialise/],
    },
    {
      name: 'in-process: a "type" nested 1 000 levels deep',
      driver: () => answering((id) => ({ type: nested(1_000), id })),
      kind: 'schema',
      section: 'framing',
      phrases: [/nested at most 64 levels deep/],
    },
    {
      name: 'subprocess: a 1 MB "type"',
      driver: () => program('fixtures/misbehaving/deep-reply/main.mjs', 'huge-type'),
      kind: 'unknown-type',
      section: 'replies',
      phrases: [/"type" is "tttt.*…"/, /\(1000018 bytes\)/],
    },
    {
      name: 'in-process: a 1 MB "type"',
      driver: () => answering((id) => ({ type: 't'.repeat(1_000_000), id })),
      kind: 'unknown-type',
      section: 'replies',
      phrases: [/"type" is "tttt.*…"/],
    },
    {
      name: 'in-process: a 1 MB key where none is allowed',
      driver: () => answering((id) => ({ type: 'hello', id, version: 1, name: 'x', capabilities, ['k'.repeat(1_000_000)]: 1 })),
      kind: 'schema',
      section: 'hello',
      phrases: [/Unrecognized key/],
    },
    {
      name: 'in-process: a `settled` listing 500 000 pending ids, answering hello',
      driver: () => answering((id) => ({ type: 'settled', id, pending: new Array<number>(500_000).fill(0) })),
      kind: 'wrong-reply',
      section: 'ids',
      phrases: [/arrived: +\{"type":"settled","id":0,"pending":\[0,0,0,.*… \(1000037 bytes\)/],
    },
    {
      name: 'subprocess: bytes that are not UTF-8 inside a string',
      driver: () => program('fixtures/misbehaving/bad-utf8/main.mjs'),
      kind: 'not-json',
      section: 'framing',
      phrases: [/not valid UTF-8: byte 44 of its 119/, /RFC 8259/],
    },
    {
      name: 'subprocess: a lone surrogate written as \\ud800',
      driver: () => program('fixtures/misbehaving/hostile-text/main.mjs', 'surrogate'),
      kind: 'not-json',
      section: 'framing',
      phrases: [/The string at name holds an unpaired surrogate \(U\+D800\), which UTF-8 cannot encode/],
    },
    {
      name: 'in-process: a lone surrogate in the name',
      driver: () => answering((id) => ({ type: 'hello', id, version: 1, name: 'x\ud800y', capabilities })),
      kind: 'not-json',
      section: 'framing',
      phrases: [/The string at name holds an unpaired surrogate \(U\+D800\), which UTF-8 cannot encode/],
    },
    {
      name: 'subprocess: escape sequences as the "type"',
      driver: () => program('fixtures/misbehaving/hostile-text/main.mjs', 'arrived'),
      kind: 'unknown-type',
      section: 'replies',
      phrases: [/"type" is "\\x1b\]52;c;ZXZpbA==\\x07\\x1b\[2J\\x9b31m\\u\{fffe\}"/],
    },
    {
      name: 'in-process: escape sequences as the "type"',
      driver: () => answering((id) => ({ type: '\x1b]52;c;ZXZpbA==\x07\x1b[2J\u009b31m\ufffe', id })),
      kind: 'unknown-type',
      section: 'replies',
      phrases: [/"type" is "\\x1b\]52;c;ZXZpbA==\\x07\\x1b\[2J\\x9b31m\\u\{fffe\}"/],
    },
    {
      name: 'in-process: a hello for version 2 from a hostile name',
      driver: () => answering((id) => ({ type: 'hello', id, version: 2, name: '\x1b[2K\rCONFORMS\u009b', capabilities })),
      kind: 'version',
      section: 'hello',
      phrases: [/version 2 \(from "\\x1b\[2K\\rCONFORMS\\x9b"\)/],
    },
    {
      name: 'subprocess: escape sequences on stderr, then a crash',
      driver: () => program('fixtures/misbehaving/hostile-text/main.mjs', 'crash'),
      kind: 'exit',
      section: 'lifecycle',
      phrases: [/\| panic: \\x1b\]52;c;ZXZpbA==\\x07\n/, /\| \\x1b\[1A\\x1b\[2K\\r {2}CONFORMS \(exit 0\)\n/],
    },
  ])('$name', async ({ driver: make, kind, section, phrases }) => {
    const driver = make();
    const error = await driver.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    await driver.stop();
    expect(error).toBeInstanceOf(ProtocolError);
    const protocolError = error as ProtocolError;
    expect(protocolError.kind).toBe(kind);
    expect(protocolError.section).toBe(`PROTOCOL.md §${section}`);
    for (const phrase of phrases) expect(protocolError.message).toMatch(phrase);
    expect(protocolError.message.length).toBeLessThan(MESSAGE_CHARS_MAX);
    expect(protocolError.message).not.toMatch(UNSAFE);
    expect(protocolError.oneLine).not.toMatch(UNSAFE);
    expect(driver.stderrTail()).not.toMatch(UNSAFE);
  });
});
