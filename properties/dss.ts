/**
 * Storage-system sockets (SPEC.md chapter 4): born unbound, bound to an STG's
 * ports, connected through one STG, closed gracefully.
 */
import { planArb, worldArb } from '../harness/generate/generate.ts';
import type { Property } from './property.ts';

export const dssProperties: readonly Property[] = [
  {
    id: 'dss-calls',
    title: 'STP calls: no destination at birth, ports per STG, listen needs a bind, connect within one STG, graceful close',
    chapter: 'dss',
    reqs: [
      'DSS-SOCKET-UNBOUND', 'DSS-BIND-STG-PORT', 'DSS-BIND-DYNAMIC', 'DSS-BIND-INUSE', 'DSS-LISTEN-NEEDS-BIND', 'DSS-CONNECT', 'DSS-ACCEPT',
      'DSS-CLOSE-GRACEFUL', 'DSS-GETSOCKNAME', 'DSS-STORAGE-ONLY', 'WORLD-SHARED-STORAGE',
    ],
    world: worldArb({ stgs: { min: 1, max: 3 }, capacity: { min: 2, max: 12 } }),
    plan: planArb({
      // Ports raced for in one STG from several hosts; calls aimed at other STGs, unknown and failed ones.
      steps: { call: 12, batch: 3, pair: 3, raceAlloc: 1, raceConnect: 2, tick: 1, fault: 0, handshake: 0, raceBind: 3, staleConnect: 1, reuseUnread: 1, queueFill: 2, stgDown: 2, inFlight: 1 },
      calls: { dss: 1, stale: 1, getsockname: 2, wrong: 4 },
      maxLength: 24,
    }),
    weight: 3,
  },
];
