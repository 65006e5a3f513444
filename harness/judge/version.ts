/**
 * dualsock's version, read once from package.json: the one place it is written down, so the
 * CLI's --version, the reports and the counterexample files cannot disagree. The file is
 * found by walking up from this module to the package.json named "dualsock", so the answer is
 * the same whether dualsock runs from its sources or from a compiled bundle.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function readVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const path = join(dir, 'package.json');
    if (existsSync(path)) {
      const json = JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown; version?: unknown };
      if (json.name === 'dualsock') {
        if (typeof json.version !== 'string') throw new Error(`${path} has no "version" string; expected for example "version": "0.1.0"`);
        return json.version;
      }
    }
    if (dirname(dir) === dir) throw new Error('dualsock cannot find its own package.json above its modules; reinstall it');
  }
}

export const DUALSOCK_VERSION: string = readVersion();
