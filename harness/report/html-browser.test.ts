/**
 * Why this test? The HTML report is read in a browser, so it is tested in one:
 * Debian's Chromium, driven by puppeteer-core (which downloads no browser).
 * Four real checks, run in-process with a fixed seed — the reference (a pass),
 * an in-process mutant of the calls (accept-lifo), and one mutant of each
 * handshake (file system, database) — each rendered by htmlReport, opened
 * headless, and held to what a reader needs: the verdict, a diagram with one
 * lane per process of the counterexample, both kinds of arrow where the trace
 * has both channels, the failing step highlighted with expected vs actual, no
 * page or script error and no request beyond the page itself. Screenshots go
 * to .dualsock/screenshots/ (git-ignored) for a person to look at.
 *
 * Without Chromium this test fails, saying how to install it: a report nobody
 * opened is not a tested report.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CHAPTERS, REQUIREMENTS } from '../../spec/requirements.ts';
import { check, type CheckSummary } from '../cli/check.ts';
import { createReferenceImplementation } from '../drive/reference-implementation.ts';
import type { ImplementationSpec } from '../drive/drivers.ts';
import type { Counterexample } from '../judge/counterexample.ts';
import type { Command } from '../generate/plan.ts';
import { htmlReport } from './html.ts';

/** The page's globals, as far as these checks use them inside page.evaluate (the DOM library is not in this project's tsconfig). */
interface Node {
  readonly id: string;
  readonly textContent: string | null;
  readonly firstElementChild: Node | null;
  readonly classList: { contains(name: string): boolean };
  readonly dataset: Record<string, string | undefined>;
  readonly width: { baseVal: { value: number } };
  readonly height: { baseVal: { value: number } };
  querySelector(selector: string): Node | null;
  querySelectorAll(selector: string): Iterable<Node> & { length: number };
  getBoundingClientRect(): { width: number; height: number };
}
declare const document: Node & { body: Node };
declare function getComputedStyle(node: Node): { stroke: string; strokeDasharray: string };

const CHROMIUM = process.env.DUALSOCK_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = resolve('.dualsock/screenshots');
const SEED = 1;
const MUTANTS = resolve('fixtures/mutants');
/**
 * A wall-clock bound per check far past what any of them needs: the seed and the run counts
 * decide what is found, so a busy machine makes the checks slower, never different.
 */
const BUDGET_MS = 600_000;
/** Every check, then every page, in one go (they take seconds each); a bound against a hang only. */
const SETUP_TIMEOUT_MS = 900_000;

interface Case {
  readonly name: string;
  readonly impl: ImplementationSpec;
  readonly property: string;
  readonly runs: number;
  /** The violated requirement a failing case must show first; null for the pass. */
  readonly violates: string | null;
}

const CASES: readonly Case[] = [
  { name: 'reference-passes', impl: { kind: 'factory', factory: createReferenceImplementation }, property: 'net-calls', runs: 30, violates: null },
  { name: 'accept-lifo', impl: { kind: 'module', path: join(MUTANTS, 'accept-lifo/index.ts') }, property: 'net-calls', runs: 1000, violates: 'NET-ACCEPT-FIFO' },
  { name: 'fs-client-skips-string-check', impl: { kind: 'module', path: join(MUTANTS, 'fs-client-skips-string-check/index.ts') }, property: 'fs-handshake', runs: 1000, violates: 'HS-FS-120-CHECK-STRING' },
  { name: 'db-keeps-dynamic-socket', impl: { kind: 'module', path: join(MUTANTS, 'db-keeps-dynamic-socket/index.ts') }, property: 'db-handshake', runs: 1000, violates: 'HS-DB-214-CLOSE-NETWORK' },
];

interface Opened {
  readonly summary: CheckSummary;
  readonly log: string;
  readonly errors: string[];
  readonly requests: string[];
  readonly page: Awaited<ReturnType<Browser['newPage']>>;
}

let browser: Browser | null = null;
const opened = new Map<string, Opened>();
const outDir = mkdtempSync(join(tmpdir(), 'dualsock-html-'));

/** Why there is no browser, said so that every test fails with it rather than being skipped. */
const NO_CHROMIUM = existsSync(CHROMIUM)
  ? null
  : `Chromium was not found at ${CHROMIUM}; the HTML report's browser test needs it. ` +
    'Install it with `apt-get update && apt-get install -y chromium` (Debian; .ci/run does this), ' +
    'or set DUALSOCK_CHROMIUM to a Chromium or Chrome binary.';

beforeAll(async () => {
  if (NO_CHROMIUM) return;
  mkdirSync(SHOTS, { recursive: true });
  // --no-sandbox: CI and these machines run as root, where Chromium's sandbox refuses to start.
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--font-render-hinting=none'] });
  for (const c of CASES) {
    let log = '';
    const summary = await check(
      { impl: c.impl, only: [c.property], seed: SEED, runs: c.runs, budgetMs: BUDGET_MS, outDir, reports: [], expectedFailures: [], strict: false, timeoutMs: 10_000 },
      { out: (t) => void (log += t), err: (t) => void (log += t) },
    );
    const html = htmlReport(summary, { impl: c.name, name: summary.name, version: 'test' });
    const file = join(SHOTS, `${c.name}.html`);
    writeFileSync(file, html);
    const page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (e) => errors.push(`page error: ${String(e)}`));
    page.on('console', (m) => void (m.type() === 'error' && errors.push(`console error: ${m.text()}`)));
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(file).href;
    await page.goto(url, { waitUntil: 'load' });
    await page.screenshot({ path: join(SHOTS, `${c.name}.png`), fullPage: true });
    const diagram = await page.$('.failure .diagram');
    if (diagram) await diagram.screenshot({ path: join(SHOTS, `${c.name}-diagram.png`) });
    opened.set(c.name, { summary, log, errors, requests: requests.filter((r) => r !== url), page });
  }
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  rmSync(outDir, { recursive: true, force: true });
});

/** The processes a counterexample's steps name, in the world's order: the lanes its diagram must have. */
function processesOf(c: Counterexample): string[] {
  const named = new Set<string>();
  for (const step of c.steps as Command[]) {
    if (step.type === 'call') named.add(step.process);
    if (step.type === 'batch') for (const call of step.calls) named.add(call.process);
    if (step.type === 'handshake') [step.scenario.server.process, step.scenario.client.process].forEach((p) => named.add(p));
    if (step.type === 'fault' && 'process' in step.fault) named.add(step.fault.process);
  }
  return c.world.hosts.flatMap((h) => h.processes).filter((p) => named.has(p));
}

/** Whether the trace has a successful connect over each channel: `P:connect(3,srv:7000)->cli:40001`, `P[244]:connect(1024,stg1:5000)->stg1:5001`. */
function channelsOf(c: Counterexample): { tcp: boolean; stp: boolean } {
  const lines = c.trace.flatMap((t) => t.lines);
  return {
    tcp: lines.some((l) => /^[A-Za-z][\w-]*(\[[^\]]+\])?:connect\(\d+,[A-Za-z][\w-]*:\d+\)->[A-Za-z][\w-]*:\d+$/.test(l) && !/,stg\d+:/.test(l)),
    stp: lines.some((l) => /^[A-Za-z][\w-]*(\[[^\]]+\])?:connect\(\d+,stg\d+:\d+\)->stg\d+:\d+$/.test(l)),
  };
}

function get(name: string): Opened {
  if (NO_CHROMIUM) throw new Error(NO_CHROMIUM);
  const o = opened.get(name);
  if (!o) throw new Error(`the page for ${name} was not opened; see the beforeAll error`);
  return o;
}

describe('the HTML report in Chromium', () => {
  test('Chromium is there to open the reports', () => {
    expect(NO_CHROMIUM, NO_CHROMIUM ?? '').toBeNull();
  });

  test.each(CASES)('$name: no page error, no request beyond the page, the verdict first, every requirement by chapter', async ({ name, violates }) => {
    const { summary, errors, requests, page, log } = get(name);
    expect(errors).toEqual([]);
    expect(requests, 'the report must be self-contained').toEqual([]);
    if (violates) expect(summary.failures[0]?.counterexample.violated[0], log).toBe(violates);
    else expect(summary.failures, log).toEqual([]);
    const shown = await page.evaluate(() => ({
      firstHeading: document.querySelector('h1')?.textContent ?? '',
      headerIsFirst: document.body.firstElementChild?.classList.contains('verdict') ?? false,
      rows: [...document.querySelectorAll('table.reqs tbody tr')].map((tr) => tr.id),
      chapters: [...document.querySelectorAll('section.chapter')].map((s) => s.id),
      notReachedWithoutWhy: [...document.querySelectorAll('table.reqs tr.s-not-reached')].filter((tr) => !tr.querySelector('.why')?.textContent?.startsWith('not reached: ')).length,
      scripts: document.querySelectorAll('script').length,
    }));
    expect(shown.headerIsFirst).toBe(true);
    expect(shown.firstHeading).toMatch(violates ? /^DOES NOT CONFORM/ : /^(CONFORMS|INCOMPLETE)/);
    expect(shown.rows).toEqual(CHAPTERS.flatMap((c) => REQUIREMENTS.filter((r) => r.chapter === c.id).map((r) => `req-${r.id}`)));
    expect(shown.chapters).toEqual(CHAPTERS.map((c) => `chapter-${c.id}`));
    expect(shown.notReachedWithoutWhy).toBe(0);
    expect(shown.scripts).toBe(0);
  });

  test.each(CASES.filter((c) => c.violates))('$name: the diagram has a lane per process, the channels as two kinds of arrow, the failing step highlighted', async ({ name }) => {
    const { summary, page } = get(name);
    const c = summary.failures[0]!.counterexample;
    const channels = channelsOf(c);
    const shown = await page.evaluate(() => {
      const svg = document.querySelector('#failure-1 svg.sequence');
      const stroke = (selector: string): { colour: string; dash: string } | null => {
        const path = svg?.querySelector(`${selector} path:last-of-type`);
        if (!path) return null;
        const style = getComputedStyle(path);
        return { colour: style.stroke, dash: style.strokeDasharray };
      };
      const failing = svg?.querySelector('.failing-step');
      const box = failing?.getBoundingClientRect();
      const drawn = svg?.getBoundingClientRect();
      return {
        lanes: [...(svg?.querySelectorAll('g.lane') ?? [])].map((g) => g.dataset.process),
        tcp: svg?.querySelectorAll('.conn-tcp').length ?? 0,
        stp: svg?.querySelectorAll('.conn-stp').length ?? 0,
        tcpStroke: stroke('.conn-tcp'),
        stpStroke: stroke('.conn-stp'),
        failingCount: svg?.querySelectorAll('.failing-step').length ?? 0,
        failingText: failing?.textContent ?? '',
        failingVisible: box ? box.width > 100 && box.height > 20 : false,
        labels: [...(svg?.querySelectorAll('g.call[data-label]') ?? [])].map((g) => g.dataset.label),
        // Drawn at its own size: a long diagram scrolls, it is never scaled down to fit.
        unscaled: svg && drawn ? Math.abs(drawn.width - svg.width.baseVal.value) < 1 && Math.abs(drawn.height - svg.height.baseVal.value) < 1 : false,
        legend: document.querySelector('#failure-1 .legend')?.textContent ?? '',
        versus: document.querySelector('#failure-1 .versus')?.textContent ?? '',
      };
    });
    expect(shown.lanes).toEqual(processesOf(c));
    expect(shown.tcp > 0, `TCP arrows: the trace ${channels.tcp ? 'has' : 'has no'} network connection`).toBe(channels.tcp);
    expect(shown.stp > 0, `STP arrows: the trace ${channels.stp ? 'has' : 'has no'} storage-system connection`).toBe(channels.stp);
    if (shown.tcpStroke && shown.stpStroke) {
      expect(shown.tcpStroke.colour).not.toBe(shown.stpStroke.colour);
      expect(shown.tcpStroke.dash).not.toBe(shown.stpStroke.dash);
    }
    expect(shown.failingCount).toBe(1);
    expect(shown.failingVisible).toBe(true);
    expect(shown.failingText).toContain(c.expected);
    expect(shown.failingText).toContain(c.actual.slice(c.actual.indexOf(':') + 1));
    expect(shown.unscaled).toBe(true);
    expect(shown.legend).toContain('network (TCP)');
    expect(shown.legend).toContain('storage-system (STP)');
    expect(shown.versus).toContain(c.expected);
    expect(shown.versus).toContain(c.actual);
    if (c.steps.some((s) => (s as Command).type === 'handshake')) expect(shown.labels.length).toBeGreaterThan(0);
  });

  test('the database handshake draws both channels: network connections and the storage-system connection', () => {
    const c = get('db-keeps-dynamic-socket').summary.failures[0]!.counterexample;
    expect(channelsOf(c)).toEqual({ tcp: true, stp: true });
  });
});
