/**
 * Faults and recovery (SPEC.md chapter 10) on plain calls: crash and recover,
 * partition and heal, reset, STG failure, table exhaustion, delays.
 */
import { planArb, worldArb } from '../harness/generate/generate.ts';
import type { Property } from './property.ts';

export const faultProperties: readonly Property[] = [
  {
    id: 'faults',
    title: 'every fault kind on live connections: what each end sees, what is reclaimed, nothing leaked',
    chapter: 'faults',
    reqs: [
      'FAULT-CRASH-TEARDOWN', 'FAULT-RECOVER-RECLAIMS', 'FAULT-PARTITION-HOLDS', 'FAULT-HEAL-DELIVERS', 'FAULT-RESET', 'FAULT-STG-FAIL-EIO',
      'FAULT-CBT-RESERVE', 'FAULT-DELAY-CHANNEL', 'FAULT-NO-LEAK', 'ERR-KNOWN-CODES', 'ERR-NO-EFFECT',
    ],
    world: worldArb({ capacity: { min: 2, max: 12 } }),
    plan: planArb({
      steps: { call: 10, batch: 2, pair: 4, raceAlloc: 1, raceConnect: 1, connFault: 3, tick: 3, fault: 6, handshake: 0, raceBind: 1, staleConnect: 2, reuseUnread: 1, queueFill: 2, stgDown: 2, crossStg: 0, inFlight: 2 },
      maxLength: 24,
    }),
    weight: 3,
  },
];
