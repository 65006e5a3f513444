/**
 * A session with one implementation: requests with fresh ids over a Driver,
 * and the answers that arrive between two settles, kept in arrival order for
 * the checker. Protocol messages wait for their final reply (the driver
 * bounds them in wall-clock time); calls and handshakes are fire-and-forget,
 * their answers collected until the next settle.
 *
 * Settle is judged by order of arrival, never by timing. `settled` promises that
 * every answer that could come has come; so an answer that arrives after
 * `settled` and before the harness has sent anything that could cause it —
 * in the same write, the same turn of the implementation's event loop, or any
 * time later — proves that settle was answered too early (CLOCK-SETTLE-EXACT).
 * Such answers are set apart as `early` evidence, whatever the timing of the bytes.
 */
import type { Fault, HelloReply, Inspection, Op, Reply, Request, Role, RoleParams } from '../../spec/messages.ts';
import type { WorldConfig } from '../../spec/config.ts';
import { exchange, type Driver } from './driver.ts';
import { ProtocolError } from './protocol-error.ts';
import { preview } from './untrusted.ts';

export interface Settled {
  readonly pending: readonly number[];
  /** Results, events, held and done messages that arrived before `settled`, in arrival order. */
  readonly replies: readonly Reply[];
  /**
   * Answers that arrived after an earlier `settled` with nothing sent since that could cause
   * them: each one is proof that settle was answered too early. Empty for an exact settle.
   */
  readonly early: readonly Reply[];
}

/** Requests after which new answers may legitimately come (settle and inspect cause none). */
const CAUSES_ANSWERS: ReadonlySet<Request['type']> = new Set(['call', 'batch', 'handshake', 'resume', 'tick', 'fault', 'reset']);

const ASYNC_REPLIES = new Set(['result', 'event', 'held', 'done']);

export class Session {
  private replies: Reply[] = [];
  /** Answers proving an early settle, kept for the next settle to report. */
  private early: Reply[] = [];
  /** A `settled` has arrived and nothing that could cause an answer has been sent since. */
  private quiet = false;
  /** The id of the settle request whose `settled` is awaited, if any. */
  private settling: number | null = null;
  /** Calls and handshakes sent: an `error` answer to one of them is a refusal of the mandatory core. */
  private readonly sentAsync = new Set<number>();
  private refused: Reply | null = null;
  readonly off: () => void;
  /** Protocol messages sent, for the benchmark's messages/s. */
  messages = 0;

  constructor(readonly driver: Driver, readonly hello: HelloReply) {
    this.off = driver.onReply((reply) => {
      if (ASYNC_REPLIES.has(reply.type)) (this.quiet ? this.early : this.replies).push(reply);
      else if (reply.type === 'error' && this.sentAsync.has(reply.id)) this.refused ??= reply;
      else if (reply.type === 'settled' && reply.id === this.settling) this.settledArrived();
    });
  }

  private async request(request: Request, expected: Reply['type']): Promise<Reply> {
    this.messages += 1;
    this.sending(request.type);
    const reply = await exchange(this.driver, request);
    if (reply.type !== expected) {
      throw new ProtocolError({
        kind: 'wrong-reply',
        section: request.type,
        arrived: preview(reply, 200),
        expected: `a \`${expected}\` reply to \`${request.type}\``,
      });
    }
    return reply;
  }

  /** Anything that could cause answers ends the quiet after a `settled`. */
  private sending(type: Request['type']): void {
    if (CAUSES_ANSWERS.has(type)) this.quiet = false;
  }

  /**
   * The moment `settled` arrives, in arrival order with the other replies: every answer
   * collected so far is the epoch's; any answer after it, until the harness sends something
   * that could cause one, is evidence of an early settle.
   */
  private settledArrived(): void {
    this.settling = null;
    this.settledReplies = this.replies;
    this.replies = [];
    this.quiet = true;
  }

  private settledReplies: Reply[] = [];

  async reset(config: WorldConfig): Promise<void> {
    await this.request({ type: 'reset', id: this.driver.nextId(), config }, 'ack');
    // Answers to the previous run's calls may arrive until reset's ack (PROTOCOL.md §reset): none belongs to the new run.
    this.replies = [];
    this.early = [];
    this.sentAsync.clear();
    this.refused = null;
  }

  /**
   * The first reset, before any property: the implementation builds its machinery (threads,
   * listeners, shared memory) under the driver's start-up allowance, so no property's runs pay
   * for it and no protocol-message limit is spent on it.
   */
  async warmUp(config: WorldConfig): Promise<void> {
    await this.reset(config);
  }

  /** Sends one call; its answer arrives by the next settle (or later, if it blocks). */
  call(process: string, call: Op): number {
    const id = this.driver.nextId();
    this.messages += 1;
    this.sending('call');
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
    this.sending('handshake');
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
    this.sending('fault');
    const reply = await exchange(this.driver, { type: 'fault', id: this.driver.nextId(), fault });
    if (reply.type === 'ack') return true;
    if (reply.type === 'error' && reply.code === 'unsupported') return false;
    throw new ProtocolError({
      kind: 'wrong-reply',
      section: 'fault',
      arrived: preview(reply, 200),
      expected: 'an `ack` reply to `fault` (or `error` with code "unsupported")',
    });
  }

  async settle(): Promise<Settled> {
    const id = this.driver.nextId();
    this.settling = id;
    const reply = await this.request({ type: 'settle', id }, 'settled');
    if (this.refused) {
      throw new ProtocolError({
        kind: 'wrong-reply',
        section: 'call',
        arrived: preview(this.refused, 200),
        expected: 'a `result` (or, for a handshake, `event`s and `done`): socket calls are the mandatory core, and the harness sends a handshake only for a role hello declared',
      });
    }
    const replies = this.settledReplies;
    this.settledReplies = [];
    const early = this.early;
    this.early = [];
    return { pending: (reply as Extract<Reply, { type: 'settled' }>).pending, replies, early };
  }

  async inspect(): Promise<Inspection> {
    const reply = await this.request({ type: 'inspect', id: this.driver.nextId() }, 'inspection');
    return (reply as Extract<Reply, { type: 'inspection' }>).state;
  }
}
