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
const TIMEOUT_MS = 600;

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
