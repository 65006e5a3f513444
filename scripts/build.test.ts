/**
 * Why this test? bin/dualsock.js and `npm run check` run what scripts/build.mjs
 * compiled, not the sources: a bundle that resolves a file from the wrong
 * folder, loses a lazily imported module or needs a loader at start would
 * break every user while the sources' own tests stay green. So the compiled
 * command line must answer exactly as the sources do, the compiled native
 * implementation must start its workers from the compiled host and still load
 * a TypeScript --patch in them, and the launcher must never run output older
 * than a source it was built from.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { beforeAll, describe, expect, test } from 'vitest';
import { main } from '../harness/cli/cli.ts';
import { DEFAULT_CONFIG } from '../spec/config.ts';
import type { Output } from '../harness/judge/options.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

async function fromSources(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const output: Output = { out: (text) => void (out += text), err: (text) => void (out += text) };
  const code = await main(args, output);
  return { code, out };
}

/** The compiled command line, imported directly (the launcher would fall back to the sources while anyone edits them). */
async function compiled(args: string[]): Promise<{ code: number; out: string }> {
  const script = `const { main } = await import('./dist/cli/cli.js'); process.exitCode = await main(${JSON.stringify(args)});`;
  const result = await execa(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, reject: false, all: true, stripFinalNewline: false });
  return { code: result.exitCode ?? -1, out: result.all ?? '' };
}

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
}, 600_000);

describe('the compiled command line answers as the sources do', () => {
  test.each([[['list', '--json']], [['--version']], [['check', '--runs', 'x']]])('dualsock %j', async (args) => {
    const [source, built] = await Promise.all([fromSources(args), compiled(args)]);
    expect(built).toEqual(source);
  });

  test('serve-reference (a chunk loaded on demand) answers hello', async () => {
    const script = `const { main } = await import('./dist/cli/cli.js'); process.exitCode = await main(['serve-reference']);`;
    const result = await execa(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      input: JSON.stringify({ type: 'hello', id: 1, version: 1 }) + '\n' + JSON.stringify({ type: 'bye', id: 2 }) + '\n',
      reject: false,
      timeout: 300_000,
    });
    expect(JSON.parse(result.stdout.split('\n')[0]!)).toMatchObject({ type: 'hello', id: 1 });
  });
});

describe('the compiled native implementation', () => {
  /** hello, a reset with two hosts (two workers), two calls each followed by settle, bye: the replies. */
  async function session(args: string[]): Promise<Array<Record<string, unknown>>> {
    const config = DEFAULT_CONFIG;
    const requests = [
      { type: 'hello', id: 1, version: 1 },
      { type: 'reset', id: 2, config },
      { type: 'call', id: 3, process: 'S', call: { op: 'socket', family: 'dss' } },
      { type: 'settle', id: 10 },
      { type: 'call', id: 4, process: 'S', call: { op: 'getsockname', fd: 1024 } },
      { type: 'settle', id: 11 },
      { type: 'bye', id: 5 },
    ];
    const result = await execa(process.execPath, ['dist/native/main.js', ...args], {
      cwd: ROOT,
      input: requests.map((r) => JSON.stringify(r)).join('\n') + '\n',
      reject: false,
      timeout: 300_000,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    return result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  test('starts its two host workers (dist/native/host.js) and answers calls', async () => {
    const replies = await session([]);
    expect(replies.find((r) => r.id === 3)).toMatchObject({ type: 'result', outcome: { value: { fd: 1024 } } });
    expect(replies.find((r) => r.id === 4)).toMatchObject({ type: 'result', outcome: { value: { local: null } } });
  }, 600_000);

  test('loads a TypeScript --patch in the host workers (the dispatch off by one answers EBADF on the first STP socket)', async () => {
    // native-dispatch-off-by-one dispatches the descriptor equal to the boundary (1024) to the network side.
    const replies = await session(['--patch', 'fixtures/mutants/native-dispatch-off-by-one/patch.ts']);
    expect(replies.find((r) => r.id === 3)).toMatchObject({ type: 'result', outcome: { value: { fd: 1024 } } });
    expect(replies.find((r) => r.id === 4)).toMatchObject({ type: 'result', outcome: { error: 'EBADF' } });
  }, 600_000);
});

describe('bin/dualsock.js never runs stale output', () => {
  /**
   * The launcher in a folder of its own: a "compiled" and a "source" command
   * line that say which they are, and a manifest naming the source as an input.
   */
  function launcherWith(builtAt: number | null): string {
    const dir = mkdtempSync(join(tmpdir(), 'dualsock-launcher-'));
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'dist', 'cli'), { recursive: true });
    mkdirSync(join(dir, 'harness', 'cli'), { recursive: true });
    copyFileSync(join(ROOT, 'bin', 'dualsock.js'), join(dir, 'bin', 'dualsock.js'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(join(dir, 'dist', 'cli', 'cli.js'), "export async function main() { process.stdout.write('compiled'); return 0; }\n");
    writeFileSync(join(dir, 'harness', 'cli', 'cli.ts'), "export async function main(): Promise<number> { process.stdout.write('source'); return 0; }\n");
    if (builtAt !== null) writeFileSync(join(dir, 'dist', 'manifest.json'), JSON.stringify({ cli: { builtAt, inputs: ['harness/cli/cli.ts'] } }));
    return dir;
  }

  test.each([
    { when: 'built after its last source change', builtAt: Date.now() + 60_000, runs: 'compiled' },
    { when: 'a source changed since the build', builtAt: 0, runs: 'source' },
    { when: 'never built', builtAt: null, runs: 'source' },
  ])('$when: it runs the $runs command line', async ({ builtAt, runs }) => {
    const dir = launcherWith(builtAt);
    try {
      const result = await execa(process.execPath, [join(dir, 'bin', 'dualsock.js')], { cwd: dir, reject: false, timeout: 300_000 });
      expect(result.stdout, result.stderr).toBe(runs);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
