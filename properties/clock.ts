/**
 * Blocking, settle and the virtual clock (SPEC.md chapter 6): blocked calls
 * completed by later events, connects timing out in ticks, delayed channels.
 */
import { planArb, worldArb } from '../harness/generate/generate.ts';
import type { Property } from './property.ts';

export const clockProperties: readonly Property[] = [
  {
    id: 'clock',
    title: 'settle is exact, only accept/connect/recv/send block, connects time out after connectTimeout ticks and not before',
    chapter: 'clock',
    reqs: ['CLOCK-SETTLE-EXACT', 'CLOCK-ONLY-BLOCKING-CALLS-BLOCK', 'CLOCK-CONNECT-TIMEOUT', 'CLOCK-TICKS-ONLY', 'FAULT-DELAY-CHANNEL'],
    world: worldArb({ hosts: { min: 2, max: 3 } }),
    plan: planArb({
      // Delays that outlast connects while descriptors, blocks and ports are reused; listeners past their backlog left to time out.
      steps: { call: 10, batch: 3, pair: 3, raceAlloc: 0, raceConnect: 1, tick: 5, fault: 3, handshake: 0, raceBind: 0, staleConnect: 3, reuseUnread: 0, queueFill: 2, stgDown: 0, crossStg: 0, inFlight: 1 },
      calls: { connect: 5, accept: 4, recv: 4, send: 3 },
      faults: ['partition', 'heal', 'delay', 'undelay'],
      maxLength: 24,
    }),
    needs: { faults: ['partition'] },
    weight: 2,
  },
];
