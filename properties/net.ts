/**
 * Network sockets (SPEC.md chapter 3): binds and ports, listen queues,
 * connects refused, queued and held, the Linux behaviours of close and send.
 */
import { planArb, worldArb } from '../harness/generate/generate.ts';
import type { Property } from './property.ts';

export const netProperties: readonly Property[] = [
  {
    id: 'net-calls',
    title: 'network calls: ports held once per host, listen queues of backlog..backlog+1, refused and queued connects, RST on close with unread data',
    chapter: 'net',
    reqs: [
      'NET-SOCKET-FRESH', 'NET-BIND-EXPLICIT', 'NET-BIND-DYNAMIC', 'NET-BIND-INUSE', 'NET-BIND-ONCE', 'NET-LISTEN-QUEUE', 'NET-CONNECT-QUEUES',
      'NET-CONNECT-REFUSED', 'NET-CONNECT-AUTOBIND', 'NET-CONNECT-QUEUE-FULL', 'NET-ACCEPT-FIFO', 'NET-CLOSE-UNREAD-RESETS',
      'NET-SEND-AFTER-PEER-CLOSE', 'NET-GETSOCKNAME', 'NET-CLOSE-FREES-PORT', 'NET-CONNECT-NETWORK-ONLY', 'ERR-STATE-ERRORS',
    ],
    world: worldArb({ processes: { min: 2, max: 4 } }),
    plan: planArb({
      // Ports raced for on one host; listeners at and past their backlog; descriptors reused with bytes unread; calls aimed at wrong targets.
      steps: { call: 12, batch: 3, pair: 3, raceAlloc: 0, raceConnect: 2, tick: 1, fault: 0, handshake: 0, raceBind: 2, staleConnect: 1, reuseUnread: 2, queueFill: 3, stgDown: 0, crossStg: 0 },
      calls: { dss: 0, stale: 1, wrong: 3 },
      maxLength: 24,
    }),
    weight: 3,
  },
];
