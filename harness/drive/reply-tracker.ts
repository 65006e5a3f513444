/**
 * WIRE-ONE-REPLY, enforced where replies arrive: which request ids are waiting
 * for a final reply, and which reply types may answer them.
 *
 * Both drivers feed it every request they send and every reply they receive,
 * so an in-process and a subprocess implementation are held to one rule
 * (PROTOCOL.md §ids):
 * - each request id gets exactly one final reply, of the type its request
 *   type calls for, or `error`;
 * - the calls of a batch carry their own ids and each gets its own `result`;
 * - a handshake id may get any number of `event` and `held` messages before
 *   its `done`;
 * - a reply for an id nobody is waiting on is a protocol error;
 * - reset abandons the old world's calls and handshakes: once its ack has
 *   arrived, a reply for one of them is a protocol error (before, it is fine).
 */
import type { Reply, ReplyType, Request, RequestType } from '../../spec/messages.ts';
import type { ProtocolErrorInit } from './protocol-error.ts';

/** The final reply of each request type (any request may also be answered with `error`). */
export const FINAL_REPLY: Readonly<Record<RequestType, ReplyType>> = {
  hello: 'hello',
  reset: 'ack',
  call: 'result',
  batch: 'ack',
  handshake: 'done',
  resume: 'ack',
  settle: 'settled',
  tick: 'ack',
  fault: 'ack',
  inspect: 'inspection',
  bye: 'ack',
};

/** What a request id stands for: a request of that type, or one call of a batch. */
type Waiting = RequestType | 'batch call';

interface Entry {
  readonly waiting: Waiting;
  /** A batch's call ids, dropped if the batch itself is refused with `error`. */
  readonly calls?: readonly number[];
}

interface Closed {
  readonly waiting: Waiting;
  readonly abandoned: boolean;
}

/** One shared record per (waiting, abandoned): closing an id allocates nothing. */
const CLOSED = new Map<Waiting, readonly [Closed, Closed]>();
function closedAs(waiting: Waiting, abandoned: boolean): Closed {
  let pair = CLOSED.get(waiting);
  if (!pair) CLOSED.set(waiting, (pair = [{ waiting, abandoned: false }, { waiting, abandoned: true }]));
  return pair[abandoned ? 1 : 0];
}

/**
 * Ids answered lately. A reply for one of them is a duplicate; a reply for an
 * id never sent (or answered long ago) is unknown. Bounded so that a long run
 * does not keep every id it ever used.
 */
const RECENT_IDS_MAX = 4096;

export class ReplyTracker {
  private readonly open = new Map<number, Entry>();
  private readonly recent = new Map<number, Closed>();
  /** Insertion order of `recent`, as a ring: evicting by iterating the Map is slow once it has holes. */
  private readonly recentRing: number[] = new Array<number>(RECENT_IDS_MAX);
  private recentNext = 0;

  /**
   * Records a request about to be sent. Reusing an id that is still waiting
   * (or was answered lately) is a harness bug, so it throws a plain Error.
   */
  register(request: Request): void {
    if (request.type === 'batch') {
      const ids = request.calls.map((call) => call.id);
      for (const id of [request.id, ...ids]) this.checkFresh(id, request.type);
      if (new Set([request.id, ...ids]).size !== ids.length + 1) {
        throw new Error(`harness bug: batch ${request.id} reuses an id among its calls`);
      }
      this.open.set(request.id, { waiting: 'batch', calls: ids });
      for (const id of ids) this.open.set(id, { waiting: 'batch call' });
      return;
    }
    this.checkFresh(request.id, request.type);
    this.open.set(request.id, { waiting: request.type });
  }

  /**
   * Judges one schema-valid reply. Returns the problem, or undefined when the
   * reply is one the harness was waiting for (a final reply closes its id).
   */
  accept(reply: Reply): Omit<ProtocolErrorInit, 'arrived'> | undefined {
    const entry = this.open.get(reply.id);
    if (!entry) {
      const answered = this.recent.get(reply.id);
      if (answered?.abandoned) {
        return {
          kind: 'unknown-id',
          section: 'reset',
          expected: `no reply for id ${reply.id}: its ${describe(answered.waiting)} was abandoned by a reset that has been acknowledged`,
          detail: `${article(reply.type)} \`${reply.type}\` arrived for id ${reply.id}, a ${describe(answered.waiting)} of the world before the last reset.`,
        };
      }
      if (answered !== undefined) {
        return {
          kind: 'duplicate-reply',
          expected: `no further reply for id ${reply.id}: its ${describe(answered.waiting)} was already answered`,
          detail: `${article(reply.type)} \`${reply.type}\` arrived for id ${reply.id} after its final reply.`,
        };
      }
      return {
        kind: 'unknown-id',
        expected: `a reply to one of the ${this.open.size} request ids awaiting one${this.open.size ? ` (${this.sampleOpenIds()})` : ''}`,
        detail: `No request with id ${reply.id} is waiting for a reply: the harness never sent it, or answered it long ago.`,
      };
    }
    const finalType: ReplyType = entry.waiting === 'batch call' ? 'result' : FINAL_REPLY[entry.waiting];
    if (reply.type === 'event' || reply.type === 'held') {
      if (entry.waiting === 'handshake') return undefined;
      return {
        kind: 'wrong-reply',
        expected: `a \`${finalType}\` (or \`error\`) for id ${reply.id}, a ${describe(entry.waiting)}; only handshakes write \`${reply.type}\``,
      };
    }
    if (reply.type !== finalType && reply.type !== 'error') {
      return {
        kind: 'wrong-reply',
        expected: `a \`${finalType}\` (or \`error\`) for id ${reply.id}, a ${describe(entry.waiting)}`,
        detail: `${article(reply.type)} \`${reply.type}\` arrived for a ${describe(entry.waiting)}.`,
      };
    }
    this.close(reply.id, entry.waiting);
    // A refused batch started none of its calls, so none of them will be answered.
    if (reply.type === 'error' && entry.calls) for (const id of entry.calls) this.close(id, 'batch call');
    if (entry.waiting === 'reset' && reply.type === 'ack') {
      for (const [id, open] of this.open) {
        if (open.waiting === 'call' || open.waiting === 'batch call' || open.waiting === 'handshake') this.close(id, open.waiting, true);
      }
    }
    return undefined;
  }

  isOpen(id: number): boolean {
    return this.open.has(id);
  }

  /** What the request with this id is, while it waits. */
  waiting(id: number): Waiting | undefined {
    return this.open.get(id)?.waiting;
  }

  get openCount(): number {
    return this.open.size;
  }

  private close(id: number, waiting: Waiting, abandoned = false): void {
    this.open.delete(id);
    const evicted = this.recentRing[this.recentNext];
    if (evicted !== undefined) this.recent.delete(evicted);
    this.recentRing[this.recentNext] = id;
    this.recentNext = (this.recentNext + 1) % RECENT_IDS_MAX;
    this.recent.set(id, closedAs(waiting, abandoned));
  }

  private checkFresh(id: number, type: RequestType): void {
    if (this.open.has(id) || this.recent.has(id)) {
      throw new Error(`harness bug: ${type} request reuses id ${id}, which is ${this.open.has(id) ? 'still waiting for a reply' : 'answered already'}`);
    }
  }

  /** The first few open ids and how many more: a run can have thousands waiting. */
  private sampleOpenIds(): string {
    const ids: number[] = [];
    for (const id of this.open.keys()) {
      if (ids.length === 8) break;
      ids.push(id);
    }
    return this.open.size > ids.length ? `${ids.join(', ')}, … and ${this.open.size - ids.length} more` : ids.join(', ');
  }
}

function describe(waiting: Waiting): string {
  return waiting === 'batch call' ? 'call inside a batch' : `\`${waiting}\` request`;
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'An' : 'A';
}
