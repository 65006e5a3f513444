/**
 * From an --impl value to a Driver. A value that names an existing .ts, .js,
 * .mjs, .mts or .cjs file is a module run in-process; anything else is a
 * command line run as a subprocess (split like a shell would, or handed to
 * the shell itself with --shell).
 */
import { existsSync, statSync } from 'node:fs';
import type { Driver, DriverOptions, ImplementationFactory } from './driver.ts';
import { InProcessDriver, isModulePath } from './inprocess.ts';
import { splitCommandLine } from './command-line.ts';
import { SubprocessDriver } from './subprocess.ts';
import { IsolatedModuleDriver } from './isolated.ts';
import { UsageError } from './usage-error.ts';

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

export function createDriver(spec: ImplementationSpec, options: DriverOptions = {}): Driver {
  switch (spec.kind) {
    case 'module':
      return new IsolatedModuleDriver({ ...options, module: spec.path });
    case 'factory':
      return new InProcessDriver({ ...options, module: spec.factory });
    case 'command':
      return new SubprocessDriver({ ...options, command: { argv: spec.argv } });
    case 'shell':
      return new SubprocessDriver({ ...options, command: { shell: spec.command } });
  }
}
