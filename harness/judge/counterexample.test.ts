/**
 * Why this test? Counterexample files are written while a check runs, sometimes into a folder
 * another check shares. A write that fails must leave no temp file behind, and two checks
 * claiming the same name must get two files.
 */
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { claimFile, writeAtomically } from './counterexample.ts';
import { VERSION } from './counterexample.ts';
import { readFileSync } from 'node:fs';

test('a failed atomic write leaves no temp file and says which path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dualsock-write-'));
  mkdirSync(join(dir, 'taken.json'));
  expect(() => writeAtomically(join(dir, 'taken.json'), '{}')).toThrow(/taken\.json/);
  expect(readdirSync(dir)).toEqual(['taken.json']);
});

test('claimed names are unique: the plain name first, then -2, -3', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dualsock-claim-'));
  expect([claimFile(dir, 'p-seed1'), claimFile(dir, 'p-seed1'), claimFile(dir, 'p-seed1')].map((p) => p.slice(dir.length + 1))).toEqual(['p-seed1.json', 'p-seed1-2.json', 'p-seed1-3.json']);
});

test('the version recorded in counterexamples is package.json’s', () => {
  expect(VERSION).toBe((JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version);
});
