#!/usr/bin/env node
// Runs a command while the CPU is kept busy by other work: at least two burning processes per
// core (as on a small shared CI runner), all of them ended when the command ends.
//
//   node bench/under-load.mjs                      # npm test under load
//   node bench/under-load.mjs -- npm run check     # any command under load
//   BURNERS_PER_CORE=3 node bench/under-load.mjs
//
// Nothing in a verdict or a test may depend on how fast the machine is: this is how we check.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';

const separator = process.argv.indexOf('--');
const command = separator === -1 ? ['npm', 'test'] : process.argv.slice(separator + 1);
const perCore = Number(process.env.BURNERS_PER_CORE ?? 2);
const count = Math.max(2, perCore * availableParallelism());

const burners = Array.from({ length: count }, () =>
  spawn(process.execPath, ['-e', 'for (;;) { Math.sqrt(Math.random()); }'], { stdio: 'ignore' }),
);
const stop = () => {
  for (const burner of burners) burner.kill('SIGKILL');
};
process.on('exit', stop);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

const started = Date.now();
console.error(`under-load: ${count} CPU burners on ${availableParallelism()} cores; running: ${command.join(' ')}`);
const child = spawn(command[0], command.slice(1), { stdio: 'inherit' });
child.on('exit', (code, signal) => {
  stop();
  console.error(`under-load: ${command.join(' ')} ended with ${signal ?? `exit ${code}`} after ${((Date.now() - started) / 1000).toFixed(0)} s under ${count} burners`);
  process.exit(code ?? 1);
});
