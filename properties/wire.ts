/**
 * The harness-implementation boundary (PROTOCOL.md): every message of every run is validated
 * against its schema, every request id must get exactly one final reply, protocol messages
 * are timed. This property adds an inspection after every step, so the implementation's own
 * report of its state is compared with the model's as often as possible.
 */
import { planArb, worldArb } from '../harness/generate/generate.ts';
import type { Property } from './property.ts';

export const wireProperties: readonly Property[] = [
  {
    id: 'wire',
    title: 'well-formed messages, one final reply per request, timely protocol messages, inspect after every step equal to the model',
    chapter: 'wire',
    reqs: ['WIRE-HELLO-CORE', 'WIRE-WELL-FORMED', 'WIRE-ONE-REPLY', 'WIRE-TIMELY', 'WIRE-INSPECT-MATCHES', 'WORLD-RESET-BUILDS-CONFIG'],
    world: worldArb({ hosts: { min: 2, max: 3 }, processes: { min: 1, max: 3 } }),
    plan: planArb({
      steps: { call: 10, batch: 3, pair: 2, raceAlloc: 1, raceConnect: 1, tick: 2, fault: 2, handshake: 1 },
      maxLength: 16,
    }),
    thorough: true,
    weight: 1,
  },
];
