#!/usr/bin/env node
// The dualsock command. It runs the command line compiled to JavaScript
// (dist/cli/, built by scripts/build.mjs: `npm ci` runs it as `prepare`,
// `npm test` first of all), so a start compiles no TypeScript. When dist/ is
// missing, or any file it was built from has changed since (an edit, a
// checkout), it runs the TypeScript sources through tsx instead: slower to
// start, never stale.
import { readFileSync, statSync } from 'node:fs';

const ROOT = new URL('../', import.meta.url);

/** Is dist/cli built, and built after the last change to every file it was built from? */
function isFresh() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(new URL('dist/manifest.json', ROOT), 'utf8')).cli;
  } catch {
    return false;
  }
  if (!manifest || !Array.isArray(manifest.inputs)) return false;
  for (const input of manifest.inputs) {
    const stat = statSync(new URL(input, ROOT), { throwIfNoEntry: false });
    if (!stat || stat.mtimeMs > manifest.builtAt) return false;
  }
  return true;
}

// A reader that goes away (`dualsock list | head`) ends the output, not dualsock with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

let main;
if (isFresh()) {
  ({ main } = await import('../dist/cli/cli.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../harness/cli/cli.ts'));
}
process.exitCode = await main(process.argv.slice(2));
