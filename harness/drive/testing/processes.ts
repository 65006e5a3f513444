/**
 * Process checks for the tests that prove dualsock leaves no process behind.
 *
 * "Gone" means the process has terminated. A terminated process whose parent
 * died lingers as a zombie until PID 1 reaps it, and in containers whose PID 1
 * does not reap (this repository's CI runs in one), kill(pid, 0) keeps
 * succeeding on such a zombie for ever. So a zombie counts as gone: it runs
 * no code, holds no pipe and no port. Linux only (/proc), like the CI.
 */
import { readdirSync, readFileSync } from 'node:fs';

interface Stat {
  readonly pid: number;
  readonly state: string;
  readonly pgrp: number;
}

function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is parenthesised and may hold spaces; the fields after it are fixed.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, state: fields[0]!, pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
    throw error;
  }
  const found = stat(pid);
  return found === undefined || found.state === 'Z' || found.state === 'X';
}

export function processGroupOf(pid: number): number | undefined {
  return stat(pid)?.pgrp;
}

/** The processes of a group that are still running (zombies excluded). */
export function livingInGroup(pgrp: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^[0-9]+$/.test(name))
    .map((name) => stat(Number(name)))
    .filter((s): s is Stat => s !== undefined && s.pgrp === pgrp && s.state !== 'Z' && s.state !== 'X')
    .map((s) => s.pid);
}

export async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Running processes whose command line contains `needle` (zombies excluded). */
export function livingWithArgument(needle: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^[0-9]+$/.test(name) && Number(name) !== process.pid)
    .filter((name) => {
      try {
        return readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(needle) && !isGone(Number(name));
      } catch {
        return false;
      }
    })
    .map(Number);
}
