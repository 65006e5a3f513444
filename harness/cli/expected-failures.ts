/**
 * The --expect-failures file: requirement IDs expected to fail, each with a reason. Loaded only
 * by a check that names one (it brings zod along).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { REQUIREMENT_IDS } from '../../spec/requirements.ts';
import { suggest } from './suggest.ts';
import { UsageError } from '../drive/usage-error.ts';
import type { ExpectedFailure } from '../judge/options.ts';

const ExpectedFailuresFile = z.union([
  z.record(z.string(), z.string().min(1)),
  z.array(z.strictObject({ requirement: z.string(), reason: z.string().min(1) })),
]);

export function readExpectedFailures(file: string): ExpectedFailure[] {
  const example = '{"CBT-UNIQUE-OWNER": "known race, ticket 12"}';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`--expect-failures ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); expected a JSON file such as ${example}.`);
  }
  let parsed: z.infer<typeof ExpectedFailuresFile>;
  try {
    parsed = ExpectedFailuresFile.parse(JSON.parse(text));
  } catch {
    throw new UsageError(`--expect-failures ${file} is not a list of expected failures; expected JSON mapping requirement IDs to reasons, such as ${example}.`);
  }
  const entries: ExpectedFailure[] = Array.isArray(parsed)
    ? parsed
    : Object.entries(parsed).map(([requirement, reason]) => ({ requirement, reason }));
  for (const entry of entries) {
    if (!REQUIREMENT_IDS.has(entry.requirement)) {
      throw new UsageError(`--expect-failures ${file}: ${JSON.stringify(entry.requirement)} is not a requirement ID${suggest(entry.requirement)}; expected IDs as \`dualsock list\` prints them, such as ${example}.`);
    }
  }
  return entries;
}

