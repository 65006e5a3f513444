/**
 * The model's answer to `inspect`, in exactly the shape PROTOCOL.md gives an
 * implementation's: control block owners, each process's sockets, bound ports.
 */
import type { Inspection, Owner, SocketView } from '../spec/messages.ts';
import { RESERVED, type State } from './state.ts';
import { socketBuffers, socketState } from './world.ts';

export function inspect(state: State): Inspection {
  const blocks = state.cbt.map((owner, slot) => ({ slot, owner: ownerOf(owner) }));
  const processes = state.config.hosts.flatMap((host) =>
    host.processes.map((process) => {
      const sockets: SocketView[] = Object.values(state.socks)
        .filter((sock) => sock.proc === process)
        .sort((a, b) => a.fd - b.fd)
        .map((sock) => {
          const view: SocketView = {
            fd: sock.fd,
            family: sock.family,
            state: socketState(state, sock),
            local: sock.local,
            peer: sock.peer,
            ...socketBuffers(state, sock),
          };
          const block = sock.family === 'dss' ? state.cbt.indexOf(`${sock.proc}:${sock.fd}`) : -1;
          return block >= 0 ? { ...view, block } : view;
        });
      return { process, host: host.name, alive: state.procs[process]!.alive, sockets };
    }),
  );
  const net: Inspection['ports']['net'] = [];
  const dss: Inspection['ports']['dss'] = [];
  for (const sock of Object.values(state.socks)) {
    if (!sock.holdsPort || !sock.local) continue;
    if ('host' in sock.local) net.push({ host: sock.local.host, port: sock.local.port, process: sock.proc, fd: sock.fd });
    else dss.push({ stg: sock.local.stg, port: sock.local.port, process: sock.proc, fd: sock.fd });
  }
  net.sort((a, b) => (a.host === b.host ? a.port - b.port : a.host < b.host ? -1 : 1));
  dss.sort((a, b) => (a.stg === b.stg ? a.port - b.port : a.stg - b.stg));
  return { now: state.now, cbt: { capacity: state.cbt.length, blocks }, processes, ports: { net, dss } };
}

function ownerOf(owner: string | null): Owner | null {
  if (owner === null) return null;
  if (owner === RESERVED) return { reserved: true };
  const colon = owner.lastIndexOf(':');
  return { process: owner.slice(0, colon), fd: Number(owner.slice(colon + 1)) };
}
