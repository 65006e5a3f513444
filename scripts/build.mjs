#!/usr/bin/env node
/**
 * Compiles what dualsock starts often into JavaScript under dist/ (git-ignored),
 * so that no start compiles TypeScript:
 *
 *   dist/cli/cli.js            the command line and the harness behind it
 *                              (bin/dualsock.js loads it); engine, properties and
 *                              the reference adapter are chunks beside it, loaded
 *                              on demand as cli.ts imports them
 *   dist/native/main.js        the native implementation's main thread
 *   dist/native/host.js        its host worker (coordinator.ts picks it when it
 *                              runs compiled; from source it takes worker-entry.mjs)
 *   dist/manifest.json         per bundle, when it was built and from which files
 *
 *   node scripts/build.mjs     (npm run build; `npm ci` runs it as `prepare`,
 *                               `npm test` and `npm run check` run it first)
 *
 * Bundled with esbuild's JS API (the esbuild tsx depends on: its JS API runs
 * the platform package's binary directly, so it needs no install script).
 * The packages are bundled too, all but tsx: Node loads one file much faster
 * than the hundreds zod and execa are made of (`--help` costs about a third
 * less CPU than with the packages left as imports). Type checking stays tsc's
 * job (`npm run typecheck`): esbuild only strips types.
 *
 * bin/dualsock.js trusts dist/cli only while every file in the manifest is
 * older than the build (see isFresh there); otherwise it runs the sources
 * through tsx, so an edit is never hidden behind stale output.
 *
 * Lives in scripts/, beside startup.mjs which measures what this buys: it is
 * tooling of the repository, not a room of the harness or a test.
 */
import * as esbuild from 'esbuild';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DIST = join(ROOT, 'dist');

const COMMON = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  // tsx stays a package: it is loaded only when a TypeScript module must be (a user's module, a patch).
  external: ['tsx', 'tsx/*'],
  // Bundled CommonJS packages (commander) call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
};

/**
 * Each bundle, and what it is built from. Every output sits two folders below
 * the root (dist/cli/, dist/native/), as the sources do (harness/cli/,
 * harness/report/, …): a module that finds a file from its own URL
 * (harness/report/version.ts reads ../../package.json) finds the same file
 * compiled. `splitting` keeps cli.ts's dynamic imports lazy, as chunks beside it.
 */
const BUNDLES = {
  cli: {
    entryPoints: { 'cli/cli': 'harness/cli/cli.ts' },
    splitting: true,
    chunkNames: 'cli/[name]-[hash]',
  },
  native: {
    entryPoints: {
      'native/main': 'fixtures/implementations/native/main.ts',
      'native/host': 'fixtures/implementations/native/host/host.ts',
    },
  },
};

/** Files of an earlier build that this one did not write are removed once nothing can still be loading them. */
const STALE_AFTER_MS = 60 * 60 * 1000;

/**
 * Several people and test runs share one working tree, and a running check may
 * load a chunk or start a worker from dist/ while another build runs: so each
 * file is written whole under a temporary name and renamed into place (a
 * reader sees the old file or the new one, never half of one), nothing is
 * emptied first, and the manifest goes last.
 */
function writeAtomically(path, contents) {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

function removeStale(written) {
  const now = Date.now();
  for (const entry of readdirSync(DIST, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath ?? entry.path, entry.name);
    if (written.has(path) || path === join(DIST, 'manifest.json')) continue;
    if (now - statSync(path).mtimeMs > STALE_AFTER_MS) rmSync(path, { force: true });
  }
}

const builtAt = Date.now();
const manifest = {};
const written = new Set();
for (const [name, options] of Object.entries(BUNDLES)) {
  const result = await esbuild.build({ ...COMMON, ...options, outdir: DIST, write: false });
  for (const file of result.outputFiles) {
    writeAtomically(file.path, file.contents);
    written.add(file.path);
  }
  // Packages change only with the lockfile; the build script and package.json change the output too.
  const sources = Object.keys(result.metafile.inputs).filter((input) => !input.startsWith('node_modules/'));
  const inputs = [...sources, 'scripts/build.mjs', 'package.json', 'package-lock.json'].sort();
  manifest[name] = { builtAt, inputs };
}
writeAtomically(join(DIST, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
removeStale(written);
