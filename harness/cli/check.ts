/**
 * `dualsock check`: runs the property catalogue against one implementation
 * and turns what happened into a verdict, reports and an exit code.
 *
 * One session per instance of the implementation (reset between runs, never respawn): one
 * instance, or with --jobs N that many, each taking whole properties in turn; results are told in
 * catalogue order whatever order the lanes finish in, so the output is the same. A seed
 * decides everything that is judged: which properties, how many runs each
 * (counts, never time), which cases in which order. Start-up — loading or
 * spawning the implementation, hello, and a first reset that lets it warm up —
 * comes before any property and is bounded by its own allowance. `--budget`
 * is a safety cap: a check it cuts short is INCOMPLETE, never CONFORMS.
 *
 * CONFORMS is earned: every selected property ran its planned runs to the end,
 * every requirement those properties check was reached (or has a stated reason
 * not to be: a missing capability), nothing in the harness went wrong, and the
 * reports were written. Anything else says what stopped it. When the checker
 * gives up in one property (a limit of ours, not a verdict), that property ends
 * there and the others still run: the check is HARNESS-ERROR — or
 * NON-CONFORMANCE when another property found a failure — never CONFORMS.
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { randomInt } from 'node:crypto';
import { PROPERTIES, type Property } from '../../properties/index.ts';
import { DEFAULT_CONFIG } from '../../spec/config.ts';
import type { HelloReply } from '../../spec/messages.ts';
import { createDriver } from '../drive/drivers.ts';
import type { Driver } from '../drive/driver.ts';
import { Session } from '../drive/session.ts';
import { ProtocolError } from '../drive/protocol-error.ts';
import { UsageError } from '../drive/usage-error.ts';
import { printable } from '../drive/untrusted.ts';
import { type CheckerLimits, CheckerGaveUp } from '../judge/checker.ts';
import { Accumulator, reqsOfCapability } from '../judge/accumulator.ts';
import { propertySeed, runProperty, shellQuote } from '../judge/property-run.ts';
import type { CheckSummary, Outcome, PropertyFailure, PropertyTally } from '../judge/summary.ts';
import { VERSION } from '../judge/counterexample.ts';
import { verdicts } from '../judge/verdicts.ts';
import { EXIT, type CheckOptions, type Output, type ReportTarget } from '../judge/options.ts';
import { writeReports, consoleSummary } from '../report/report.ts';
import { failureNote } from '../report/failure.ts';
import { displayPath } from '../report/paths.ts';
import { createStyle } from '../report/style.ts';

export { VERSION };
export type { CheckSummary, PropertyFailure };
import { replayCorpus } from './corpus.ts';
import { implText, installInterrupt } from './implementation.ts';

/** The CLI's parsed flags, and (for our tests and the bench) the property catalogue to use. */
export type EngineOptions = CheckOptions & {
  /** The properties to run (default: the catalogue). */
  readonly properties?: readonly Property[];
  /** The checker's limits (default: DEFAULT_LIMITS): small ones let a test reach a give-up. */
  readonly limits?: CheckerLimits;
};

/**
 * Runs per unit of a property's weight by default: a weight-3 property runs 132 cases. Fixed per
 * weight, not a share of a fixed total, so that adding a property to the catalogue leaves every
 * other property's cases as they were.
 */
export const DEFAULT_RUNS_PER_WEIGHT = 44;

/** Properties selected by --only: by property id, chapter, or a requirement they target. */
export function selectProperties(all: readonly Property[], only: readonly string[]): Property[] {
  if (only.length === 0) return [...all];
  return all.filter((p) => only.some((o) => o === p.id || o === p.chapter || p.reqs.includes(o)));
}

/**
 * Planned runs per property: DEFAULT_RUNS_PER_WEIGHT for each unit of its weight. It depends on
 * the property alone, so a property runs the same cases under --only and in any shard as in the
 * full check.
 */
export function plannedRuns(property: Property, runs: number | undefined): number {
  if (runs !== undefined) return runs;
  return Math.max(1, Math.round(DEFAULT_RUNS_PER_WEIGHT * property.weight));
}

export async function runCheck(options: EngineOptions, output: Output): Promise<number> {
  return (await check(options, output)).exitCode;
}

/**
 * Every place this check will write, tried before the implementation starts: a read-only or
 * missing folder is a usage error now, not a lost report after the whole run.
 */
export function preflightOutputs(reports: readonly ReportTarget[], dirs: readonly string[]): void {
  const problems: string[] = [];
  const writableDir = (dir: string, what: string): void => {
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
    } catch (error) {
      problems.push(`${what}: cannot write into ${dir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  };
  for (const dir of dirs) writableDir(dir, 'counterexamples');
  for (const target of reports) {
    const path = resolve(target.path);
    try {
      if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
        problems.push(`--report ${target.kind}=${target.path}: that is a folder; expected a file path`);
        continue;
      }
    } catch {
      // stat failing is reported by the folder check below.
    }
    writableDir(dirname(path), `--report ${target.kind}=${target.path}`);
  }
  if (problems.length > 0) throw new UsageError(`${problems.join('\n')}\nChoose writable locations (--out for counterexamples, --report kind=path for reports); nothing was started.`);
}

export async function check(options: EngineOptions, output: Output): Promise<CheckSummary> {
  const started = Date.now();
  const seed = options.seed ?? randomInt(0, 0x7fffffff);
  const impl = implText(options.impl, options.implText);
  const catalogue = options.properties ?? PROPERTIES;
  const acc = new Accumulator();
  const failures: PropertyFailure[] = [];
  const tallies: PropertyTally[] = [];
  const expected = new Map(options.expectedFailures.map((e) => [e.requirement, e.reason]));
  const outDir = resolve(options.outDir ?? '.dualsock/counterexamples');
  let protocolError: ProtocolError | null = null;
  let harnessError: string | null = null;
  /** Properties the checker gave up in: each ended there, and the others went on. */
  const gaveUp: string[] = [];
  /** A harness error other than a give-up: it stopped the check, and outranks any verdict. */
  let internal = false;
  let hello: HelloReply | null = null;
  /** One session per instance of the implementation (--jobs); the first answers hello for all. */
  const lanes: Session[] = [];
  /** Every driver started, stopped at the end whatever happened. */
  const drivers: Driver[] = [];
  const progress = new Progress(options.progress ?? false);
  let selected: Property[] = [];
  let stopSignals = (): void => {};

  const usageSummary = (message: string): CheckSummary => ({
    outcome: 'HARNESS-ERROR', exitCode: EXIT.usage, seed, impl: impl.text, name: '?', verdicts: [], failures: [], properties: [], incomplete: [],
    harnessError: message, outOfSelection: null, runs: 0, plannedRuns: 0, calls: 0, epochs: 0, messages: 0, handshakes: 0,
    goals: new Map(), rules: new Map(), protocolError: null, skipped: new Map(), elapsedMs: Date.now() - started,
  });

  const finish = (forced?: { outcome: Outcome; exitCode: number }): CheckSummary => {
    const list = verdicts(acc.tally(expected), options.strict);
    const ran = selected.filter((p) => tallies.some((t) => t.id === p.id && t.ended !== 'skipped'));
    const meant = new Set(ran.flatMap((p) => p.reqs));
    const unreached = list.filter((v) => v.status === 'not-reached' && meant.has(v.requirement.id)).map((v) => v.requirement.id);
    const outside = list.filter((v) => v.status === 'not-reached' && !meant.has(v.requirement.id)).length;
    const incomplete: string[] = [];
    for (const t of tallies) if (t.ended === 'cut') incomplete.push(`${t.id}: ${t.why}`);
    // A property stops at its first failure, so what it never reached then says nothing more.
    const stoppedEarly = tallies.some((t) => t.ended === 'failed' || t.ended === 'harness-error');
    if (unreached.length > 0 && !options.path && !forced && !stoppedEarly) {
      incomplete.push(`${unreached.length} requirement(s) that the selected properties check were never reached: ${unreached.join(', ')} (more runs reach more: --runs)`);
    }
    const failingVerdict = list.some((v) => v.status === 'fail' || (options.strict && v.status === 'stale'));
    let outcome: Outcome;
    let exitCode: number;
    if (forced) ({ outcome, exitCode } = forced);
    else if (protocolError) [outcome, exitCode] = ['PROTOCOL-BREAK', EXIT.protocol];
    // A give-up says nothing about the implementation; a failure another property found does.
    else if (harnessError && internal) [outcome, exitCode] = ['HARNESS-ERROR', EXIT.usage];
    else if (failingVerdict) [outcome, exitCode] = ['NON-CONFORMANCE', EXIT.nonConformance];
    else if (harnessError) [outcome, exitCode] = ['HARNESS-ERROR', EXIT.usage];
    else if (incomplete.length > 0) [outcome, exitCode] = ['INCOMPLETE', EXIT.usage];
    else if (options.path) [outcome, exitCode] = ['RUN-PASSES', EXIT.conforms];
    else [outcome, exitCode] = ['CONFORMS', EXIT.conforms];
    const why = options.shard
      ? `shard ${options.shard.index}/${options.shard.count} runs ${selected.map((p) => p.id).join(', ')}`
      : options.path
        ? `--path re-runs one run of ${selected[0]?.id ?? '?'}`
        : options.only.length > 0
          ? `--only ${options.only.join(',')}`
          : 'the selected properties do not check them';
    let summary: CheckSummary = {
      outcome,
      exitCode,
      seed,
      impl: impl.text,
      name: hello?.name ?? '?',
      verdicts: list,
      failures,
      properties: tallies,
      incomplete,
      harnessError,
      outOfSelection: outside > 0 ? { count: outside, why } : null,
      runs: acc.runs,
      plannedRuns: tallies.reduce((n, t) => n + t.planned, 0),
      calls: acc.calls,
      epochs: acc.epochs,
      messages: lanes.reduce((n, lane) => n + lane.messages, 0),
      handshakes: acc.handshakes,
      frontierMax: acc.frontierMax,
      goals: acc.goals,
      rules: acc.fired,
      protocolError,
      skipped: acc.skippedCapabilities,
      elapsedMs: Date.now() - started,
    };
    if (harnessError) output.err(`dualsock: ${printable(harnessError, { multiline: true })}\n`);
    if (protocolError) output.err(protocolError.message + '\n');
    try {
      writeReports(options.reports, summary, { impl: impl.text, name: hello?.name ?? '?', version: VERSION, shard: options.shard ?? null, strict: options.strict });
    } catch (error) {
      // The run's results stand; only the file is lost, and the verdict cannot be a pass.
      const message = `a report could not be written: ${printable((error as Error).message)}`;
      summary = { ...summary, harnessError: message, outcome: summary.exitCode === EXIT.conforms ? 'HARNESS-ERROR' : summary.outcome, exitCode: summary.exitCode === EXIT.conforms ? EXIT.usage : summary.exitCode };
      output.err(`dualsock: ${message}\n`);
    }
    output.out(consoleSummary(summary, { impl: impl.text, name: hello?.name ?? '?', version: VERSION, shard: options.shard ?? null, strict: options.strict }, { style: createStyle(options.colour ?? false), ...(options.columns ? { columns: options.columns } : {}) }));
    return summary;
  };

  try {
    const chosen = options.path ? selectProperties(catalogue, [options.path.split(':')[0]!]) : selectProperties(catalogue, options.only);
    if (chosen.length === 0) {
      throw new UsageError(
        options.path
          ? `--path ${options.path}: no property is called ${options.path.split(':')[0]}; run \`dualsock list\` to see them.`
          : `--only ${options.only.join(',')} matches no property, chapter or targeted requirement; run \`dualsock list\` to see them.`,
      );
    }
    // Shards split the properties round-robin: every machine runs the same seeds, each its own share.
    selected = options.shard ? chosen.filter((_, i) => i % options.shard!.count === options.shard!.index - 1) : chosen;
    if (selected.length === 0) {
      throw new UsageError(
        `shard ${options.shard!.index}/${options.shard!.count} has no property to run: ${chosen.length} propert${chosen.length === 1 ? 'y is' : 'ies are'} split over ${options.shard!.count} shards. Use at most ${chosen.length} shards.`,
      );
    }
    preflightOutputs(options.reports, [outDir, ...(options.saveTo ? [resolve(options.saveTo)] : [])]);

    const newDriver = (): Driver => {
      const started = createDriver(options.impl, { timeoutMs: options.timeoutMs, startupTimeoutMs: options.startupTimeoutMs, exitGraceMs: options.exitGraceMs });
      drivers.push(started);
      return started;
    };
    /** Lane `n` of --jobs: another instance, which must declare what the first declared. */
    const startLane = async (n: number, first: HelloReply): Promise<Session> => {
      const laneDriver = newDriver();
      const laneHello = await laneDriver.start();
      const said = (h: HelloReply): string => JSON.stringify({ version: h.version, capabilities: h.capabilities });
      if (said(laneHello) !== said(first)) {
        throw new UsageError(
          `--jobs: instance ${n} of the implementation said hello with ${printable(said(laneHello))}, the first with ${printable(said(first))}. Every instance must declare the same version and capabilities; run with --jobs 1.`,
        );
      }
      const laneSession = new Session(laneDriver, laneHello);
      await laneSession.warmUp(DEFAULT_CONFIG);
      return laneSession;
    };
    const driver = newDriver();
    stopSignals = installInterrupt(drivers);
    hello = await driver.start();
    acc.exercised.set('WIRE-HELLO-CORE', 1);
    const session = new Session(driver, hello);
    lanes.push(session);
    output.out(`dualsock ${VERSION}: checking ${printable(impl.text)} ("${printable(hello.name)}", protocol v${hello.version}) with seed ${seed}\n`);
    const missing = missingCapabilities(hello, options.require ?? []);
    if (missing.length > 0) {
      output.err(`dualsock: the implementation does not declare ${missing.join(', ')}, which --require demands.\n`);
      for (const m of missing) for (const req of reqsOfCapability(m)) acc.fail(req, `required capability ${m} not declared`, null);
      await driver.stop();
      // A bye that broke is a protocol break whatever else happened.
      if (driver.broken) protocolError = driver.broken;
      return protocolError ? finish() : finish({ outcome: 'NON-CONFORMANCE', exitCode: EXIT.nonConformance });
    }
    // The first reset builds the implementation's machinery (threads, sockets): start-up, not a property's time.
    await session.warmUp(DEFAULT_CONFIG);

    if (options.corpus) await replayCorpus(options.corpus, session, acc, output);
    if (options.shard) output.out(`  shard ${options.shard.index}/${options.shard.count}: ${selected.map((p) => p.id).join(', ')}\n`);

    // --jobs: more instances of the implementation, each a lane that takes whole properties in turn.
    const jobs = Math.max(1, Math.min(options.jobs ?? 1, selected.length));
    if (jobs > 1) {
      lanes.push(...(await Promise.all(Array.from({ length: jobs - 1 }, (_, i) => startLane(i + 2, hello!)))));
      output.out(`  ${jobs} instances of the implementation at once (--jobs ${jobs}), each running whole properties\n`);
    }

    const deadline = options.budgetMs !== undefined ? Date.now() + options.budgetMs : null;
    const expectedSet = new Set(expected.keys());
    /** What one property did, kept until every property before it is told (lanes finish out of order). */
    interface Finished {
      readonly property: Property;
      readonly planned: number;
      readonly lacking: readonly string[];
      readonly result: Awaited<ReturnType<typeof runProperty>> | null;
      readonly acc: Accumulator;
    }
    const runOne = async (lane: Session, index: number): Promise<Finished> => {
      const property = selected[index]!;
      const planned = options.path ? 1 : plannedRuns(property, options.runs);
      const lacking = [
        ...(property.needs?.handshakes ?? []).filter((r) => !hello!.capabilities.handshakes.includes(r)).map((r) => `role:${r}`),
        ...(property.needs?.faults ?? []).filter((f) => !hello!.capabilities.faults.includes(f as never)).map((f) => `fault:${f}`),
      ];
      const own = new Accumulator();
      if (lacking.length > 0) return { property, planned, lacking, result: null, acc: own };
      const position = `${index + 1}/${selected.length}`;
      const result = await runProperty(lane, property, {
        seed: propertySeed(seed, property.id),
        baseSeed: seed,
        runs: planned,
        deadline,
        path: options.path?.split(':').slice(1).join(':'),
        thorough: (options.thorough ?? false) || (property.thorough ?? false),
        limits: options.limits,
        impl,
        outDir,
        shown: displayPath,
        saveTo: options.saveTo ? resolve(options.saveTo) : undefined,
        acc: own,
        expected: expectedSet,
        onProgress: options.progress ? (ran, of, shrinking) => progress.show(lane, `[${position}] ${property.id}: ${ran}/${of} runs${shrinking ? ', shrinking a failure' : ''}`) : undefined,
      });
      progress.done(lane);
      return { property, planned, lacking, result, acc: own };
    };
    /** Tells one finished property, in catalogue order: its lines, its tally, its failures, its exercises. */
    const tell = ({ property, planned, lacking, result, acc: own }: Finished): void => {
      if (!result) {
        for (const capability of lacking) {
          acc.skippedCapabilities.set(capability, (acc.skippedCapabilities.get(capability) ?? 0) + 1);
          for (const req of property.reqs) if (!acc.skipped.has(req)) acc.skipped.set(req, `property ${property.id} needs ${capability}`);
        }
        tallies.push({ id: property.id, planned, ran: 0, ended: 'skipped', why: `needs ${lacking.join(', ')}`, elapsedMs: 0 });
        output.out(`  ${property.id}: skipped (needs ${lacking.join(', ')})\n`);
        return;
      }
      acc.merge(own);
      tallies.push(result.tally);
      for (const failure of result.failures) {
        failures.push(failure);
        const c = failure.counterexample;
        acc.fail(c.violated[0]!, `${c.expected} — got ${c.actual}`, displayPath(failure.file));
        // One line now; the summary shows each distinct bug once, with every property that met it.
        output.out(failureNote(property, c, displayPath(failure.file), failure.expected ? undefined : result.shrinks, failure.expected));
      }
      const t = result.tally;
      const found = result.failures.length > 0 ? 'only expected failures' : 'no failure';
      if (t.ended === 'complete' || t.ended === 'cut') output.out(`  ${property.id}: ${t.ran} of ${t.planned} runs, ${found}${t.ended === 'cut' ? ' — cut short by --budget' : ''}\n`);
      if (result.broken) {
        protocolError ??= result.broken.error;
        if (result.broken.file) {
          const file = displayPath(result.broken.file);
          output.out(`\n✗ ${property.id}: the implementation broke the wire protocol during a run; the run up to that point is saved.\n  saved:  ${file}\n  replay: npx dualsock replay ${shellQuote(file)} --impl ${shellQuote(impl.text)}\n`);
        }
      }
      if (result.harnessError) {
        const message = harnessMessage(result.harnessError, seed, property.id, result.reproduce);
        harnessError = harnessError ? `${harnessError}\n${message}` : message;
        // A give-up ends this property only: the session is sound, and the next run resets the world.
        if (!(result.harnessError instanceof CheckerGaveUp)) {
          internal = true;
          return;
        }
        gaveUp.push(property.id);
        output.out(`  ${property.id}: ${t.ran} of ${t.planned} runs, then the checker gave up; the check goes on without the rest of this property\n`);
      }
    };
    // A break or an internal error stops every lane from taking another property; what already ran is told.
    let stopping = false;
    let taken = 0;
    let told = 0;
    const finished: (Finished | undefined)[] = [];
    const lane = async (session: Session): Promise<void> => {
      while (!stopping && taken < selected.length) {
        const index = taken++;
        const done = await runOne(session, index);
        finished[index] = done;
        // This lane's instance is gone or the harness is wrong: no lane takes another property.
        if (done.result?.broken || (done.result?.harnessError && !(done.result.harnessError instanceof CheckerGaveUp))) stopping = true;
        progress.hide();
        for (let next = finished[told]; next; next = finished[told]) {
          finished[told++] = undefined;
          tell(next);
        }
        progress.draw();
      }
    };
    // Every lane ends before anything is stopped or told: an exception in one stops the others taking more.
    const ended = await Promise.allSettled(
      lanes.map((session) =>
        lane(session).catch((error: unknown) => {
          stopping = true;
          throw error;
        }),
      ),
    );
    for (const end of ended) if (end.status === 'rejected') throw end.reason;
    await Promise.all(drivers.map((d) => d.stop()));
    for (const d of drivers) if (d.broken && !protocolError) protocolError = d.broken;
  } catch (error) {
    await Promise.all(drivers.map((d) => d.stop()));
    if (error instanceof ProtocolError) protocolError = error;
    else if (error instanceof UsageError) {
      // A mistake in what was asked for: said plainly, before or instead of any verdict.
      output.err(`dualsock: ${printable(error.message, { multiline: true })}\n`);
      if (!hello) return usageSummary(error.message);
      return finish({ outcome: 'HARNESS-ERROR', exitCode: EXIT.usage });
    } else {
      internal = true;
      harnessError = harnessMessage(error, seed, null);
    }
  } finally {
    stopSignals();
  }
  return finish();
}

/** A harness error for people: what went wrong, and the seed to report it with. Never a verdict. */
function harnessMessage(error: unknown, seed: number, property: string | null, reproduce: string | null = null): string {
  const where = property ? ` in property ${property}` : '';
  if (error instanceof CheckerGaveUp) {
    const again = reproduce ? ` To re-run that one run: ${reproduce}` : '';
    return `the checker gave up${where}: ${error.reason}. This is a limit of the harness, not a verdict on the implementation; please report it with the seed ${seed}.${again}`;
  }
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return `internal error${where}: ${text}. This is a fault of dualsock, not a verdict on the implementation; please report it with the seed ${seed}${error instanceof Error && error.stack ? `:\n${error.stack}` : '.'}`;
}

/** The live progress line on a terminal: what each lane is running, on one line. */
class Progress {
  private readonly shown = new Map<Session, string>();

  constructor(private readonly on: boolean) {}

  show(lane: Session, text: string): void {
    if (!this.on) return;
    this.shown.set(lane, text);
    this.draw();
  }

  /** The lane's property ended; the line is drawn again once its lines are told. */
  done(lane: Session): void {
    this.shown.delete(lane);
  }

  /** Clears the line, so that output can be written; draw() puts it back. */
  hide(): void {
    if (!this.on) return;
    const width = process.stderr.columns ?? 80;
    process.stderr.write(`\r${' '.repeat(width - 1)}\r`);
  }

  draw(): void {
    if (!this.on) return;
    if (this.shown.size === 0) return this.hide();
    const width = process.stderr.columns ?? 80;
    const text = `  ${[...this.shown.values()].join(' · ')}`;
    process.stderr.write(`\r${text.slice(0, width - 1).padEnd(width - 1)}`);
  }
}

function missingCapabilities(hello: HelloReply, required: readonly string[]): string[] {
  return required.filter((capability) => {
    if (capability === 'net' || capability === 'dss') return !hello.capabilities.families.includes(capability);
    if (['fs-server', 'fs-client', 'db-server', 'db-client'].includes(capability)) return !hello.capabilities.handshakes.includes(capability as never);
    return !hello.capabilities.faults.includes(capability as never);
  });
}


