/**
 * dualsock's version, read once from package.json: the one place it is written down, so the
 * CLI's --version, the reports and the counterexample files cannot disagree.
 */
import { readFileSync } from 'node:fs';

function readVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const version = (JSON.parse(text) as { version?: unknown }).version;
  if (typeof version !== 'string') throw new Error('package.json has no "version" string; expected for example "version": "0.1.0"');
  return version;
}

export const DUALSOCK_VERSION: string = readVersion();
