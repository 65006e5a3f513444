/**
 * The two handshakes (SPEC.md chapters 7-9): both roles by the
 * implementation, or one of them played by the harness — faithfully, with a
 * deviation (wrong string, wrong echo, bad STG information, bad or unused
 * port, silence), or with a fault injected while a role is held at a step;
 * and sessions one after another and at once between the same hosts.
 */
import { planArb, worldArb } from '../harness/generate/generate.ts';
import type { Property } from './property.ts';

const COMMON = ['HS-STEP-ORDER', 'HS-PAYLOAD-ENCODING', 'HS-RECV-EXACT', 'HS-CONNECT-RETRY', 'HS-STEP-TIMEOUT', 'HS-PEER-GONE', 'HS-FAIL-RELEASES', 'HS-ESTABLISHED-LAYOUT', 'HS-HOLD-RESUME', 'HS-FAULT-TOLERATED', 'HS-FAULT-FAILS-AT-STEP'];

/** Handshake runs spend their few steps on scenarios. */
const NO_MACROS = { raceBind: 0, staleConnect: 0, reuseUnread: 0, queueFill: 0, stgDown: 0, crossStg: 0 } as const;

const world = worldArb({ hosts: { min: 2, max: 3 }, processes: { min: 1, max: 3 }, capacity: { min: 2, max: 16 } });

export const handshakeProperties: readonly Property[] = [
  {
    id: 'fs-handshake',
    title: 'file-system handshake (Fig. 4 + 4A): step order, payloads, checks, layout, misbehaving peers, a fault at any step',
    chapter: 'fs',
    reqs: [
      ...COMMON, 'HS-FS-84-EPHEMERAL-SOURCE', 'HS-FS-116-CLIENT-LISTENS-WKP', 'HS-FS-90-SEND-STRING', 'HS-FS-120-CHECK-STRING', 'HS-FS-122-SEND-FD',
      'HS-FS-100-ECHO-FD', 'HS-FS-126-CHECK-FD', 'HS-FS-136-CONNECT-WKP1', 'HS-FS-138-STG-INFO', 'HS-FS-160-CHECK-STG', 'HS-FS-164-DYNAMIC-STP-PORT',
      'HS-FS-140-CHECK-PORT', 'HS-FS-146-STP-CONNECT', 'HS-FS-CLOSE-AUXILIARY', 'HS-FS-PARALLEL', 'HS-FS-LAYOUT',
    ],
    world,
    plan: planArb({
      steps: { call: 2, batch: 0, pair: 0, raceAlloc: 0, raceConnect: 0, tick: 0, fault: 0, handshake: 10, ...NO_MACROS },
      handshakes: { flows: ['fs'], plain: 1, deviations: 2, faults: 5 },
      minLength: 1,
      maxLength: 6,
    }),
    needs: { handshakes: ['fs-server', 'fs-client'] },
    weight: 3,
  },
  {
    id: 'db-handshake',
    title: 'database handshake (Fig. 5): step order, payloads, checks, layout, misbehaving peers, a fault at any step',
    chapter: 'db',
    reqs: [
      ...COMMON, 'HS-DB-220-SERVER-LISTENS-WKP', 'HS-DB-184-DYNAMIC-PORT', 'HS-DB-194-CONNECT-WKP', 'HS-DB-196-SEND-PORT', 'HS-DB-224-CHECK-PORT',
      'HS-DB-226-ACK', 'HS-DB-234-CONNECT-DYNAMIC', 'HS-DB-236-STG-INFO', 'HS-DB-210-SEND-STP-PORT', 'HS-DB-238-CHECK-PORT', 'HS-DB-244-STP-CONNECT',
      'HS-DB-214-CLOSE-NETWORK', 'HS-DB-LAYOUT',
    ],
    world,
    plan: planArb({
      steps: { call: 2, batch: 0, pair: 0, raceAlloc: 0, raceConnect: 0, tick: 0, fault: 0, handshake: 10, ...NO_MACROS },
      handshakes: { flows: ['db'], plain: 1, deviations: 2, faults: 5 },
      minLength: 1,
      maxLength: 6,
    }),
    needs: { handshakes: ['db-server', 'db-client'] },
    weight: 3,
  },
  {
    id: 'sessions',
    title: 'sessions between the same hosts one after another and several at once (§13.30), with data over the channels of those established',
    chapter: 'handshake',
    reqs: ['HS-SESSIONS', 'NET-BIND-INUSE', 'HS-ESTABLISHED-LAYOUT', 'HS-FS-LAYOUT', 'HS-DB-LAYOUT', 'HS-FS-CLOSE-AUXILIARY', 'HS-DB-214-CLOSE-NETWORK'],
    // Enough ports and blocks that several sessions fit: a file-system server keeps two dynamic ports per session, and every session two STP ports.
    world: worldArb({ hosts: { min: 3, max: 4 }, processes: { min: 1, max: 3 }, capacity: { min: 8, max: 32 }, netPorts: { min: 8, max: 12 }, stgPorts: { min: 6, max: 12 } }),
    plan: planArb({
      steps: { call: 3, batch: 0, pair: 0, raceAlloc: 0, raceConnect: 0, tick: 1, fault: 0, handshake: 6, sessions: 4, ...NO_MACROS },
      calls: { socket: 0, bind: 0, listen: 0, accept: 0, connect: 0, send: 4, recv: 4, getsockname: 0, close: 1, stale: 0, wrong: 0 },
      handshakes: { plain: 1, deviations: 0, faults: 0 },
      minLength: 2,
      maxLength: 5,
      keep: ['handshake', 'sessions'],
    }),
    needs: { handshakes: ['fs-server', 'fs-client', 'db-server', 'db-client'] },
    // Every run plays its sessions a step at a time (an epoch per step): 15 runs reach HS-SESSIONS on every seed tried.
    weight: 0.35,
  },
];
