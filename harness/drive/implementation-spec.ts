/**
 * What --impl names: a module run in-process, or a command line run as a subprocess.
 * Kept apart from the drivers, which load zod and execa, so that parsing the command line
 * costs nothing a `dualsock --help` does not need.
 */
import { existsSync, statSync } from 'node:fs';
import type { ImplementationFactory } from './driver.ts';
import { splitCommandLine } from './command-line.ts';
import { UsageError } from './usage-error.ts';

const MODULE_EXTENSIONS = ['.ts', '.js', '.mjs', '.mts', '.cjs'];

export function isModulePath(value: string): boolean {
  return MODULE_EXTENSIONS.some((extension) => value.endsWith(extension));
}

export type ImplementationSpec =
  | { readonly kind: 'module'; readonly path: string }
  | { readonly kind: 'factory'; readonly factory: ImplementationFactory }
  | { readonly kind: 'command'; readonly argv: readonly [string, ...string[]] }
  | { readonly kind: 'shell'; readonly command: string };

export function parseImplementationSpec(value: string, shell = false): ImplementationSpec {
  const trimmed = value.trim();
  if (trimmed === '') {
    throw new UsageError('--impl is empty; expected a module path or a command line, for example --impl ./my-impl.ts or --impl "python3 impl.py".');
  }
  if (shell) return { kind: 'shell', command: trimmed };
  if (isModulePath(trimmed) && existsSync(trimmed) && statSync(trimmed).isFile()) return { kind: 'module', path: trimmed };
  if (isModulePath(trimmed) && !/\s/.test(trimmed)) {
    throw new UsageError(
      `--impl ${trimmed} looks like a module path, but no such file exists.\n` +
        'Expected an existing .ts/.js/.mjs/.mts/.cjs file (run in-process) or a command line (run as a subprocess), ' +
        'for example --impl fixtures/examples/minimal-inprocess/index.ts or --impl "node fixtures/examples/minimal-subprocess/main.mjs".',
    );
  }
  const argv = splitCommandLine(trimmed);
  if (argv.length === 0) throw new UsageError(`--impl ${JSON.stringify(value)} holds no command.`);
  return { kind: 'command', argv: argv as [string, ...string[]] };
}

