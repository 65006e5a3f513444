/**
 * From an --impl value to a Driver. A value that names an existing .ts, .js,
 * .mjs, .mts or .cjs file is a module run in-process; anything else is a
 * command line run as a subprocess (split like a shell would, or handed to
 * the shell itself with --shell).
 */
import type { Driver, DriverOptions } from './driver.ts';
import { InProcessDriver } from './inprocess.ts';
import type { ImplementationSpec } from './implementation-spec.ts';

export { isModulePath, parseImplementationSpec, type ImplementationSpec } from './implementation-spec.ts';
import { SubprocessDriver } from './subprocess.ts';
import { IsolatedModuleDriver } from './isolated.ts';

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
