/**
 * Sessions at once (plan.ts `SessionsPlan`): each session is a plain scenario, both roles played
 * by the implementation, with processes no other session of the command uses. A session's
 * set-up listens on its listening host's WKP — the file-system client's host, the database
 * server's — and two set-ups cannot share that port (SPEC.md §13.30), so each session of the
 * command gets a listening host of its own; the connecting sides may share hosts and STGs.
 * Sessions that find no such host or no idle process are left out; none left, no command.
 */
import { hostOf } from '../../spec/config.ts';
import type { State } from '../../reference/index.ts';
import { type Capabilities, type Scenario, type SessionsPlan, idleProcesses, rolesOf } from './plan.ts';

export function sessionsFor(state: State, plan: SessionsPlan, capabilities: Capabilities): Scenario[] | null {
  const config = state.config;
  const taken = new Set<string>();
  const listening = new Set<string>();
  const scenarios: Scenario[] = [];
  for (const session of plan.sessions) {
    const roles = rolesOf(session.flow);
    if (!capabilities.handshakes.includes(roles.server) || !capabilities.handshakes.includes(roles.client)) continue;
    const free = idleProcesses(state).filter((p) => !taken.has(p));
    const listens = session.flow === 'fs' ? session.client : session.server;
    const connects = session.flow === 'fs' ? session.server : session.client;
    const listener = nth(free.filter((p) => !listening.has(hostOf(config, p)!)), listens);
    if (!listener) continue;
    const listenerHost = hostOf(config, listener)!;
    const peer = nth(free.filter((p) => hostOf(config, p) !== listenerHost), connects);
    if (!peer) continue;
    taken.add(listener).add(peer);
    listening.add(listenerHost);
    const [server, client] = session.flow === 'fs' ? [peer, listener] : [listener, peer];
    scenarios.push({
      flow: session.flow,
      server: { process: server, by: 'impl' },
      client: { process: client, by: 'impl' },
      stg: nth(config.stgs, session.server + session.client)!.id,
      deviation: null,
      fault: null,
      together: session.together,
    });
  }
  return scenarios.length > 0 ? scenarios : null;
}

function nth<T>(list: readonly T[], sel: number): T | undefined {
  return list.length === 0 ? undefined : list[Math.abs(sel) % list.length];
}
