#!/usr/bin/env node
/**
 * How long dualsock takes to start, measured and printed, never asserted
 * (a verdict must not depend on machine speed; this only informs).
 *
 *   node scripts/startup.mjs [runs] [--native "<command>"] [--bin <file>]
 *
 * Three medians over `runs` runs (default 10):
 *  - `node -e 0`: the floor, a bare Node start;
 *  - `node bin/dualsock.js --help`: the command line's start (`--bin` names
 *    another launcher, to compare);
 *  - the native implementation's hello + first reset: from its spawn to the
 *    first reset's reply (the world of spec/config.ts's DEFAULT_CONFIG, two
 *    hosts, so two worker threads start).
 * Beside each wall-clock median, the median CPU time (user + system, all
 * threads) of the whole process, from bash's `time`: on a machine others are
 * loading, wall clock mostly measures the queue for a core, CPU time much less.
 * Plain JavaScript, so that measuring loads nothing it measures.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const args = process.argv.slice(2);
const nativeAt = args.indexOf('--native');
const nativeCommand = nativeAt >= 0 ? args.splice(nativeAt, 2)[1] : 'node dist/native/main.js';
const binAt = args.indexOf('--bin');
const bin = binAt >= 0 ? args.splice(binAt, 2)[1] : 'bin/dualsock.js';
const runs = Number(args[0] ?? 10);

/** The world of DEFAULT_CONFIG (spec/config.ts), spelled out here so that measuring compiles no TypeScript. */
const WORLD = {
  hosts: [
    { name: 'srv', processes: ['S', 'S2'] },
    { name: 'cli', processes: ['C', 'C2'] },
  ],
  cbt: { capacity: 8 },
  stgs: [{ id: 1, length: 16, ports: [5000, 5007] }],
  wkp: 7000,
  fdBoundary: 1024,
  netPorts: [40000, 40007],
  ticks: { connectTimeout: 5, stepTimeout: 5 },
  wellKnownString: '3030303030303030',
};

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs argv under bash's `time`; the CPU time it printed is the last line of stderr. */
function timed(argv) {
  const quoted = argv.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  return ['bash', '-c', `TIMEFORMAT='%3U %3S'; time ${quoted}`];
}

function cpuOf(stderr) {
  const [user, system] = stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return (user + system) * 1000;
}

function timeCommand(argv) {
  const started = performance.now();
  const [file, ...rest] = timed(argv);
  const result = spawnSync(file, rest, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const wall = performance.now() - started;
  if (result.status !== 0) throw new Error(`${argv.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { wall, cpu: cpuOf(result.stderr) };
}

/** Spawn to the first reset's reply, then bye. */
function timeNative(command) {
  const argv = command.split(' ').map((word) => (word === 'node' ? process.execPath : word));
  const [file, ...rest] = timed(argv);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, rest, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    child.on('error', reject);
    let wall = 0;
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const reply = JSON.parse(line);
      if (reply.id === 2) {
        if (reply.type === 'error') reject(new Error(`reset answered ${line}`));
        wall = performance.now() - started;
        child.stdin.write(JSON.stringify({ type: 'bye', id: 3 }) + '\n');
      }
    });
    child.on('exit', (code) => (code === 0 && wall > 0 ? resolve({ wall, cpu: cpuOf(stderr) }) : reject(new Error(`${command} exited ${code}: ${stderr}`))));
    child.stdin.write(JSON.stringify({ type: 'hello', id: 1, version: 1 }) + '\n');
    child.stdin.write(JSON.stringify({ type: 'reset', id: 2, config: WORLD }) + '\n');
  });
}

async function measure(name, once) {
  const runsOf = [];
  for (let i = 0; i < runs; i++) runsOf.push(await once());
  const wall = median(runsOf.map((r) => r.wall));
  const cpu = median(runsOf.map((r) => r.cpu));
  const min = Math.min(...runsOf.map((r) => r.wall));
  process.stdout.write(`${name.padEnd(44)} wall median ${wall.toFixed(0).padStart(5)} ms (min ${min.toFixed(0)})  cpu median ${cpu.toFixed(0).padStart(5)} ms  (${runs} runs)\n`);
  return { wall, cpu };
}

const floor = await measure('node -e 0', () => timeCommand([process.execPath, '-e', '0']));
const help = await measure(`node ${bin} --help`, () => timeCommand([process.execPath, bin, '--help']));
process.stdout.write(`  --help / node -e 0: wall ${(help.wall / floor.wall).toFixed(2)}, cpu ${(help.cpu / floor.cpu).toFixed(2)}\n`);
await measure(`native hello + first reset`, () => timeNative(nativeCommand));
process.stdout.write(`  (native: ${nativeCommand}; its cpu is the whole process, to bye)\n`);
