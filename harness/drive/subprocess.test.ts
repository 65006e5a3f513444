import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ProtocolError } from './protocol-error.ts';
import { endTagged, newRunId, RUN_ID_VARIABLE, signalGroup, taggedProcesses } from './process-groups.ts';
import { SubprocessDriver, TailBuffer } from './subprocess.ts';
import { isGone, livingInGroup, processGroupOf, waitFor } from './testing/processes.ts';
import { UsageError } from './usage-error.ts';

const node = process.execPath;

function pidFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'dualsock-')), 'grandchild.pid');
}

describe('TailBuffer', () => {
  test('keeps the last bytes, however they were chunked', () => {
    const tail = new TailBuffer(10);
    for (const chunk of ['0123', '456789', 'abcdefgh', 'ij']) tail.push(Buffer.from(chunk));
    expect(tail.text()).toBe('abcdefghij');
    tail.push(Buffer.from('x'.repeat(50) + 'END'));
    expect(tail.text()).toBe('xxxxxxxEND');
  });
});

describe('SubprocessDriver', () => {
  test('a command that does not exist is a usage error', async () => {
    const driver = new SubprocessDriver({ command: { argv: ['dualsock-no-such-program'] } });
    await expect(driver.start()).rejects.toThrow(UsageError);
  });

  test('an exit is noticed at once, not when a timeout expires', async () => {
    // Limits of an hour: had the exit not been noticed, the test would hang, whatever the machine's speed.
    const driver = new SubprocessDriver({ timeoutMs: 3_600_000, startupTimeoutMs: 3_600_000, command: { argv: [node, 'fixtures/misbehaving/crash-at-start/main.mjs'] } });
    const error = await driver.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).kind).toBe('exit');
    expect((error as ProtocolError).message).toMatch(/exited with code 1[\s\S]*cannot open the storage device/);
  });

  test('stopping after a timeout kills the grandchild too', async () => {
    const file = pidFile();
    const driver = new SubprocessDriver({ timeoutMs: 500, startupTimeoutMs: 5_000, killGraceMs: 100, command: { argv: [node, 'fixtures/misbehaving/grandchild-hang/main.mjs', file] } });
    const error = await driver.start().catch((e: unknown) => e);
    expect((error as ProtocolError).kind).toBe('timeout');
    const grandchild = Number(readFileSync(file, 'utf8'));
    await waitFor(() => (isGone(grandchild) ? true : undefined), 2_000, `grandchild ${grandchild} to die`);
  });

  // Why this test? Ctrl-C reaches only the harness: the implementation leads its
  // own process group, outside the terminal's foreground group. The harness must
  // pass the end on, or every interrupted run would leak implementations.
  test.concurrent.each(['SIGINT', 'SIGTERM'] as const)('a harness killed by %s takes the whole group with it', async (signal) => {
    const file = pidFile();
    const harness = execa(node, ['--import', 'tsx', 'harness/drive/testing/hold-grandchild.ts', file], { reject: false });
    const grandchild = await waitFor(() => (existsSync(file) && readFileSync(file, 'utf8') ? Number(readFileSync(file, 'utf8')) : undefined), 30_000, 'the grandchild pid file');
    const group = processGroupOf(grandchild)!;
    try {
      expect(livingInGroup(group).length).toBe(2);
      harness.kill(signal);
      const result = await harness;
      expect(result.signal).toBe(signal);
      await waitFor(() => (livingInGroup(group).length === 0 ? true : undefined), 2_000, `process group ${group} to die`);
    } finally {
      // If the harness failed us, do not leak the group into the next test run.
      signalGroup(group, 'SIGKILL');
      harness.kill('SIGKILL');
    }
  });
});

/**
 * Why these tests? A process group holds every descendant only until one calls setsid(): a
 * daemon started with a double fork is in a session of its own, adopted by init, and killing
 * the group misses it. The run tag in its environment (DUALSOCK_RUN_ID) does not: at teardown
 * the harness ends every process that carries it.
 */
describe('the run tag', () => {
  test.concurrent.each(['node', 'setsid'])('a daemon double-forked with setsid (%s) is gone after stop', async (how) => {
    const file = pidFile();
    const driver = new SubprocessDriver({ timeoutMs: 20_000, killGraceMs: 100, command: { argv: [node, 'fixtures/misbehaving/daemon/main.mjs', file, how] } });
    await driver.start();
    const daemon = Number(readFileSync(file, 'utf8'));
    try {
      expect(isGone(daemon)).toBe(false);
      // The daemon really left: another session, another group, so the group kill alone would miss it.
      expect(processGroupOf(daemon)).toBe(daemon);
      expect(readFileSync(`/proc/${daemon}/environ`, 'latin1').split('\0')).toContain(`${RUN_ID_VARIABLE}=${driver.runId}`);
      expect(taggedProcesses(driver.runId)).toContain(daemon);
      await driver.stop();
      expect(driver.broken).toBeUndefined();
      // It ignores SIGTERM: only the SIGKILL after the grace ends it.
      await waitFor(() => (isGone(daemon) ? true : undefined), 3_000, `daemon ${daemon} to be gone`);
      expect(taggedProcesses(driver.runId)).toEqual([]);
    } finally {
      if (!isGone(daemon)) process.kill(daemon, 'SIGKILL');
    }
  });

  test('endTagged ends what carries the tag, and nothing else', async () => {
    const tag = newRunId();
    const spawnSleeper = (runId: string) =>
      execa(node, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1 << 30);"], { env: { [RUN_ID_VARIABLE]: runId }, reject: false });
    const tagged = spawnSleeper(tag);
    const other = spawnSleeper(newRunId());
    try {
      await waitFor(() => (taggedProcesses(tag).includes(tagged.pid!) ? true : undefined), 5_000, 'the tagged process to show up');
      expect(await endTagged(tag, 100)).toEqual([tagged.pid]);
      await waitFor(() => (isGone(tagged.pid!) ? true : undefined), 2_000, 'the tagged process to be gone');
      expect(isGone(other.pid!)).toBe(false);
    } finally {
      tagged.kill('SIGKILL');
      other.kill('SIGKILL');
    }
  });

  test('a tag that matches only as a prefix is not the tag', async () => {
    const tag = newRunId();
    const longer = execa(node, ['-e', 'setInterval(() => {}, 1 << 30);'], { env: { [RUN_ID_VARIABLE]: `${tag}0` }, reject: false });
    try {
      await waitFor(() => (existsSync(`/proc/${longer.pid}/environ`) ? true : undefined), 2_000, 'the process');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(taggedProcesses(tag)).toEqual([]);
    } finally {
      longer.kill('SIGKILL');
    }
  });
});

describe('stderr', () => {
  test('is kept with its control characters made visible, line feeds and tabs kept', async () => {
    const driver = new SubprocessDriver({ timeoutMs: 5_000, command: { argv: [node, 'fixtures/misbehaving/hostile-text/main.mjs', 'crash'] } });
    await driver.start().catch(() => undefined);
    await driver.stop();
    expect(driver.stderrTail()).toContain('panic: \\x1b]52;c;ZXZpbA==\\x07\n\\x1b[1A\\x1b[2K\\r  CONFORMS (exit 0)\n');
    // eslint-disable-next-line no-control-regex
    expect(driver.stderrTail()).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
  });
});
