/**
 * The handshakes step by step (SPEC.md chapters 8-10): in a fault-free run
 * each role makes its figure's calls, with the arguments and payloads the
 * step requirements name. One row per requirement, each reading the run's
 * transcript of events.
 */
import { describe, expect, test } from 'vitest';
import { bytesToHex, hexToBytes, readU32, u32 } from '../spec/bytes.ts';
import type { Op, Outcome } from '../spec/messages.ts';
import { PROGRAMS } from './roles.ts';
import { FLOWS, type Flow } from './testing/handshakes.ts';
import { CONFIG, Sim } from './testing/sim.ts';

interface Event {
  readonly proc: string;
  readonly label: string;
  readonly op: Op;
  readonly outcome: Outcome;
}

function transcript(flow: Flow): Event[] {
  const sim = new Sim();
  const ids = [flow.server, flow.client].map((side) => sim.handshake(side.process, side.role, side.params));
  for (let t = 0; t < 20 && ids.some((id) => !sim.done(id)); t++) sim.tick();
  for (const id of ids) expect(sim.done(id)?.status).toBe('established');
  return sim.emissions.flatMap((e) => (e.type === 'event' ? [{ proc: e.proc, label: e.label, op: e.op, outcome: e.outcome }] : []));
}

const RUNS = { fs: transcript(FLOWS[0]!), db: transcript(FLOWS[1]!) };
const WKS = CONFIG.wellKnownString;
const STG = CONFIG.stgs[0]!;

/** The last event of `proc` at `label` (a refused connect is retried: the last try counts). */
function at(flow: 'fs' | 'db', proc: string, label: string): Event {
  const found = RUNS[flow].filter((e) => e.proc === proc && e.label === label).at(-1);
  if (!found) throw new Error(`${proc} made no call at ${label}`);
  return found;
}
const value = (e: Event) => (e.outcome as { value: Record<string, unknown> }).value;
const fdOf = (e: Event) => value(e).fd as number;
const sent = (e: Event) => hexToBytes((e.op as { data: string }).data);
const received = (e: Event) => hexToBytes(value(e).data as string);
const localPort = (e: Event) => (value(e).local as { port: number }).port;

const ROWS: readonly [string, () => void][] = [
  ['HS-FS-84-EPHEMERAL-SOURCE: control and status bind dynamic ports (84, 96) and connect to the client\'s WKP (86, 98)', () => {
    for (const [bind, connect] of [['84', '86'], ['96', '98']] as const) {
      expect(at('fs', 'S', bind).op).toMatchObject({ op: 'bind', port: 0 });
      expect(localPort(at('fs', 'S', bind))).toBeGreaterThanOrEqual(CONFIG.netPorts[0]);
      expect(at('fs', 'S', connect).op).toMatchObject({ op: 'connect', to: { host: 'cli', port: CONFIG.wkp } });
    }
  }],
  ['HS-FS-116-CLIENT-LISTENS-WKP: the client listens on the WKP and accepts both connections (112-118, 124)', () => {
    expect(at('fs', 'C', '112').op).toEqual({ op: 'socket', family: 'net' });
    expect(at('fs', 'C', '114').op).toMatchObject({ op: 'bind', port: CONFIG.wkp });
    expect(at('fs', 'C', '116').op.op).toBe('listen');
    expect(value(at('fs', 'C', '118')).peer).toEqual(value(at('fs', 'S', '86')).local);
    expect(value(at('fs', 'C', '124')).peer).toEqual(value(at('fs', 'S', '98')).local);
  }],
  ['HS-FS-90-SEND-STRING, HS-PAYLOAD-ENCODING: the server sends the configured well-known string on the control connection', () => {
    expect(at('fs', 'S', '90').op).toEqual({ op: 'send', fd: fdOf(at('fs', 'S', '82')), data: WKS });
  }],
  ['HS-FS-122-SEND-FD, HS-PAYLOAD-ENCODING: the client sends the descriptor accepted at 118, 4 bytes big-endian', () => {
    expect(sent(at('fs', 'C', '122'))).toBe(u32(fdOf(at('fs', 'C', '118'))));
  }],
  ['HS-FS-100-ECHO-FD: the server echoes on the status connection exactly what it received at 92', () => {
    expect(at('fs', 'S', '100').op).toMatchObject({ fd: fdOf(at('fs', 'S', '94')) });
    expect(sent(at('fs', 'S', '100'))).toBe(received(at('fs', 'S', '92')));
  }],
  ['HS-FS-136-CONNECT-WKP1: a third connection from a dynamic port to WKP+1, where the client listens (152-158)', () => {
    expect(at('fs', 'S', '134').op).toMatchObject({ op: 'bind', port: 0 });
    expect(at('fs', 'S', '136').op).toMatchObject({ op: 'connect', to: { host: 'cli', port: CONFIG.wkp + 1 } });
    expect(at('fs', 'C', '154').op).toMatchObject({ op: 'bind', port: CONFIG.wkp + 1 });
    expect(value(at('fs', 'C', '158')).peer).toEqual(value(at('fs', 'S', '136')).local);
  }],
  ['HS-FS-138-STG-INFO, HS-PAYLOAD-ENCODING: the server sends STG identifier then length over the WKP+1 connection', () => {
    expect(at('fs', 'S', '138').op).toEqual({ op: 'send', fd: fdOf(at('fs', 'S', '132')), data: bytesToHex(u32(STG.id) + u32(STG.length)) });
  }],
  ['HS-FS-164-DYNAMIC-STP-PORT: the client listens on a dynamic STP port and sends the port read at 168 (162-170)', () => {
    expect(at('fs', 'C', '162').op).toEqual({ op: 'socket', family: 'dss' });
    expect(at('fs', 'C', '164').op).toMatchObject({ op: 'bind', stg: STG.id, port: 0 });
    expect(at('fs', 'C', '166').op.op).toBe('listen');
    expect(readU32(sent(at('fs', 'C', '170')))).toBe(localPort(at('fs', 'C', '168')));
  }],
  ['HS-FS-146-STP-CONNECT: the server binds an STP port of its own and connects to the port received at 140; the client accepts', () => {
    expect(at('fs', 'S', '144').op).toMatchObject({ op: 'bind', stg: STG.id, port: 0 });
    expect(at('fs', 'S', '146').op).toMatchObject({ op: 'connect', to: { stg: STG.id, port: readU32(received(at('fs', 'S', '140'))) } });
    expect(value(at('fs', 'C', '172')).peer).toEqual(value(at('fs', 'S', '146')).local);
  }],
  ['HS-FS-CLOSE-AUXILIARY: the server closes WKP+1 (148); the client its listeners (124A, 158A, 172A) and WKP+1 (172B)', () => {
    expect(at('fs', 'S', '148').op).toEqual({ op: 'close', fd: fdOf(at('fs', 'S', '132')) });
    expect(at('fs', 'C', '124A').op).toEqual({ op: 'close', fd: fdOf(at('fs', 'C', '112')) });
    expect(at('fs', 'C', '158A').op).toEqual({ op: 'close', fd: fdOf(at('fs', 'C', '152')) });
    expect(at('fs', 'C', '172A').op).toEqual({ op: 'close', fd: fdOf(at('fs', 'C', '162')) });
    expect(at('fs', 'C', '172B').op).toEqual({ op: 'close', fd: fdOf(at('fs', 'C', '158')) });
  }],
  ['HS-DB-220-SERVER-LISTENS-WKP: the server listens on the WKP, accepts the client and closes the listener (220A-222A)', () => {
    expect(at('db', 'S', '220B').op).toMatchObject({ op: 'bind', port: CONFIG.wkp });
    expect(value(at('db', 'S', '222')).peer).toEqual(value(at('db', 'C', '194')).local);
    expect(at('db', 'S', '222A').op).toEqual({ op: 'close', fd: fdOf(at('db', 'S', '220A')) });
  }],
  ['HS-DB-184-DYNAMIC-PORT: the client listens on a dynamic network port and reads it (182-188)', () => {
    expect(at('db', 'C', '184').op).toMatchObject({ op: 'bind', port: 0 });
    expect(at('db', 'C', '186').op.op).toBe('listen');
    expect(localPort(at('db', 'C', '188'))).toBe(localPort(at('db', 'C', '184')));
  }],
  ['HS-DB-194-CONNECT-WKP: a second client socket connects from a dynamic port to the server\'s WKP (190-194)', () => {
    expect(at('db', 'C', '192').op).toMatchObject({ op: 'bind', port: 0 });
    expect(at('db', 'C', '194').op).toMatchObject({ op: 'connect', to: { host: 'srv', port: CONFIG.wkp } });
  }],
  ['HS-DB-196-SEND-PORT, HS-DB-224-CHECK-PORT: the dynamic port read at 188 travels over the WKP connection', () => {
    expect(at('db', 'C', '196').op).toMatchObject({ fd: fdOf(at('db', 'C', '190')), data: bytesToHex(u32(localPort(at('db', 'C', '188')))) });
    expect(received(at('db', 'S', '224'))).toBe(sent(at('db', 'C', '196')));
  }],
  ['HS-DB-226-ACK: the server acknowledges with the well-known string; the client reads it at 196A', () => {
    expect(at('db', 'S', '226').op).toMatchObject({ op: 'send', data: WKS });
    expect(bytesToHex(received(at('db', 'C', '196A')))).toBe(WKS);
  }],
  ['HS-DB-234-CONNECT-DYNAMIC: the server connects to the client\'s dynamic port on the client\'s host; the client accepts and closes the listener', () => {
    expect(at('db', 'S', '230').op).toMatchObject({ op: 'bind', port: 0 });
    expect(at('db', 'S', '234').op).toMatchObject({ op: 'connect', to: { host: 'cli', port: localPort(at('db', 'C', '188')) } });
    expect(value(at('db', 'C', '198')).peer).toEqual(value(at('db', 'S', '234')).local);
    expect(at('db', 'C', '198A').op).toEqual({ op: 'close', fd: fdOf(at('db', 'C', '182')) });
  }],
  ['HS-DB-236-STG-INFO: the server sends STG identifier then length over the dynamic-port connection; the client receives it at 200', () => {
    expect(at('db', 'S', '236').op).toEqual({ op: 'send', fd: fdOf(at('db', 'S', '228')), data: bytesToHex(u32(STG.id) + u32(STG.length)) });
    expect(received(at('db', 'C', '200'))).toBe(u32(STG.id) + u32(STG.length));
  }],
  ['HS-DB-210-SEND-STP-PORT: the STP port read at 208 travels over the dynamic-port network connection', () => {
    expect(at('db', 'C', '204').op).toMatchObject({ op: 'bind', stg: STG.id, port: 0 });
    const d = fdOf(at('db', 'C', '198'));
    expect(d).toBeLessThan(CONFIG.fdBoundary);
    expect(at('db', 'C', '210').op).toEqual({ op: 'send', fd: d, data: bytesToHex(u32(localPort(at('db', 'C', '208')))) });
  }],
  ['HS-DB-244-STP-CONNECT, HS-DB-238-CHECK-PORT: the server connects through the storage system to the port received at 238; the client accepts and closes its listener', () => {
    expect(at('db', 'S', '242').op).toMatchObject({ op: 'bind', stg: STG.id, port: 0 });
    expect(at('db', 'S', '244').op).toMatchObject({ op: 'connect', to: { stg: STG.id, port: readU32(received(at('db', 'S', '238'))) } });
    expect(value(at('db', 'C', '212')).peer).toEqual(value(at('db', 'S', '244')).local);
    expect(at('db', 'C', '212A').op).toEqual({ op: 'close', fd: fdOf(at('db', 'C', '202')) });
  }],
  ['HS-DB-214-CLOSE-NETWORK: both roles close the dynamic-port and the WKP connections (214, 214A, 246, 246A)', () => {
    expect(at('db', 'C', '214').op).toEqual({ op: 'close', fd: fdOf(at('db', 'C', '198')) });
    expect(at('db', 'C', '214A').op).toEqual({ op: 'close', fd: fdOf(at('db', 'C', '190')) });
    expect(at('db', 'S', '246').op).toEqual({ op: 'close', fd: fdOf(at('db', 'S', '228')) });
    expect(at('db', 'S', '246A').op).toEqual({ op: 'close', fd: fdOf(at('db', 'S', '222')) });
  }],
  ['HS-RECV-EXACT: every recv of a role asks for exactly the bytes its message still misses, and gets them', () => {
    for (const flow of Object.keys(RUNS)) {
      const { server, client } = FLOWS.find((f) => f.name === flow)!;
      for (const side of [server, client]) {
        for (const step of PROGRAMS[side.role].steps) {
          if (step.kind !== 'recv') continue;
          const size = step.bytes({ config: CONFIG, params: side.params, now: 0 });
          const e = at(flow as 'fs' | 'db', side.process, step.label);
          expect([step.label, (e.op as { max: number }).max, received(e).length]).toEqual([step.label, size, size]);
        }
      }
    }
  }],
];

describe('handshake steps in a fault-free run', () => {
  test.each(ROWS)('%s', (_name, check) => check());

  test('HS-STEP-ORDER: each role\'s calls follow its table\'s order, one event per call', () => {
    for (const [flow, events] of Object.entries(RUNS)) {
      const { server, client } = FLOWS.find((f) => f.name === flow)!;
      for (const side of [server, client]) {
        const labels = events.filter((e) => e.proc === side.process).map((e) => e.label);
        // A refused connect repeats its label; otherwise the labels are the table's, in order.
        const distinct = labels.filter((l, i) => labels[i - 1] !== l);
        expect(distinct).toEqual(PROGRAMS[side.role].steps.map((s) => s.label));
      }
    }
  });
});
