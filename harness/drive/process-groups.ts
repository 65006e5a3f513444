/**
 * No orphans: every subprocess implementation leads its own process group,
 * and the harness kills the whole group — grandchildren included — when it
 * stops the implementation, when the implementation breaks the protocol, when
 * the harness exits, and when the harness is interrupted (Ctrl-C, SIGTERM).
 *
 * A detached child is not in the terminal's foreground group, so Ctrl-C
 * reaches only the harness: the signal handlers here pass it on. After
 * killing the groups they step aside and re-raise the signal, so the harness
 * still dies of it as it would have (exit status 130 for Ctrl-C) — unless
 * someone else listens for that signal, in which case that listener decides.
 *
 * Limitation, by nature of process groups: a grandchild that calls setsid()
 * (a daemon) leaves the group and escapes. Implementations must not daemonise.
 */

const live = new Set<number>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let hooked = false;

/** Sends a signal to every process of the group; false if none is left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    // ESRCH: the group is empty; EPERM would mean the id was reused by someone else's group.
    return false;
  }
}

/** Whether any process of the group still exists (a zombie not yet reaped counts). */
export function groupAlive(pgid: number): boolean {
  return signalGroup(pgid, 0);
}

export function registerGroup(pgid: number): void {
  live.add(pgid);
  if (!hooked) {
    hooked = true;
    process.on('exit', killAll);
    for (const signal of SIGNALS) process.on(signal, onSignal);
  }
}

/** Forgets a group once it has been killed for good. */
export function unregisterGroup(pgid: number): void {
  live.delete(pgid);
  if (live.size === 0 && hooked) {
    hooked = false;
    process.removeListener('exit', killAll);
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  }
}

function killAll(): void {
  for (const pgid of live) signalGroup(pgid, 'SIGKILL');
}

function onSignal(signal: NodeJS.Signals): void {
  killAll();
  for (const pgid of [...live]) unregisterGroup(pgid);
  // With our handler gone, re-raising gives the default action (death by the
  // signal) unless another listener has taken charge of it.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}
