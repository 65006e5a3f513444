/**
 * Counterexample files: everything needed to read, replay and debug one
 * failure — the world, the concrete steps (shrunk), the trace of the run as
 * the checker explained it, the violated requirements, expected vs actual,
 * and how to reproduce it. Written atomically (temp file + rename) the moment
 * a failure is found, before shrinking starts, and rewritten as shrinking
 * finds smaller ones, so an interrupted run still leaves one behind.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { WorldConfig } from '../../spec/config.ts';
import { Fault, HandshakeOutcome, Op, Outcome } from '../../spec/messages.ts';
import type { Command } from '../generate/plan.ts';
import type { TraceEntry } from './runner.ts';
import { DUALSOCK_VERSION } from './version.ts';

export const COUNTEREXAMPLE_FORMAT = 1;

/** dualsock's version, recorded in every counterexample and report. */
export const VERSION = DUALSOCK_VERSION;

const CallCommand = z.object({ process: z.string(), call: Op });
const Scenario = z.object({
  flow: z.enum(['fs', 'db']),
  server: z.object({ process: z.string(), by: z.enum(['impl', 'harness']) }),
  client: z.object({ process: z.string(), by: z.enum(['impl', 'harness']) }),
  stg: z.number(),
  deviation: z.object({ kind: z.string(), label: z.string() }).nullable(),
  fault: z.object({ kind: z.string(), side: z.enum(['server', 'client']), label: z.string(), ticks: z.number() }).nullable(),
  together: z.boolean(),
});
const CommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('call'), process: z.string(), call: Op }),
  z.object({ type: z.literal('batch'), calls: z.array(CallCommand) }),
  z.object({ type: z.literal('tick') }),
  z.object({ type: z.literal('fault'), fault: Fault }),
  z.object({ type: z.literal('handshake'), scenario: Scenario }),
  z.object({ type: z.literal('sessions'), scenarios: z.array(Scenario).min(1), order: z.array(z.number().int().nonnegative()) }),
]);

export const CounterexampleSchema = z.object({
  format: z.literal(COUNTEREXAMPLE_FORMAT),
  dualsock: z.string(),
  /** "shrinking" while fast-check is still looking for a smaller one; "final" after. */
  status: z.enum(['shrinking', 'final']),
  implementation: z.string(),
  property: z.string(),
  seed: z.number(),
  path: z.string(),
  violated: z.array(z.string()),
  expected: z.string(),
  actual: z.string(),
  /** Index in `steps` of the step that failed. */
  failedAt: z.number(),
  /** The property inspected after every step: a replay must too, or an inspection-only failure would not show. */
  thorough: z.boolean().default(false),
  world: WorldConfig,
  steps: z.array(CommandSchema),
  /** What each step's calls (or handshake sides) answered in the recorded run: replays rename descriptors through them. */
  answers: z.array(z.array(z.union([Outcome, HandshakeOutcome, z.null()]))).default([]),
  trace: z.array(z.object({ command: z.number(), what: z.string(), lines: z.array(z.string()) })),
  replay: z.string(),
  reproduce: z.string(),
});
export type Counterexample = z.infer<typeof CounterexampleSchema>;

/**
 * Writes a file whole or not at all: a temp file beside it, then a rename. A write that fails
 * (a full disk, a read-only folder) leaves no temp file behind and throws with the path.
 */
export function writeAtomically(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(temp, content);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Claims a file name no other check has taken in `dir`: `<base>.json`, else `<base>-2.json`, …
 * The claim is an exclusive create, so two checks with the same seed and output folder, even
 * running at once, never write over each other's counterexamples.
 */
export function claimFile(dir: string, base: string): string {
  mkdirSync(dir, { recursive: true });
  for (let n = 1; ; n++) {
    const path = join(dir, `${base}${n === 1 ? '' : `-${n}`}.json`);
    try {
      closeSync(openSync(path, 'wx'));
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** Text fields are bounded: an implementation's answer can be megabytes, a counterexample need not be. */
const FIELD_CHARS_MAX = 4096;

function bounded(text: string): string {
  return text.length <= FIELD_CHARS_MAX ? text : `${text.slice(0, FIELD_CHARS_MAX)}… (${text.length - FIELD_CHARS_MAX} more characters)`;
}

export function saveCounterexample(path: string, counterexample: Counterexample): void {
  const c: Counterexample = {
    ...counterexample,
    expected: bounded(counterexample.expected),
    actual: bounded(counterexample.actual),
    trace: counterexample.trace.map((t) => ({ command: t.command, what: bounded(t.what), lines: t.lines.map(bounded) })),
  };
  writeAtomically(path, JSON.stringify(c, null, 2) + '\n');
}

export class CounterexampleError extends Error {}

export function loadCounterexample(path: string): Counterexample {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CounterexampleError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CounterexampleError(`${path} is not JSON (${(error as Error).message}); expected a counterexample file written by dualsock check`);
  }
  const parsed = CounterexampleSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CounterexampleError(
      `${path} is not a dualsock counterexample: at ${issue.path.join('.') || '(top)'}: ${issue.message}. Expected the JSON that dualsock check writes (format ${COUNTEREXAMPLE_FORMAT}).`,
    );
  }
  return parsed.data;
}

export function traceText(trace: readonly TraceEntry[]): string {
  return trace.map((entry) => [`  #${entry.command} ${entry.what}`, ...entry.lines.map((line) => `      ${line}`)].join('\n')).join('\n');
}

export type { Command };
