/**
 * check and replay end to end, as a user runs them: the reference passes (in-process and
 * through serve-reference), a deliberately broken implementation fails with exit 1 and a
 * counterexample file naming the requirement it breaks, and replaying that file reproduces
 * the same violation, labelled deterministic.
 */
import { execa } from 'execa';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadCounterexample } from '../judge/counterexample.ts';

const dualsock = (args: string[]) => execa('node', ['bin/dualsock.js', ...args], { reject: false, timeout: 300_000 });

describe('correct implementations conform (no false positives)', () => {
  test.concurrent.each([
    { name: 'the reference, in-process', impl: 'harness/drive/reference-implementation.ts' },
    { name: 'the reference, through serve-reference', impl: 'node bin/dualsock.js serve-reference' },
    { name: 'the native implementation', impl: 'node --import tsx fixtures/implementations/native/main.ts' },
  ])('$name: no failure over several seeds; a short run is CONFORMS only if it reached every requirement', async ({ impl }) => {
    for (const seed of ['11', '12']) {
      const out = mkdtempSync(join(tmpdir(), 'dualsock-e2e-'));
      const { exitCode, stdout } = await dualsock(['check', '--impl', impl, '--seed', seed, '--runs', '6', '--out', out]);
      expect(stdout).not.toMatch(/^✗/m);
      expect(readdirSync(out)).toEqual([]);
      // Six runs a property may or may not reach every requirement (an implementation's own races
      // decide some branches): whichever it was, the verdict follows the tally it prints.
      const tally = /Requirements \((\d+)\): (\d+) pass, 0 fail, 0 expected to fail, \d+ SHOULD not met, (\d+) skipped, (\d+) not reached/.exec(stdout);
      expect(tally, stdout).not.toBeNull();
      const [, total, pass, skipped, notReached] = tally!.map(Number);
      expect(pass! + skipped! + notReached!).toBe(total);
      if (notReached! > 0) {
        expect(stdout).toMatch(new RegExp(`INCOMPLETE \\(exit 2\\)`));
        expect(stdout).toContain(`${notReached} requirement`);
        expect(exitCode).toBe(2);
      } else {
        expect(stdout).toMatch(/CONFORMS \(exit 0\)/);
        expect(exitCode).toBe(0);
      }
    }
  });

  test('one run a property cannot reach every requirement: INCOMPLETE, not CONFORMS', async () => {
    const { exitCode, stdout } = await dualsock(['check', '--impl', 'harness/drive/reference-implementation.ts', '--seed', '11', '--runs', '1']);
    expect(stdout).toMatch(/\d+ not reached/);
    expect(stdout).not.toMatch(/ 0 not reached/);
    expect(stdout).toMatch(/INCOMPLETE \(exit 2\)/);
    expect(exitCode).toBe(2);
  });
});

describe('a broken implementation', () => {
  const mutant = 'fixtures/mutants/dss-born-bound';
  const info = JSON.parse(readFileSync(join(mutant, 'mutant.json'), 'utf8')) as { requirement: string; property: string };

  test('fails with exit 1 and a counterexample naming the requirement; replay reproduces it, deterministic', async () => {
    const out = mkdtempSync(join(tmpdir(), 'dualsock-e2e-'));
    const report = join(out, 'report.json');
    const check = await dualsock(['check', '--impl', `${mutant}/index.ts`, '--only', info.property, '--seed', '1', '--out', out, '--report', `json=${report}`]);
    expect(check.exitCode).toBe(1);
    expect(check.stdout).toContain(`✗ ${info.property}: ${info.requirement}`);
    expect(check.stdout).toMatch(/replay: {4}npx dualsock replay /);

    const files = readdirSync(out).filter((f) => f.endsWith('.json') && f !== 'report.json');
    expect(files).toHaveLength(1);
    const counterexample = loadCounterexample(join(out, files[0]!));
    expect(counterexample.status).toBe('final');
    expect(counterexample.violated[0]).toBe(info.requirement);
    expect(counterexample.steps.length).toBeGreaterThan(0);
    expect(counterexample.trace.length).toBeGreaterThan(0);

    const json = JSON.parse(readFileSync(report, 'utf8')) as { verdict: string; requirements: { id: string; status: string }[] };
    expect(json.verdict).toBe('non-conformance');
    expect(json.requirements.find((r) => r.id === info.requirement)?.status).toBe('fail');

    const replay = await dualsock(['replay', join(out, files[0]!), '--impl', `${mutant}/index.ts`]);
    expect(replay.exitCode).toBe(1);
    expect(replay.stdout).toMatch(new RegExp(`reproduced, deterministic: ${info.requirement}`));

    // The same failure through check --seed/--path, as the "reproduce" line prints it.
    const path = /--path (\S+)/.exec(counterexample.reproduce)![1]!;
    const again = await dualsock(['check', '--impl', `${mutant}/index.ts`, '--seed', '1', '--path', path, '--out', mkdtempSync(join(tmpdir(), 'dualsock-e2e-'))]);
    expect(again.exitCode).toBe(1);
    expect(again.stdout).toContain(`✗ ${info.property}: ${info.requirement}`);
  });
});
