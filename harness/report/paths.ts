/**
 * Paths as a person reads them: relative to the directory dualsock was started in, so a
 * replay line printed in a CI log or written into a report works after `cd` into a fresh
 * checkout, and does not carry the CI machine's home directory around.
 */
import { isAbsolute, relative, sep } from 'node:path';

/** `path` relative to `cwd` when it lies inside it; paths outside stay absolute (a `../../..` chain reads worse). */
export function displayPath(path: string, cwd: string = process.cwd()): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(cwd, path);
  if (rel === '') return '.';
  if (rel.startsWith('..') || isAbsolute(rel)) return path;
  return rel.split(sep).join('/');
}

/** A command line with every absolute path inside `cwd` made relative (replay and reproduce lines). */
export function displayCommand(command: string, cwd: string = process.cwd()): string {
  const root = cwd.endsWith(sep) ? cwd : cwd + sep;
  // The path may be quoted for the shell ('…'), so replace the prefix wherever it begins a word.
  return command.split(root).join('');
}
