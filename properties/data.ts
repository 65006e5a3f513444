/**
 * Connections and data (SPEC.md §3.2): streams of both families, partial
 * reads, end-of-stream, listeners closed with a queue.
 */
import { planArb, worldArb } from '../harness/generate/generate.ts';
import type { Property } from './property.ts';

export const dataProperties: readonly Property[] = [
  {
    id: 'streams',
    title: 'bytes arrive in order, as a prefix of what was sent, on the right connection; end-of-stream after the data',
    chapter: 'data',
    reqs: ['DATA-PREFIX-IN-ORDER', 'DATA-NO-CROSSTALK', 'DATA-RECV-NONEMPTY-PREFIX', 'DATA-RECV-GREEDY', 'DATA-SEND-COMPLETE', 'DATA-EOF-AFTER-DATA', 'DATA-LISTENER-CLOSE-RESETS'],
    world: worldArb({ hosts: { min: 2, max: 3 }, processes: { min: 2, max: 3 } }),
    plan: planArb({
      // Descriptors reused after a close with unread bytes; listeners closed with connects queued and held.
      steps: { call: 10, batch: 3, pair: 5, raceAlloc: 0, raceConnect: 1, tick: 0, fault: 0, handshake: 0, raceBind: 0, staleConnect: 0, reuseUnread: 3, queueFill: 3, stgDown: 0, crossStg: 0, inFlight: 1 },
      calls: { send: 6, recv: 6, close: 2, accept: 2, connect: 2, listen: 1, bind: 1, socket: 1, dss: 0.5 },
      maxLength: 24,
    }),
    weight: 2,
  },
];
