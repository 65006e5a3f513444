/**
 * Invariants an inspection must satisfy whatever happened before it (SPEC.md
 * chapters 2-5 and 10). They are checked on the implementation's own inspect
 * output, before it is compared with the model's, so that a broken table is
 * reported under the requirement it breaks rather than as a mere difference.
 */
import type { Address, Inspection, SocketView } from '../spec/messages.ts';
import { type WorldConfig, familyOfFd, stgOf } from '../spec/config.ts';
import { describeAddress } from './describe.ts';

export interface Breach {
  readonly req: string;
  readonly message: string;
}

/** Every requirement an invariant check exercises. */
export const INVARIANT_REQS = [
  'CBT-CONSERVATION',
  'CBT-UNIQUE-OWNER',
  'CBT-NET-OWNS-NONE',
  'CBT-ALLOC-ON-REQUEST',
  'FAULT-NO-LEAK',
  'DISPATCH-FD-RANGE',
  'DISPATCH-FD-UNIQUE',
  'NET-BIND-INUSE',
  'DSS-BIND-INUSE',
  'DSS-BIND-STG-PORT',
  'STG-BUFFER-PER-DIRECTION',
  'DSS-SOCKET-UNBOUND',
] as const;

const key = (a: Address | null): string => (a ? describeAddress(a) : '-');

export function checkInvariants(config: WorldConfig, view: Inspection): Breach[] {
  const breaches: Breach[] = [];
  const breach = (req: string, message: string): void => {
    breaches.push({ req, message });
  };

  // The control block table, counted from the table itself.
  const { capacity, blocks } = view.cbt;
  if (capacity !== config.cbt.capacity || blocks.length !== capacity) {
    breach('CBT-CONSERVATION', `the table lists ${blocks.length} blocks with capacity ${capacity}; the configuration says ${config.cbt.capacity}`);
  }
  const slots = new Set(blocks.map((b) => b.slot));
  if (slots.size !== blocks.length || blocks.some((b) => b.slot < 0 || b.slot >= config.cbt.capacity)) {
    breach('CBT-CONSERVATION', `slots must be 0..${config.cbt.capacity - 1}, each once; got ${blocks.map((b) => b.slot).join(',')}`);
  }
  const sockets = new Map<string, SocketView>();
  for (const proc of view.processes) {
    const fds = new Set<number>();
    for (const sock of proc.sockets) {
      if (fds.has(sock.fd)) breach('DISPATCH-FD-UNIQUE', `${proc.process} lists fd ${sock.fd} twice`);
      fds.add(sock.fd);
      sockets.set(`${proc.process}:${sock.fd}`, sock);
      if (familyOfFd(config, sock.fd) !== sock.family) {
        breach('DISPATCH-FD-RANGE', `${proc.process}:${sock.fd} is a ${sock.family} socket on the ${familyOfFd(config, sock.fd) ?? 'wrong'} side of the boundary ${config.fdBoundary}`);
      }
      if (sock.state === 'idle' && sock.peer !== null) {
        breach('DSS-SOCKET-UNBOUND', `${proc.process}:${sock.fd} is not connected yet has a peer ${key(sock.peer)}`);
      }
    }
  }
  const owners = new Map<string, number>();
  for (const block of blocks) {
    if (!block.owner || 'reserved' in block.owner) continue;
    const owner = `${block.owner.process}:${block.owner.fd}`;
    if (owners.has(owner)) breach('CBT-UNIQUE-OWNER', `control blocks ${owners.get(owner)} and ${block.slot} are both owned by ${owner}`);
    owners.set(owner, block.slot);
    const sock = sockets.get(owner);
    if (familyOfFd(config, block.owner.fd) === 'net' || sock?.family === 'net') {
      breach('CBT-NET-OWNS-NONE', `control block ${block.slot} is owned by network socket ${owner}`);
    } else if (!sock) {
      breach('FAULT-NO-LEAK', `control block ${block.slot} is owned by ${owner}, which no longer exists`);
    }
  }
  // Sockets that say which block they own: two claiming one block is a block owned twice.
  const claims = new Map<number, string>();
  for (const [name, sock] of sockets) {
    if (sock.block === undefined) continue;
    const other = claims.get(sock.block);
    if (other) breach('CBT-UNIQUE-OWNER', `control block ${sock.block} is claimed by both ${other} and ${name}`);
    claims.set(sock.block, name);
  }
  for (const [name, sock] of sockets) {
    if (sock.family === 'dss' && !owners.has(name)) breach('CBT-ALLOC-ON-REQUEST', `storage-system socket ${name} owns no control block`);
  }

  // Ports: held once, by a socket that exists and has that address.
  const netPorts = new Set<string>();
  for (const entry of view.ports.net) {
    const name = `${entry.host}:${entry.port}`;
    if (netPorts.has(name)) breach('NET-BIND-INUSE', `network port ${name} is bound twice`);
    netPorts.add(name);
    const sock = sockets.get(`${entry.process}:${entry.fd}`);
    if (!sock || key(sock.local) !== name) breach('FAULT-NO-LEAK', `network port ${name} is held by ${entry.process}:${entry.fd}, which does not have it`);
  }
  const dssPorts = new Set<string>();
  for (const entry of view.ports.dss) {
    const name = `stg${entry.stg}:${entry.port}`;
    if (dssPorts.has(name)) breach('DSS-BIND-INUSE', `STP port ${name} is bound twice`);
    dssPorts.add(name);
    const stg = stgOf(config, entry.stg);
    if (!stg || entry.port < stg.ports[0] || entry.port > stg.ports[1]) {
      breach('DSS-BIND-STG-PORT', `STP port ${name} is outside its STG's range${stg ? ` ${stg.ports[0]}..${stg.ports[1]}` : ''}`);
    }
    const sock = sockets.get(`${entry.process}:${entry.fd}`);
    if (!sock || key(sock.local) !== name) breach('FAULT-NO-LEAK', `STP port ${name} is held by ${entry.process}:${entry.fd}, which does not have it`);
  }

  // Each direction of an STP connection holds at most the STG length.
  // The receiving end of each sender is found by its (local, peer) pair in one map, not by a
  // search per sender: an inspection of thousands of sockets would otherwise cost their square.
  const dssSockets = [...sockets.values()].filter((s) => s.family === 'dss' && s.local && s.peer && 'stg' in s.local);
  const byEnds = new Map<string, SocketView>();
  for (const sock of dssSockets) {
    const ends = `${key(sock.local)}|${key(sock.peer)}`;
    // The first socket listed with those ends, as a search in listing order would find.
    if (!byEnds.has(ends)) byEnds.set(ends, sock);
  }
  for (const sender of dssSockets) {
    const receiver = byEnds.get(`${key(sender.peer)}|${key(sender.local)}`);
    if (!receiver) continue;
    const stg = stgOf(config, (sender.local as { stg: number }).stg);
    if (stg && sender.inflight + receiver.rx > stg.length) {
      breach('STG-BUFFER-PER-DIRECTION', `${key(sender.local)} -> ${key(receiver.local)} buffers ${sender.inflight + receiver.rx} bytes; stg${stg.id}'s length is ${stg.length}`);
    }
  }
  return breaches;
}
