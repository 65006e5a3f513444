/**
 * Storage system (SPEC.md chapter 2): the control block table under
 * allocation races and exhaustion, STG buffers under back-pressure.
 */
import { planArb, worldArb } from '../harness/generate/generate.ts';
import type { Property } from './property.ts';

export const storageProperties: readonly Property[] = [
  {
    id: 'cbt-allocation',
    title: 'control blocks: allocated once, freed on close, exhausted with ENOBUFS, raced for by many processes',
    chapter: 'storage',
    reqs: ['CBT-ALLOC-ON-REQUEST', 'CBT-UNIQUE-OWNER', 'CBT-CONSERVATION', 'CBT-EXHAUSTED-ENOBUFS', 'CBT-FREE-ON-CLOSE', 'CBT-NET-OWNS-NONE', 'FAULT-CBT-RESERVE'],
    world: worldArb({ capacity: { min: 1, max: 6 }, processes: { min: 1, max: 3 } }),
    plan: planArb({
      steps: { call: 10, batch: 4, pair: 2, raceAlloc: 4, raceConnect: 1, tick: 0, fault: 2, handshake: 0, raceBind: 1, staleConnect: 0, reuseUnread: 1, queueFill: 0, stgDown: 0, crossStg: 0 },
      calls: { socket: 6, close: 4, accept: 2, dss: 0.8, send: 1, recv: 1 },
      faults: ['cbt-reserve', 'cbt-release', 'crash'],
      maxLength: 24,
    }),
    weight: 2,
  },
  {
    id: 'stg-backpressure',
    title: 'STG buffers: a full buffer blocks the sender, bytes move as the reader frees space, across the wrap-around',
    chapter: 'storage',
    reqs: ['STG-BUFFER-PER-DIRECTION', 'STG-BACKPRESSURE', 'STG-PORTS-PER-STG', 'DATA-PREFIX-IN-ORDER', 'DATA-SEND-COMPLETE'],
    world: worldArb({ length: { min: 3, max: 10 }, capacity: { min: 4, max: 16 } }),
    plan: planArb({
      steps: { call: 10, batch: 3, pair: 4, raceAlloc: 0, raceConnect: 0, tick: 1, fault: 0, handshake: 0, raceBind: 0, staleConnect: 0, reuseUnread: 1, queueFill: 0, stgDown: 0, crossStg: 0, inFlight: 1 },
      calls: { send: 8, recv: 8, socket: 1, bind: 1, listen: 1, accept: 1, connect: 1, close: 1, dss: 1 },
      // A full buffer, and a recv across its end, need both sends and reads on connected pairs in every run.
      keep: ['send', 'recv', 'pair'],
      maxLength: 24,
    }),
    weight: 2,
  },
];
