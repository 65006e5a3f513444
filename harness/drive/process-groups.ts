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
 * A grandchild that calls setsid() (a daemon) leaves the group, so groups
 * alone are not enough. Every implementation is also started with a run tag in
 * its environment, DUALSOCK_RUN_ID=<random>, which its children inherit
 * whatever group or session they move to. At teardown the harness looks for
 * the tag in /proc/<pid>/environ and ends every process that carries it, by
 * PID: SIGTERM, a short grace, then SIGKILL to whatever still carries it.
 *
 * What the tag cannot reach, and the harness therefore cannot end: a process
 * that cleared or rewrote its environment before the scan (env -i, execve with
 * a fresh environment); a process of another user (its environ is unreadable);
 * a process in another PID namespace (a container the implementation started);
 * and anything on a system without /proc (macOS, Windows), where only the
 * process group is killed. Implementations must not daemonise.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

/** The environment variable that tags every process a run starts. */
export const RUN_ID_VARIABLE = 'DUALSOCK_RUN_ID';

/** A fresh run tag: the harness's pid (for a person reading `ps e`) and 96 random bits. */
export function newRunId(): string {
  return `${process.pid}-${randomBytes(12).toString('hex')}`;
}

/**
 * The PIDs of running processes whose environment carries `RUN_ID_VARIABLE=runId`
 * (the harness itself excluded). Empty where there is no /proc.
 */
export function taggedProcesses(runId: string): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const needle = `\0${RUN_ID_VARIABLE}=${runId}\0`;
  const found: number[] = [];
  for (const name of names) {
    if (!/^[0-9]+$/.test(name) || Number(name) === process.pid) continue;
    let environ: string;
    try {
      // latin1: the bytes are compared, not decoded; an environment need not be UTF-8.
      environ = readFileSync(`/proc/${name}/environ`, 'latin1');
    } catch {
      continue; // gone meanwhile, or another user's (EACCES)
    }
    if (`\0${environ}`.includes(needle) && !isZombie(Number(name))) found.push(Number(name));
  }
  return found;
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return true;
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: it ended meanwhile.
  }
}

/** How many times teardown looks again for tagged processes: a daemon may fork while it is being ended. */
const TAG_ROUNDS_MAX = 5;

/**
 * Ends every process carrying the run tag: SIGTERM, up to `graceMs` for them to go,
 * then SIGKILL to those that still carry it (looked up again, so a PID reused meanwhile
 * by a process outside the run is left alone). Returns the PIDs it signalled.
 */
export async function endTagged(runId: string, graceMs: number): Promise<number[]> {
  const ended = new Set<number>();
  for (let round = 0; round < TAG_ROUNDS_MAX; round++) {
    const tagged = taggedProcesses(runId);
    if (tagged.length === 0) break;
    for (const pid of tagged) {
      ended.add(pid);
      signalPid(pid, 'SIGTERM');
    }
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && taggedProcesses(runId).length > 0) await pause(10);
    for (const pid of taggedProcesses(runId)) signalPid(pid, 'SIGKILL');
  }
  return [...ended];
}

/** SIGKILL to every tagged process, synchronously: for the harness's own exit, when nothing can wait. */
function killTaggedNow(runId: string): void {
  for (const pid of taggedProcesses(runId)) signalPid(pid, 'SIGKILL');
}

/** A wait that keeps the harness alive: by now nothing else may (the implementation's pipes are closed). */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const live = new Set<number>();
const liveTags = new Set<string>();
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

/** Remembers a run tag until `unregisterTag`, so that the harness's exit or interruption ends its processes too. */
export function registerTag(runId: string): void {
  liveTags.add(runId);
  hook();
}

export function unregisterTag(runId: string): void {
  liveTags.delete(runId);
  unhookIfIdle();
}

export function registerGroup(pgid: number): void {
  live.add(pgid);
  hook();
}

function hook(): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', killAll);
    for (const signal of SIGNALS) process.on(signal, onSignal);
  }
}

/** Forgets a group once it has been killed for good. */
export function unregisterGroup(pgid: number): void {
  live.delete(pgid);
  unhookIfIdle();
}

function unhookIfIdle(): void {
  if (live.size === 0 && liveTags.size === 0 && hooked) {
    hooked = false;
    process.removeListener('exit', killAll);
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  }
}

function killAll(): void {
  for (const pgid of live) signalGroup(pgid, 'SIGKILL');
  for (const runId of liveTags) killTaggedNow(runId);
}

function onSignal(signal: NodeJS.Signals): void {
  killAll();
  for (const pgid of [...live]) unregisterGroup(pgid);
  for (const runId of [...liveTags]) unregisterTag(runId);
  // With our handler gone, re-raising gives the default action (death by the
  // signal) unless another listener has taken charge of it.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}
