/**
 * Why this test? It runs dualsock the way a person does — `node
 * bin/dualsock.js check --impl "…"` — against implementations that break the
 * wire protocol on purpose (fixtures/misbehaving), and pins what the person
 * gets: exit code 3, a message naming what arrived and the PROTOCOL.md
 * section, and no process left behind. It also proves the two minimal
 * examples pass, so the README's instructions work.
 */
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { MAX_LINE_BYTES } from '../../spec/messages.ts';
import { REQUIREMENTS } from '../../spec/requirements.ts';
import { isGone, livingWithArgument, waitFor } from '../drive/testing/processes.ts';

const TIME = '/usr/bin/time';

async function dualsock(args: string[], options: { time?: boolean } = {}) {
  const started = Date.now();
  const argv = ['bin/dualsock.js', ...args];
  const result =
    options.time && existsSync(TIME)
      ? await execa(TIME, ['-v', process.execPath, ...argv], { reject: false, timeout: 300_000 })
      : await execa(process.execPath, argv, { reject: false, timeout: 300_000 });
  return { code: result.exitCode, out: result.stdout, err: result.stderr, ms: Date.now() - started };
}

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'dualsock-e2e-'));

describe('misbehaving implementations: exit 3 with a message a person understands', () => {
  test.concurrent.each<{ fixture: string; phrases: RegExp[] }>([
    {
      fixture: 'crash-at-start',
      phrases: [/broke the wire protocol \(exit\)/, /arrived: +exited with code 1/, /PROTOCOL\.md §lifecycle/, /\| crash-at-start: cannot open the storage device/],
    },
    {
      fixture: 'silent',
      phrases: [/broke the wire protocol \(timeout\)/, /Nothing answered `hello` \(id 0\) within the start-up allowance of 2000 ms/, /PROTOCOL\.md §timeouts/],
    },
    {
      fixture: 'non-json',
      phrases: [/not well-formed JSON/, /arrived: +Hello, dualsock! non-json implementation ready\./, /expected: one JSON object per line/, /PROTOCOL\.md §framing/, /stderr/],
    },
    {
      fixture: 'unknown-type',
      phrases: [/\(unknown-type\)/, /"type" is "bogus"/, /arrived: +\{"type":"bogus","id":0,"version":1\}/, /one of hello, ack, result/, /PROTOCOL\.md §replies/],
    },
    {
      fixture: 'duplicate-reply',
      phrases: [/\(duplicate-reply\)/, /second final reply/, /arrived: +\{"type":"ack","id":1\}/, /its `reset` request was already answered/, /PROTOCOL\.md §ids/],
    },
  ])('$fixture', async ({ fixture, phrases }) => {
    const main = `fixtures/misbehaving/${fixture}/main.mjs`;
    const { code, err } = await dualsock(['check', '--impl', `node ${main}`, '--timeout-ms', '2000', '--startup-timeout-ms', '2000']);
    expect(code).toBe(3);
    for (const phrase of phrases) expect(err).toMatch(phrase);
    expect(livingWithArgument(main)).toEqual([]);
  });

  test.concurrent('grandchild-hang: times out and leaves no process, not even the grandchild', async () => {
    const pidFile = join(tempDir(), 'grandchild.pid');
    const main = 'fixtures/misbehaving/grandchild-hang/main.mjs';
    const { code, err } = await dualsock(['check', '--impl', `node ${main} ${pidFile}`, '--timeout-ms', '2000', '--startup-timeout-ms', '2000']);
    expect(code).toBe(3);
    expect(err).toMatch(/Nothing answered `hello` \(id 0\) within the start-up allowance of 2000 ms/);
    expect(err).toMatch(/PROTOCOL\.md §timeouts/);
    expect(err).toMatch(/\| grandchild-hang: started grandchild [0-9]+/);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    expect(grandchild).toBeGreaterThan(0);
    // The grandchild ignores SIGTERM and held stdout open: only the group SIGKILL ends it.
    await waitFor(() => (isGone(grandchild) ? true : undefined), 2_000, `grandchild ${grandchild} to be gone`);
    expect(livingWithArgument(main)).toEqual([]);
  });

  // Memory, honestly: the fixture writes ~300 MB without a newline. A harness
  // that buffered the line would hold at least 300 MB (as a string, twice that).
  // Two observations show dualsock does not: (1) its message reports how many
  // bytes had arrived when it stopped reading, which must be the limit plus at
  // most one pipe chunk (64 KiB); (2) where GNU time exists, the harness's peak
  // resident memory stays far below the size of the line (node + tsx alone use
  // about 100 MB, so the bound is 250 MB).
  test.concurrent('huge-line: fails as soon as the line passes MAX_LINE_BYTES, with flat memory', async () => {
    const main = 'fixtures/misbehaving/huge-line/main.mjs';
    const { code, err } = await dualsock(['check', '--impl', `node ${main}`, '--timeout-ms', '2000', '--startup-timeout-ms', '2000'], { time: true });
    expect(code).toBe(3);
    expect(err).toMatch(/\(line-too-long\)/);
    expect(err).toMatch(/PROTOCOL\.md §framing/);
    const stoppedAfter = Number(/stopped reading after ([0-9]+) bytes/.exec(err)?.[1]);
    expect(stoppedAfter).toBeGreaterThan(MAX_LINE_BYTES);
    expect(stoppedAfter).toBeLessThanOrEqual(MAX_LINE_BYTES + 64 * 1024);
    const peakKb = /Maximum resident set size \(kbytes\): ([0-9]+)/.exec(err)?.[1];
    if (peakKb !== undefined) expect(Number(peakKb)).toBeLessThan(250 * 1024);
    expect(livingWithArgument(main)).toEqual([]);
  });
});

describe('the minimal examples pass a check', () => {
  test.concurrent.each([
    { name: 'in-process', impl: 'fixtures/examples/minimal-inprocess/index.ts', implName: 'minimal-inprocess' },
    { name: 'subprocess', impl: 'node --import tsx fixtures/examples/minimal-subprocess/main.mjs', implName: 'minimal-subprocess' },
  ])('$name', async ({ impl, implName }) => {
    const { code, out, err } = await dualsock(['check', '--impl', impl, '--seed', '1', '--only', 'wire', '--runs', '5', '--out', 'tmp/cx-examples']);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain(`"${implName}", protocol v1`);
    expect(out).toMatch(/CONFORMS \(exit 0\)/);
  });
});

test('serve-reference passes a check as a subprocess', async () => {
  const { code, out, err } = await dualsock(['check', '--impl', 'node bin/dualsock.js serve-reference', '--seed', '2', '--only', 'wire', '--runs', '5', '--out', 'tmp/cx-examples']);
  expect(err).toBe('');
  expect(code).toBe(0);
  expect(out).toMatch(/protocol v1/);
});

describe('as a user runs it', () => {
  test.concurrent('a usage error exits 2 before anything starts', async () => {
    const { code, err } = await dualsock(['check', '--impl', 'node fixtures/examples/minimal-subprocess/main.mjs', '--budget', '5x']);
    expect(code).toBe(2);
    expect(err).toMatch(/--budget "5x" is not a duration/);
  });

  test.concurrent('list prints every requirement ID', async () => {
    const { code, out } = await dualsock(['list']);
    expect(code).toBe(0);
    for (const requirement of REQUIREMENTS) expect(out).toContain(requirement.id);
  });
});
