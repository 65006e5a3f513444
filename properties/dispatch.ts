/**
 * Dispatch by descriptor value (SPEC.md chapter 5): both families side by
 * side in one process, closed and foreign descriptors on both sides.
 */
import { planArb, worldArb } from '../harness/generate/generate.ts';
import type { Property } from './property.ts';

export const dispatchProperties: readonly Property[] = [
  {
    id: 'dispatch',
    title: 'descriptors on their family\'s side of the boundary, distinct, EBADF on either side, no call touching the other channel',
    chapter: 'dispatch',
    reqs: ['DISPATCH-FD-RANGE', 'DISPATCH-BY-VALUE', 'DISPATCH-FD-UNIQUE', 'DISPATCH-FD-LOWEST', 'DISPATCH-EBADF', 'WORLD-PROCESS-ISOLATION', 'WORLD-RESET-BUILDS-CONFIG'],
    world: worldArb({ processes: { min: 1, max: 3 } }),
    plan: planArb({
      steps: { call: 12, batch: 2, pair: 2, raceAlloc: 1, raceConnect: 0, tick: 0, fault: 0, handshake: 0, raceBind: 0, staleConnect: 0, reuseUnread: 1, queueFill: 0, stgDown: 0, crossStg: 0 },
      calls: { socket: 5, close: 3, stale: 3, wrong: 4, dss: 0.5 },
      maxLength: 20,
    }),
    weight: 1,
  },
];
