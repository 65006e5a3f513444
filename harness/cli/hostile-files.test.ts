/**
 * Why this test? Counterexample files travel: a CI artifact, an attachment to a bug report.
 * Replaying one used to run the command it recorded (through /bin/sh with `--shell`) or import
 * the module it named. A shared file must never execute anything the user did not name on the
 * command line; a file that is not what it claims is a usage error naming the file; output
 * locations are checked before anything starts; and a broken bye is never hidden.
 */
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, rmSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

const dualsock = (args: string[], env: Record<string, string> = {}) =>
  execa(process.execPath, ['bin/dualsock.js', ...args], { reject: false, timeout: 300_000, env });
const temp = (): string => mkdtempSync(join(tmpdir(), 'dualsock-hostile-'));
const noStack = /\n\s+at .+:[0-9]+:[0-9]+/;

describe('a shared counterexample runs nothing', () => {
  test('a recorded shell command is shown, not run: exit 2 with the command to run it', async () => {
    rmSync('/tmp/dualsock-pwned-by-shell', { force: true });
    const { exitCode, stderr } = await dualsock(['replay', 'fixtures/misbehaving/files/runs-a-shell-command.json']);
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/this file records the implementation "touch \/tmp\/dualsock-pwned-by-shell \(--shell\)"/);
    expect(stderr).toMatch(/never runs an implementation named inside a file/);
    expect(stderr).toMatch(/--impl 'touch \/tmp\/dualsock-pwned-by-shell' --shell/);
    expect(existsSync('/tmp/dualsock-pwned-by-shell')).toBe(false);
  });

  test('a recorded module path is never imported', async () => {
    const marker = join(temp(), 'imported');
    const { exitCode } = await dualsock(['replay', 'fixtures/misbehaving/files/imports-a-module.json'], { DUALSOCK_EVIL_MARKER: marker });
    expect(exitCode).toBe(2);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('a file that is not what it claims: the file, what is wrong, what to do; exit 2; no stack', () => {
  test('impossible steps in a replayed file', async () => {
    const { exitCode, stderr } = await dualsock(['replay', 'fixtures/misbehaving/files/impossible-steps.json', '--impl', 'fixtures/examples/minimal-inprocess/index.ts']);
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/impossible-steps\.json: step cannot be played in the file's own world/);
    expect(stderr).toMatch(/re-run the check that wrote it/);
    expect(stderr).not.toMatch(noStack);
  });

  test('a foreign .json in a corpus folder', async () => {
    const corpus = temp();
    copyFileSync('fixtures/misbehaving/files/foreign.json', join(corpus, 'foreign.json'));
    const { exitCode, stderr } = await dualsock(['check', '--impl', 'fixtures/examples/minimal-inprocess/index.ts', '--corpus', corpus, '--only', 'wire', '--runs', '1', '--out', temp()]);
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/foreign\.json is not a dualsock counterexample/);
    expect(stderr).not.toMatch(noStack);
  });
});

describe('output locations are checked before the implementation starts', () => {
  test.each([
    { what: 'the counterexample folder', flags: ['--out', '/dev/null/counterexamples'], phrase: /counterexamples: cannot write into \/dev\/null\/counterexamples/ },
    { what: 'a report path', flags: ['--report', 'junit=/dev/null/junit.xml'], phrase: /--report junit=\/dev\/null\/junit\.xml: cannot write into \/dev\/null/ },
  ])('$what: exit 2 at once, nothing started, no verdict printed', async ({ flags, phrase }) => {
    const out = temp();
    const { exitCode, stderr, stdout } = await dualsock(['check', '--impl', 'fixtures/examples/minimal-inprocess/index.ts', '--only', 'wire', '--runs', '1', ...(flags[0] === '--out' ? [] : ['--out', out]), ...flags]);
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(phrase);
    expect(stderr).toMatch(/nothing was started/);
    expect(stdout).not.toMatch(/CONFORMS/);
    expect(readdirSync(out)).toEqual([]);
  });

  test('a report path that is a folder is refused before the run, leaving nothing behind', async () => {
    const out = temp();
    const reports = join(temp(), 'reports');
    mkdirSync(reports);
    // A folder where the report file should be.
    mkdirSync(join(reports, 'report.json'));
    const { exitCode, stderr } = await dualsock(['check', '--impl', 'fixtures/examples/minimal-inprocess/index.ts', '--only', 'wire', '--runs', '5', '--seed', '1', '--out', out, '--report', `json=${join(reports, 'report.json')}`]);
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/report\.json: that is a folder; expected a file path/);
    expect(readdirSync(reports).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

test('a broken bye is reported even when --require ends the check early', async () => {
  const { exitCode, stderr } = await dualsock(['check', '--impl', 'fixtures/misbehaving/in-process/bad-bye.ts', '--require', 'fs-server', '--out', temp()]);
  expect(stderr).toMatch(/does not declare fs-server/);
  expect(exitCode).toBe(3);
});
