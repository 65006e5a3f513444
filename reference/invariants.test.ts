/**
 * checkInvariants (reference/invariants.ts) judges an implementation's own
 * inspect output. Each test breaks one fact of a valid inspection and checks
 * the breach is reported under the requirement it breaks — and that a valid
 * one, however busy, passes.
 */
import { describe, expect, test } from 'vitest';
import type { Inspection, SocketView } from '../spec/messages.ts';
import { INVARIANT_REQS, checkInvariants } from './invariants.ts';
import { CONFIG, Sim, hex } from './testing/sim.ts';

/** A busy, valid world: a network pair and an STP pair with bytes buffered, a listener, a reserved block. */
function valid(): Inspection {
  const sim = new Sim();
  const [nc] = sim.netPair();
  const [dc] = sim.dssPair();
  sim.value('C', { op: 'send', fd: nc, data: hex('net') });
  sim.value('C', { op: 'send', fd: dc, data: hex('x'.repeat(16)) });
  const lis = sim.fd('S2', 'dss');
  sim.value('S2', { op: 'bind', fd: lis, stg: 1, port: 5006 });
  sim.value('S2', { op: 'listen', fd: lis, backlog: 1 });
  sim.fault({ kind: 'cbt-reserve', count: 1 });
  return sim.inspect();
}

const proc = (view: Inspection, name: string) => view.processes.find((p) => p.process === name)!;

const BREACHES: readonly [string, string, (view: Inspection) => void][] = [
  ['a capacity other than the configured one', 'CBT-CONSERVATION', (v) => void (v.cbt.capacity = 9)],
  ['a block missing from the table', 'CBT-CONSERVATION', (v) => void v.cbt.blocks.pop()],
  ['a slot listed twice', 'CBT-CONSERVATION', (v) => void (v.cbt.blocks[1]!.slot = 0)],
  ['a slot out of range', 'CBT-CONSERVATION', (v) => void (v.cbt.blocks[7]!.slot = 8)],
  ['a descriptor listed twice', 'DISPATCH-FD-UNIQUE', (v) => void proc(v, 'C').sockets.push({ ...proc(v, 'C').sockets[0]! })],
  ['a network socket above the boundary', 'DISPATCH-FD-RANGE', (v) => void (proc(v, 'C').sockets[0]!.family = 'dss')],
  ['a socket outside both ranges', 'DISPATCH-FD-RANGE', (v) => void (proc(v, 'C').sockets[0]!.fd = 1)],
  ['an idle socket with a peer', 'DSS-SOCKET-UNBOUND', (v) => void Object.assign(proc(v, 'S2').sockets[0]!, { state: 'idle', peer: { stg: 1, port: 5000 } })],
  ['one socket owning two blocks', 'CBT-UNIQUE-OWNER', (v) => void (v.cbt.blocks.find((b) => b.owner === null)!.owner = { ...v.cbt.blocks.find((b) => b.owner && 'process' in b.owner)!.owner! })],
  ['a block owned by a network socket', 'CBT-NET-OWNS-NONE', (v) => void (v.cbt.blocks.find((b) => b.owner === null)!.owner = { process: 'C', fd: 3 })],
  ['a block owned by a socket that does not exist', 'FAULT-NO-LEAK', (v) => void (v.cbt.blocks.find((b) => b.owner === null)!.owner = { process: 'C2', fd: 1030 })],
  ['an STP socket that owns no block', 'CBT-ALLOC-ON-REQUEST', (v) => void (v.cbt.blocks.find((b) => b.owner && 'process' in b.owner && b.owner.process === 'S2')!.owner = null)],
  ['a network port bound twice', 'NET-BIND-INUSE', (v) => void v.ports.net.push({ ...v.ports.net[0]! })],
  ['a network port held by a socket without it', 'FAULT-NO-LEAK', (v) => void v.ports.net.push({ host: 'cli', port: 40007, process: 'C', fd: 3 })],
  ['a network port held by an unbound socket', 'FAULT-NO-LEAK', (v) => void Object.assign(proc(v, 'C').sockets[0]!, { local: null })],
  ['an STP port bound twice', 'DSS-BIND-INUSE', (v) => void v.ports.dss.push({ ...v.ports.dss[0]! })],
  ['an STP port outside its STG', 'DSS-BIND-STG-PORT', (v) => void v.ports.dss.push({ stg: 1, port: 4000, process: 'S2', fd: 1024 })],
  ['an STP port of an unknown STG', 'DSS-BIND-STG-PORT', (v) => void v.ports.dss.push({ stg: 7, port: 5000, process: 'S2', fd: 1024 })],
  ['an STP port held by a socket without it', 'FAULT-NO-LEAK', (v) => void v.ports.dss.push({ stg: 1, port: 5007, process: 'S2', fd: 1024 })],
  ['an STP direction holding more than the STG length', 'STG-BUFFER-PER-DIRECTION', (v) => void (proc(v, 'C').sockets.find((s) => s.family === 'dss')!.inflight = 1)],
];

describe('checkInvariants', () => {
  test('a valid, busy inspection has no breach', () => {
    const view = valid();
    expect(checkInvariants(CONFIG, view)).toEqual([]);
    // The STP direction is exactly full: at the bound is not over it.
    expect(proc(view, 'S').sockets.find((s) => s.family === 'dss')!.rx).toBe(16);
  });

  test.each(BREACHES)('%s is reported under %s', (_name, req, mutate) => {
    const view = structuredClone(valid());
    mutate(view);
    const breaches = checkInvariants(CONFIG, view);
    expect(breaches.map((b) => b.req)).toContain(req);
    expect(INVARIANT_REQS).toContain(req);
    for (const b of breaches) expect(b.message.length).toBeGreaterThan(10);
  });
});

/**
 * Why this test? An implementation decides how many sockets its inspection lists. Pairing each
 * STP sender with its receiver used to search the whole list per sender — quadratic: 7 800
 * sockets took 29 s. A 10 000-socket inspection must be checked, with its one planted breach
 * found and nothing else reported, with work linear in the sockets: the test counts the reads of
sockets' fields rather than timing them, since verdicts never depend on the machine's speed.
 */
test('an inspection of 10 000 STP sockets is checked, its one overfull direction found', () => {
  const pairs = 5_000;
  const config = { ...CONFIG, cbt: { capacity: pairs * 2 }, stgs: [{ id: 1, length: 16, ports: [1, 65535] as [number, number] }] };
  const sockets: SocketView[] = [];
  const blocks: Inspection['cbt']['blocks'] = [];
  const ports: Inspection['ports']['dss'] = [];
  for (let i = 0; i < pairs; i++) {
    const client = { stg: 1, port: 10_000 + i };
    const server = { stg: 1, port: 20_000 + i };
    for (const [local, peer] of [[client, server], [server, client]] as const) {
      const fd = config.fdBoundary + sockets.length;
      blocks.push({ slot: sockets.length, owner: { process: 'C', fd } });
      ports.push({ ...local, process: 'C', fd });
      sockets.push({ fd, family: 'dss', state: 'connected', local, peer, rx: 8, inflight: 8 });
    }
  }
  // One direction over the STG length: the last pair's server end holds 9 bytes received.
  sockets[sockets.length - 1]!.rx = 9;
  const view: Inspection = {
    now: 0,
    cbt: { capacity: pairs * 2, blocks },
    processes: [{ process: 'C', host: 'cli', alive: true, sockets }],
    ports: { net: [], dss: ports },
  };
  // Every read of a socket's fields is counted: a deterministic measure of the work, where a
  // time would depend on the machine. A search per sender reads them tens of millions of times.
  let reads = 0;
  const counted = sockets.map(
    (sock) =>
      new Proxy(sock, {
        get(target, field, receiver) {
          reads++;
          return Reflect.get(target, field, receiver) as unknown;
        },
      }),
  );
  view.processes[0]!.sockets = counted;
  const breaches = checkInvariants(config, view);
  expect(breaches).toEqual([{ req: 'STG-BUFFER-PER-DIRECTION', message: 'stg1:14999 -> stg1:24999 buffers 17 bytes; stg1\'s length is 16' }]);
  expect(reads).toBeLessThan(50 * sockets.length);
});
