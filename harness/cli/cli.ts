/**
 * The dualsock command line: `check`, `replay`, `list`, `serve-reference`.
 *
 * This file parses and validates every flag, so a mistake in the invocation
 * is exit 2 — with what arrived, what was expected and an example — before
 * any implementation is started. Running is the engine's (harness/cli/engine.ts).
 * Library code never calls process.exit: `main` returns the exit code and
 * bin/dualsock.js sets it.
 *
 * Exit codes: 0 conforms, 1 non-conformance, 2 usage or harness error,
 * 3 the implementation broke the wire protocol.
 */
import { Command, CommanderError, Option } from 'commander';
import { REQUIREMENTS, REQUIREMENT_IDS } from '../../spec/requirements.ts';
import type { Implementation } from '../drive/driver.ts';
import { DEFAULT_EXIT_GRACE_MS, DEFAULT_STARTUP_TIMEOUT_MS, DEFAULT_TIMEOUT_MS } from '../drive/limits.ts';
import { parseImplementationSpec } from '../drive/implementation-spec.ts';
import { EXIT, REPORT_KINDS, type CheckOptions, type Output, type ReportKind, type ReportTarget } from '../judge/options.ts';
import { UsageError } from '../drive/usage-error.ts';
import { printable } from '../drive/untrusted.ts';
import { suggest } from './suggest.ts';
import { DUALSOCK_VERSION } from '../judge/version.ts';
import { useColour } from '../report/style.ts';
import { columnsOf } from '../report/text.ts';
import { requirementTable } from '../report/list.ts';

const STDIO: Output = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

const CHECK_EXAMPLE = 'dualsock check --impl "node --import tsx fixtures/examples/minimal-subprocess/main.mjs" --seed 42';

const IMPL_HELP = `How --impl is read:
  If the value names an existing file ending in .ts, .js, .mjs, .mts or .cjs,
  it is a module run in-process: it must export a factory as \`default\` (or
  as \`createImplementation\`) returning an Implementation (harness/drive/driver.ts).
  Anything else is a command line run as a subprocess speaking JSON Lines
  (spec/PROTOCOL.md). It is split into words as a shell would — 'single' and
  "double" quotes and backslashes are respected — but nothing is expanded and
  no shell runs it. With --shell the whole line goes to /bin/sh instead (for
  $VARIABLES, pipes, cd … &&).`;

const EXIT_HELP = `Exit codes:
  0  the implementation conforms
  1  a non-conformance was found (a counterexample is written)
  2  usage or harness error
  3  the implementation broke the wire protocol (crash, garbage, timeout)`;

export async function main(argv: string[], output: Output = STDIO): Promise<number> {
  let code: number = EXIT.conforms;
  const program = new Command('dualsock')
    .description('Property-based conformance suite for the dual-channel (network + storage-system) socket protocol.')
    .helpCommand(false)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput(outputFor(output, 'dualsock --help'));
  program.addHelpText('after', `\n${EXIT_HELP}\n`);
  program.version(DUALSOCK_VERSION, '-V, --version', 'print the dualsock version');

  program
    .command('check')
    .description('Run the conformance properties against an implementation.')
    .addOption(new Option('--impl <module-or-command>', 'the implementation: a module path or a command line (see below)'))
    .option('--shell', 'run the --impl command line through /bin/sh')
    .option('--seed <n>', 'seed of the run (default: random, printed)')
    .option('--runs <n>', 'runs per property (default: 44 per unit of the property\'s weight; the seed decides every case)')
    .option('--budget <duration>', 'a safety cap on wall-clock time, e.g. 10m: a check it cuts short is INCOMPLETE (exit 2), never CONFORMS')
    .option('--only <ids>', 'requirement IDs, chapters or properties to check (comma-separated, repeatable)', collect, [])
    .option('--strict', 'SHOULD failures fail the run too')
    .option('--expect-failures <file>', 'JSON file of requirement IDs expected to fail, with reasons')
    .option('--report <kind=path,…>', `reports to write: ${REPORT_KINDS.join(', ')} (comma-separated, repeatable)`, collect, [])
    .option('--timeout-ms <n>', `wall-clock timeout of each protocol message (default ${DEFAULT_TIMEOUT_MS})`)
    .option('--startup-timeout-ms <n>', `wall-clock allowance for start-up: hello and the first reset (default ${DEFAULT_STARTUP_TIMEOUT_MS})`)
    .option('--exit-grace-ms <n>', `how long a subprocess may take to exit after acknowledging bye (default ${DEFAULT_EXIT_GRACE_MS})`)
    .option('--thorough', 'inspect and check the invariants after every step, not only after batches, faults and handshakes')
    .option('--require <capabilities>', 'capabilities that must be declared (e.g. fs-server,crash): missing ones fail instead of being skipped', collect, [])
    .option('--corpus <dir>', 'replay the saved counterexamples in this directory first (a regression corpus)')
    .option('--save-to <dir>', 'also save each new counterexample into this directory')
    .option('--out <dir>', 'where counterexample files are written (default .dualsock/counterexamples)')
    .option('--path <property:path>', 're-run one failure exactly, as its "reproduce" line prints it (with --seed)')
    .option('--shard <i/n>', 'run the i-th of n shares of the properties (for n CI machines), e.g. --shard 2/4')
    .option('--jobs <n>', 'run n instances of the implementation at once, each taking whole properties (default 1); the same runs, the same verdict, told in the same order. Each instance must be able to run beside the others')
    .addHelpText(
      'after',
      `\n${IMPL_HELP}\n\nFile for --expect-failures (JSON), either form:\n  {"CBT-UNIQUE-OWNER": "known race, ticket 12"}\n  [{"requirement": "CBT-UNIQUE-OWNER", "reason": "known race, ticket 12"}]\n\nExamples:\n  ${CHECK_EXAMPLE}\n  dualsock check --impl fixtures/examples/minimal-inprocess/index.ts\n  dualsock check --impl ./impl.ts --only CBT-UNIQUE-OWNER,fs --report json=out/report.json,junit=out/junit.xml\n\n${EXIT_HELP}\n`,
    )
    .configureOutput(outputFor(output, 'dualsock check --help', CHECK_EXAMPLE))
    .action(async (flags: Record<string, unknown>) => {
      const options = await parseCheckOptions(flags);
      const { runCheck } = await import('./engine.ts');
      code = await runCheck(options, output);
    });

  program
    .command('replay')
    .description('Replay a saved counterexample (or a seed and path) against an implementation.')
    .argument('[counterexample]', 'a counterexample JSON file written by check')
    .option('--seed <n>', 'seed of the failing run')
    .option('--path <path>', 'the shrink path printed with the failure')
    .addOption(new Option('--impl <module-or-command>', 'the implementation (default: the one recorded in the counterexample)'))
    .option('--shell', 'run the --impl command line through /bin/sh')
    .option('--timeout-ms <n>', `wall-clock timeout of each protocol message (default ${DEFAULT_TIMEOUT_MS})`)
    .option('--startup-timeout-ms <n>', `wall-clock allowance for start-up: hello and the first reset (default ${DEFAULT_STARTUP_TIMEOUT_MS})`)
    .option('--exit-grace-ms <n>', `how long a subprocess may take to exit after acknowledging bye (default ${DEFAULT_EXIT_GRACE_MS})`)
    .addHelpText('after', `\nA counterexample file records the implementation it came from, as information: dualsock never runs it. Name the implementation with --impl.\n\nExamples:\n  dualsock replay .dualsock/counterexamples/cbt-allocation-seed42.json --impl ./impl.ts\n  dualsock replay --seed 42 --path 3:1:0 --impl ./impl.ts\n\n${EXIT_HELP}\n`)
    .configureOutput(outputFor(output, 'dualsock replay --help', 'dualsock replay .dualsock/counterexamples/x.json --impl ./impl.ts'))
    .action(async (file: string | undefined, flags: Record<string, unknown>) => {
      const seed = flags.seed === undefined ? undefined : parseInteger('--seed', flags.seed, 0, 2 ** 32 - 1, '--seed 42');
      const path = typeof flags.path === 'string' ? flags.path : undefined;
      if (file === undefined && (seed === undefined || path === undefined)) {
        throw new UsageError('replay needs a counterexample file, or both --seed and --path; expected for example: dualsock replay .dualsock/counterexamples/x.json');
      }
      const impl = typeof flags.impl === 'string' ? parseImplementationSpec(flags.impl, flags.shell === true) : undefined;
      const timeoutMs = parseTimeout(flags.timeoutMs);
      const { startupTimeoutMs, exitGraceMs } = parseLimits(flags);
      const { runReplay } = await import('./engine.ts');
      code = await runReplay({ file, seed, path, impl, timeoutMs, startupTimeoutMs, exitGraceMs }, output);
    });

  program
    .command('list')
    .description('List the requirements: ID, level, title and the sources they come from.')
    .option('--json', 'print them as JSON')
    .configureOutput(outputFor(output, 'dualsock list --help', 'dualsock list --json'))
    .action(async (flags: { json?: boolean }) => {
      const { checkedBy } = await import('../../properties/index.ts');
      output.out(
        flags.json
          ? JSON.stringify(REQUIREMENTS.map((r) => ({ ...r, properties: checkedBy(r.id) })), null, 2) + '\n'
          : requirementTable(REQUIREMENTS, checkedBy),
      );
    });

  program
    .command('merge')
    .description('Merge the JSON reports of several checks (CI shards, or several implementations) into one verdict and report.')
    .argument('<reports...>', 'JSON reports written by check --report json=FILE')
    .option('--report <kind=path,…>', `reports to write: ${REPORT_KINDS.join(', ')} (comma-separated, repeatable)`, collect, [])
    .addHelpText('after', `\nExamples:\n  dualsock merge reports/dualsock-*.json --report junit=merged.xml,html=merged.html\n  dualsock merge impl-a.json impl-b.json        # a requirement × implementation matrix\n\n${EXIT_HELP}\n`)
    .configureOutput(outputFor(output, 'dualsock merge --help', 'dualsock merge reports/dualsock-*.json'))
    .action(async (files: string[], flags: Record<string, unknown>) => {
      const reports = parseReports(flags.report as string[]);
      const { runMerge, MergeError } = await import('../report/merge.ts');
      const { createStyle, useColour } = await import('../report/style.ts');
      try {
        code = runMerge({ files, reports, style: createStyle(output === STDIO && useColour(process.stdout)), columns: process.stdout.columns }, output.out);
      } catch (error) {
        if (error instanceof MergeError) throw new UsageError(`merge: ${error.message}`);
        throw error;
      }
    });

  program
    .command('serve-reference')
    .description('Serve the reference model as a subprocess implementation over stdin/stdout (JSON Lines).')
    .addHelpText('after', '\nExample:\n  dualsock check --impl "npx dualsock serve-reference"\n')
    .configureOutput(outputFor(output, 'dualsock serve-reference --help'))
    .action(async () => {
      const implementation = await loadReferenceImplementation();
      const { serveOverStdio } = await import('../drive/serve.ts');
      code = await serveOverStdio(implementation);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version requests are successes; everything else was already printed by outputError.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.conforms;
      return EXIT.usage;
    }
    if (error instanceof UsageError) {
      output.err(`dualsock: ${printable(error.message, { multiline: true })}\n`);
      return EXIT.usage;
    }
    output.err(`dualsock: harness error: ${printable(error instanceof Error ? (error.stack ?? error.message) : String(error), { multiline: true })}\n`);
    return EXIT.usage;
  }
}

function outputFor(output: Output, help: string, example?: string) {
  return {
    writeOut: output.out,
    writeErr: output.err,
    outputError: (text: string, write: (text: string) => void) => {
      write(text.replace(/^error: /, 'dualsock: '));
      write(`Run \`${help}\` for the options${example ? `; for example:\n  ${example}` : '.'}\n`);
    },
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

// ── check's flags ────────────────────────────────────────────────────────

export async function parseCheckOptions(flags: Record<string, unknown>): Promise<CheckOptions> {
  if (typeof flags.impl !== 'string') {
    throw new UsageError(
      `check needs --impl; nothing arrived.\nExpected a module path or a command line, for example:\n  ${CHECK_EXAMPLE}\n  dualsock check --impl fixtures/examples/minimal-inprocess/index.ts`,
    );
  }
  return {
    impl: parseImplementationSpec(flags.impl, flags.shell === true),
    seed: flags.seed === undefined ? undefined : parseInteger('--seed', flags.seed, 0, 2 ** 32 - 1, '--seed 42'),
    runs: flags.runs === undefined ? undefined : parseInteger('--runs', flags.runs, 1, 10_000_000, '--runs 100'),
    budgetMs: flags.budget === undefined ? undefined : parseDuration(String(flags.budget)),
    only: parseOnly(flags.only as string[]),
    strict: flags.strict === true,
    expectedFailures: typeof flags.expectFailures === 'string' ? (await import('./expected-failures.ts')).readExpectedFailures(flags.expectFailures) : [],
    reports: parseReports(flags.report as string[]),
    timeoutMs: parseTimeout(flags.timeoutMs),
    ...parseLimits(flags),
    thorough: flags.thorough === true,
    require: (flags.require as string[] | undefined ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean),
    corpus: typeof flags.corpus === 'string' ? flags.corpus : undefined,
    saveTo: typeof flags.saveTo === 'string' ? flags.saveTo : undefined,
    outDir: typeof flags.out === 'string' ? flags.out : undefined,
    path: parsePath(flags.path, flags.seed),
    implText: flags.impl,
    progress: process.stderr.isTTY === true,
    colour: useColour(process.stdout),
    columns: columnsOf(process.stdout),
    shard: parseShard(flags.shard),
    jobs: flags.jobs === undefined ? undefined : parseInteger('--jobs', flags.jobs, 1, 16, '--jobs 2'),
  };
}

function parseShard(value: unknown): { index: number; count: number } | undefined {
  if (value === undefined) return undefined;
  const match = /^([0-9]+)\/([0-9]+)$/.exec(String(value));
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard ${JSON.stringify(String(value))} is not a share; expected i/n with 1 <= i <= n, for example --shard 2/4 on the second of four machines.`);
  }
  return { index, count };
}

/** "--path <property>:<fast-check path>", which only means something with the seed it came from. */
function parsePath(path: unknown, seed: unknown): string | undefined {
  if (path === undefined) return undefined;
  const text = String(path);
  if (!/^[a-z][a-z0-9-]*:[0-9]+(:[0-9]+)*$/.test(text)) {
    throw new UsageError(`--path ${JSON.stringify(text)} is not a failure's path; expected <property>:<numbers>, as a failure's "reproduce" line prints it, for example --seed 42 --path cbt-allocation:12:3:0.`);
  }
  if (seed === undefined) throw new UsageError('--path needs the --seed it was printed with; for example --seed 42 --path cbt-allocation:12:3:0.');
  return text;
}

/** The start-up allowance and the exit grace, when given. */
function parseLimits(flags: Record<string, unknown>): { startupTimeoutMs?: number; exitGraceMs?: number } {
  return {
    ...(flags.startupTimeoutMs === undefined ? {} : { startupTimeoutMs: parseInteger('--startup-timeout-ms', flags.startupTimeoutMs, 1, 3_600_000, '--startup-timeout-ms 120000') }),
    ...(flags.exitGraceMs === undefined ? {} : { exitGraceMs: parseInteger('--exit-grace-ms', flags.exitGraceMs, 0, 3_600_000, '--exit-grace-ms 5000') }),
  };
}

function parseTimeout(value: unknown): number {
  return value === undefined ? DEFAULT_TIMEOUT_MS : parseInteger('--timeout-ms', value, 1, 3_600_000, '--timeout-ms 2000');
}

export function parseInteger(flag: string, value: unknown, min: number, max: number, example: string): number {
  const text = String(value);
  const number = Number(text);
  if (!/^-?[0-9]+$/.test(text) || number < min || number > max) {
    throw new UsageError(`${flag} ${JSON.stringify(text)} is not valid; expected an integer from ${min} to ${max}, for example ${example}.`);
  }
  return number;
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "60s", "5m", "1500ms", "1.5h"; a bare number is seconds. */
export function parseDuration(text: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)?$/.exec(text.trim());
  const ms = match ? Math.round(Number(match[1]) * DURATION_UNITS[match[2] ?? 's']!) : NaN;
  if (!match || !(ms > 0)) {
    throw new UsageError(`--budget ${JSON.stringify(text)} is not a duration; expected a positive number with a unit ms, s, m or h (bare numbers are seconds), for example --budget 60s or --budget 5m.`);
  }
  return ms;
}

const ONLY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:*-]*$/;
const REQUIREMENT_SHAPE = /^[A-Z0-9]+(-[A-Z0-9]+)+$/;

function parseOnly(values: readonly string[]): string[] {
  const items = values.flatMap((value) => value.split(',')).map((item) => item.trim()).filter((item) => item !== '');
  for (const item of items) {
    if (!ONLY_PATTERN.test(item)) {
      throw new UsageError(`--only ${JSON.stringify(item)} is not a requirement ID, chapter or property name; expected for example --only CBT-UNIQUE-OWNER,fs.`);
    }
    // Requirement IDs are known here; property names are the engine's to check.
    if (REQUIREMENT_SHAPE.test(item) && !item.includes('*') && !REQUIREMENT_IDS.has(item)) {
      throw new UsageError(`--only ${item}: no requirement has that ID${suggest(item)}; \`dualsock list\` prints them all, for example --only CBT-UNIQUE-OWNER.`);
    }
  }
  return items;
}

export function parseReports(values: readonly string[]): ReportTarget[] {
  const targets: ReportTarget[] = [];
  const example = 'for example --report json=out/report.json,junit=out/junit.xml';
  for (const item of values.flatMap((value) => value.split(','))) {
    const trimmed = item.trim();
    if (trimmed === '') continue;
    const equals = trimmed.indexOf('=');
    const kind = equals === -1 ? trimmed : trimmed.slice(0, equals);
    const path = equals === -1 ? '' : trimmed.slice(equals + 1);
    if (!(REPORT_KINDS as readonly string[]).includes(kind)) {
      throw new UsageError(`--report ${JSON.stringify(trimmed)}: ${JSON.stringify(kind)} is not a report kind; expected kind=path with kind one of ${REPORT_KINDS.join(', ')}, ${example}.`);
    }
    if (path === '') {
      throw new UsageError(`--report ${JSON.stringify(trimmed)} names no file; expected kind=path, ${example}.`);
    }
    if (targets.some((target) => target.kind === kind)) {
      throw new UsageError(`--report names ${kind} twice; expected each kind at most once, ${example}.`);
    }
    targets.push({ kind: kind as ReportKind, path });
  }
  return targets;
}

// ── list ─────────────────────────────────────────────────────────────────

export { describeSources, requirementTable } from '../report/list.ts';

// ── serve-reference ──────────────────────────────────────────────────────

/** The reference model's adapter is written alongside the model; it is loaded only when asked for. */
async function loadReferenceImplementation(): Promise<Implementation> {
  let module: { createReferenceImplementation?: () => Implementation | Promise<Implementation> };
  try {
    // A literal specifier, so that the compiled command line (scripts/build.mjs) bundles the adapter as a lazy chunk.
    module = (await import('../drive/reference-implementation.ts')) as typeof module;
  } catch (error) {
    throw new UsageError(
      `serve-reference needs harness/drive/reference-implementation.ts, which could not be loaded: ${(error as Error).message}\n` +
        'Expected it to export createReferenceImplementation(): the reference model wrapped as an Implementation.',
    );
  }
  if (typeof module.createReferenceImplementation !== 'function') {
    throw new UsageError('harness/drive/reference-implementation.ts does not export createReferenceImplementation(); expected a factory returning an Implementation.');
  }
  return module.createReferenceImplementation();
}
