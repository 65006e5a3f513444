/**
 * A session with one implementation: requests with fresh ids over a Driver,
 * and the answers that arrive between two settles, kept in arrival order for
 * the checker. Protocol messages wait for their final reply (the driver
 * bounds them in wall-clock time); calls and handshakes are fire-and-forget,
 * their answers collected until the next settle.
 */
import type { Fault, HelloReply, Inspection, Op, Reply, Request, Role, RoleParams } from '../../spec/messages.ts';
import type { WorldConfig } from '../../spec/config.ts';
import { exchange, type Driver } from './driver.ts';
import { ProtocolError } from './protocol-error.ts';

export interface Settled {
  readonly pending: readonly number[];
  /** Results, events, held and done messages since the previous settle, in arrival order. */
  readonly replies: readonly Reply[];
}

const ASYNC_REPLIES = new Set(['result', 'event', 'held', 'done']);

export class Session {
  private replies: Reply[] = [];
  /** Calls and handshakes sent: an `error` answer to one of them is a refusal of the mandatory core. */
  private readonly sentAsync = new Set<number>();
  private refused: Reply | null = null;
  readonly off: () => void;
  /** Protocol messages sent, for the benchmark's messages/s. */
  messages = 0;

  constructor(readonly driver: Driver, readonly hello: HelloReply) {
    this.off = driver.onReply((reply) => {
      if (ASYNC_REPLIES.has(reply.type)) this.replies.push(reply);
      else if (reply.type === 'error' && this.sentAsync.has(reply.id)) this.refused ??= reply;
    });
  }

  private async request(request: Request, expected: Reply['type']): Promise<Reply> {
    this.messages += 1;
    const reply = await exchange(this.driver, request);
    if (reply.type !== expected) {
      throw new ProtocolError({
        kind: 'wrong-reply',
        section: request.type,
        arrived: JSON.stringify(reply).slice(0, 200),
        expected: `a \`${expected}\` reply to \`${request.type}\``,
      });
    }
    return reply;
  }

  async reset(config: WorldConfig): Promise<void> {
    await this.request({ type: 'reset', id: this.driver.nextId(), config }, 'ack');
    // Answers to the previous run's calls may arrive until reset's ack (PROTOCOL.md §reset): none belongs to the new run.
    this.replies = [];
    this.sentAsync.clear();
    this.refused = null;
  }

  /** Sends one call; its answer arrives by the next settle (or later, if it blocks). */
  call(process: string, call: Op): number {
    const id = this.driver.nextId();
    this.messages += 1;
    this.sentAsync.add(id);
    this.driver.send({ type: 'call', id, process, call });
    return id;
  }

  /** Sends calls of different processes as one batch: started without awaiting each other. */
  async batch(calls: readonly { process: string; call: Op }[]): Promise<number[]> {
    const withIds = calls.map((c) => ({ id: this.driver.nextId(), process: c.process, call: c.call }));
    for (const c of withIds) this.sentAsync.add(c.id);
    await this.request({ type: 'batch', id: this.driver.nextId(), calls: withIds }, 'ack');
    return withIds.map((c) => c.id);
  }

  handshake(process: string, role: Role, params: RoleParams, hold: readonly string[]): number {
    const id = this.driver.nextId();
    this.messages += 1;
    this.sentAsync.add(id);
    this.driver.send({ type: 'handshake', id, process, role, params, hold: [...hold] });
    return id;
  }

  async resume(handshake: number): Promise<void> {
    await this.request({ type: 'resume', id: this.driver.nextId(), handshake }, 'ack');
  }

  async tick(ticks = 1): Promise<void> {
    await this.request({ type: 'tick', id: this.driver.nextId(), ticks }, 'ack');
  }

  /** Injects a fault; false when the implementation answered `unsupported`. */
  async fault(fault: Fault): Promise<boolean> {
    this.messages += 1;
    const reply = await exchange(this.driver, { type: 'fault', id: this.driver.nextId(), fault });
    if (reply.type === 'ack') return true;
    if (reply.type === 'error' && reply.code === 'unsupported') return false;
    throw new ProtocolError({
      kind: 'wrong-reply',
      section: 'fault',
      arrived: JSON.stringify(reply).slice(0, 200),
      expected: 'an `ack` reply to `fault` (or `error` with code "unsupported")',
    });
  }

  async settle(): Promise<Settled> {
    const reply = await this.request({ type: 'settle', id: this.driver.nextId() }, 'settled');
    if (this.refused) {
      throw new ProtocolError({
        kind: 'wrong-reply',
        section: 'call',
        arrived: JSON.stringify(this.refused).slice(0, 200),
        expected: 'a `result` (or, for a handshake, `event`s and `done`): socket calls are the mandatory core, and the harness sends a handshake only for a role hello declared',
      });
    }
    const replies = this.replies;
    this.replies = [];
    return { pending: (reply as Extract<Reply, { type: 'settled' }>).pending, replies };
  }

  async inspect(): Promise<Inspection> {
    const reply = await this.request({ type: 'inspect', id: this.driver.nextId() }, 'inspection');
    return (reply as Extract<Reply, { type: 'inspection' }>).state;
  }
}
