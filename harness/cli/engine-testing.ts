/**
 * What the tests of `check` as a function (and bench/rules.ts) share: the reference as the implementation, an output
 * that keeps what was printed, and the engine's options with a fresh output folder each time.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReferenceImplementation } from '../drive/reference-implementation.ts';
import type { EngineOptions } from './check.ts';

export const reference = { kind: 'factory' as const, factory: createReferenceImplementation };

/** An output that keeps everything printed, for a test to read back. */
export function quiet(): { out: (t: string) => void; err: (t: string) => void; text: () => string } {
  let text = '';
  return { out: (t) => (text += t), err: (t) => (text += t), text: () => text };
}

/** A check of the reference with `seed`, every property, nothing expected to fail, and `over` on top. */
export function engineOptions(seed: number, folder: string, over: Partial<EngineOptions>): EngineOptions {
  return {
    impl: reference,
    seed,
    only: [],
    strict: false,
    expectedFailures: [],
    reports: [],
    timeoutMs: 30_000,
    outDir: mkdtempSync(join(tmpdir(), `dualsock-${folder}-`)),
    ...over,
  };
}
