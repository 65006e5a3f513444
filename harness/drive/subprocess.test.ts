import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ProtocolError } from './protocol-error.ts';
import { signalGroup } from './process-groups.ts';
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
    const driver = new SubprocessDriver({ timeoutMs: 30_000, command: { argv: [node, 'fixtures/misbehaving/crash-at-start/main.mjs'] } });
    const started = Date.now();
    const error = await driver.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).kind).toBe('exit');
    expect((error as ProtocolError).message).toMatch(/exited with code 1[\s\S]*cannot open the storage device/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('stopping after a timeout kills the grandchild too', async () => {
    const file = pidFile();
    const driver = new SubprocessDriver({ timeoutMs: 500, killGraceMs: 100, command: { argv: [node, 'fixtures/misbehaving/grandchild-hang/main.mjs', file] } });
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
    const grandchild = await waitFor(() => (existsSync(file) && readFileSync(file, 'utf8') ? Number(readFileSync(file, 'utf8')) : undefined), 10_000, 'the grandchild pid file');
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
