/**
 * Why this test? The workflow in ci/ is copied by users; a flag renamed in the CLI would break
 * their gate silently. The check command it runs must parse, with every flag it uses.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { splitCommandLine } from '../harness/drive/command-line.ts';
import { main } from '../harness/cli/cli.ts';

test('the GitHub Actions gate runs a dualsock check whose flags all parse', async () => {
  const workflow = readFileSync('ci/dualsock-gate.yml', 'utf8');
  const block = /run: \|\n((?:\s+.*\n)+?)\s+- name/.exec(workflow)?.[1];
  expect(block).toBeDefined();
  const command = block!
    .replace(/\\\n/g, ' ')
    .replace(/\$\{\{ github\.run_number \}\}/g, '7')
    .replace(/\$\{\{ matrix\.shard \}\}/g, '2')
    .replace(/"\$IMPL"/g, '"node bin/dualsock.js serve-reference"')
    .replace(/"\$BUDGET"/g, '5m')
    .trim();
  const argv = splitCommandLine(command);
  expect(argv.slice(0, 3)).toEqual(['npx', 'dualsock', 'check']);
  // --help after the flags: commander parses and validates every flag, then prints help instead of running.
  let out = '';
  const code = await main([...argv.slice(2), '--help'], { out: (t) => void (out += t), err: (t) => void (out += t) });
  expect(code).toBe(0);
  expect(out).toContain('--shard');
  for (const flag of argv.filter((a) => a.startsWith('--'))) expect(out).toContain(flag);
});
