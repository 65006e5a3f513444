/**
 * PLACEHOLDER for the check engine (the real one runs the properties, checks
 * against the model, shrinks and reports). Until it lands, `runCheck` proves
 * the wire end to end: it starts the implementation, checks hello, then
 * walks reset(DEFAULT_CONFIG) → settle → inspect → bye, and maps what went
 * wrong to an exit code: 0 fine, 2 usage, 3 the wire protocol was broken.
 */
import { DEFAULT_CONFIG } from '../spec/config.ts';
import { describeCapabilities } from './capabilities.ts';
import { exchange, type Driver } from './driver.ts';
import { createDriver } from './drivers.ts';
import { EXIT, type CheckOptions, type Output, type ReplayOptions } from './options.ts';
import { ProtocolError } from './protocol-error.ts';
import { UsageError } from './usage-error.ts';
import type { Reply, Request } from '../spec/messages.ts';

export async function runCheck(options: CheckOptions, output: Output): Promise<number> {
  const driver = createDriver(options.impl, { timeoutMs: options.timeoutMs });
  try {
    const hello = await driver.start();
    output.out(`dualsock: ${driver.describe} is "${hello.name}", protocol v${hello.version}\n`);
    output.out(describeCapabilities(hello.capabilities));
    await expectReply(driver, { type: 'reset', id: driver.nextId(), config: DEFAULT_CONFIG }, 'ack');
    const settled = await expectReply(driver, { type: 'settle', id: driver.nextId() }, 'settled');
    if (settled.type === 'settled' && settled.pending.length > 0) {
      throw new ProtocolError({
        kind: 'wrong-reply',
        section: 'settle',
        arrived: JSON.stringify(settled),
        expected: 'settled with no pending ids: nothing was sent that could block',
      });
    }
    await expectReply(driver, { type: 'inspect', id: driver.nextId() }, 'inspection');
    await driver.stop();
    if (driver.broken) throw driver.broken;
    output.out('dualsock: hello, reset, settle, inspect and bye were answered correctly.\n');
    output.out('dualsock: the property checks are not wired in yet; this run checked the wire protocol only.\n');
    return EXIT.conforms;
  } catch (error) {
    await driver.stop();
    if (error instanceof ProtocolError) {
      output.err(error.message + '\n');
      return EXIT.protocol;
    }
    if (error instanceof UsageError) {
      output.err(`dualsock: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}

export async function runReplay(_options: ReplayOptions, output: Output): Promise<number> {
  output.err('dualsock replay: not implemented yet.\n');
  return EXIT.usage;
}

/** Sends a request and insists on its final reply type (an `error` reply is a protocol error here). */
async function expectReply(driver: Driver, request: Request, type: Reply['type']): Promise<Reply> {
  const reply = await exchange(driver, request);
  if (reply.type !== type) {
    throw new ProtocolError({
      kind: 'wrong-reply',
      section: request.type,
      arrived: JSON.stringify(reply).slice(0, 200),
      expected: `a \`${type}\` reply to \`${request.type}\`, which every implementation must support`,
    });
  }
  return reply;
}
