/**
 * The CLI's own decisions, run in-process for speed: flag validation (exit 2
 * with what arrived, what was expected and an example), `list`, help. The
 * end-to-end runs through bin/dualsock.js are in cli.e2e.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { REQUIREMENTS } from '../../spec/requirements.ts';
import { main, parseDuration } from './cli.ts';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (text) => (out += text), err: (text) => (err += text) });
  return { code, out, err };
}

function tempFile(name: string, content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'dualsock-cli-')), name);
  writeFileSync(path, content);
  return path;
}

const IMPL = ['--impl', 'node impl.mjs'];

describe('usage errors exit 2 and say what arrived, what was expected, and give an example', () => {
  test.each<{ name: string; argv: string[]; phrases: RegExp[] }>([
    { name: 'unknown flag', argv: ['check', ...IMPL, '--frobnicate'], phrases: [/unknown option '--frobnicate'/, /dualsock check --help/, /for example:\n  dualsock check --impl/] },
    { name: 'near-miss flag', argv: ['check', ...IMPL, '--seeds', '4'], phrases: [/unknown option '--seeds'/, /Did you mean --seed\?/] },
    { name: '--impl missing', argv: ['check'], phrases: [/check needs --impl; nothing arrived/, /For example|for example/, /--impl "node /] },
    { name: '--impl without a value', argv: ['check', '--impl'], phrases: [/--impl <module-or-command>' argument missing/] },
    { name: '--impl module that does not exist', argv: ['check', '--impl', './no-such-impl.ts'], phrases: [/looks like a module path, but no such file exists/, /for example --impl fixtures\/examples/] },
    { name: '--impl with an open quote', argv: ['check', '--impl', `node 'impl.mjs`], phrases: [/unterminated ' quote/] },
    { name: 'bad --budget', argv: ['check', ...IMPL, '--budget', '5x'], phrases: [/--budget "5x" is not a duration/, /unit ms, s, m or h/, /--budget 60s/] },
    { name: 'zero --budget', argv: ['check', ...IMPL, '--budget', '0s'], phrases: [/--budget "0s" is not a duration/] },
    { name: 'bad --seed', argv: ['check', ...IMPL, '--seed', 'abc'], phrases: [/--seed "abc" is not valid; expected an integer/, /--seed 42/] },
    { name: 'bad --runs', argv: ['check', ...IMPL, '--runs', '0'], phrases: [/--runs "0" is not valid; expected an integer from 1/] },
    { name: 'bad --timeout-ms', argv: ['check', ...IMPL, '--timeout-ms', '2s'], phrases: [/--timeout-ms "2s" is not valid/, /--timeout-ms 2000/] },
    { name: 'unknown report kind', argv: ['check', ...IMPL, '--report', 'json=a.json,pdf=b.pdf'], phrases: [/"pdf" is not a report kind/, /json, junit, html/, /--report json=out\/report.json/] },
    { name: 'report without a path', argv: ['check', ...IMPL, '--report', 'junit'], phrases: [/--report "junit" names no file/] },
    { name: 'report kind twice', argv: ['check', ...IMPL, '--report', 'json=a', '--report', 'json=b'], phrases: [/names json twice/] },
    { name: 'unknown requirement in --only', argv: ['check', ...IMPL, '--only', 'CBT-UNIQUE-OWNERS'], phrases: [/no requirement has that ID/, /did you mean CBT-UNIQUE-OWNER\?/] },
    { name: 'unreadable --expect-failures', argv: ['check', ...IMPL, '--expect-failures', '/no/such/file.json'], phrases: [/cannot read it \(ENOENT\)/, /expected a JSON file such as/] },
    { name: 'unknown subcommand', argv: ['chek'], phrases: [/unknown command 'chek'/, /Did you mean check\?/] },
    { name: 'replay without a counterexample', argv: ['replay'], phrases: [/replay needs a counterexample file, or both --seed and --path/] },
  ])('$name', async ({ argv, phrases }) => {
    const { code, out, err } = await run(...argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    for (const phrase of phrases) expect(err).toMatch(phrase);
  });

  test.each([
    { name: 'not JSON', content: 'CBT-UNIQUE-OWNER: flaky', phrase: /is not a list of expected failures/ },
    { name: 'an unknown requirement', content: '{"CBT-UNIQUE": "x"}', phrase: /"CBT-UNIQUE" is not a requirement ID \(did you mean CBT-UNIQUE-OWNER\?\)/ },
    { name: 'an entry without a reason', content: '[{"requirement": "CBT-UNIQUE-OWNER"}]', phrase: /is not a list of expected failures/ },
  ])('--expect-failures file with $name', async ({ content, phrase }) => {
    const { code, err } = await run('check', ...IMPL, '--expect-failures', tempFile('expected.json', content));
    expect(code).toBe(2);
    expect(err).toMatch(phrase);
  });
});

test.each([
  ['60s', 60_000],
  ['5m', 300_000],
  ['1500ms', 1500],
  ['1.5h', 5_400_000],
  ['90', 90_000],
])('--budget %s is %i ms', (text, ms) => {
  expect(parseDuration(text)).toBe(ms);
});

describe('list', () => {
  test('prints every requirement ID, level and title', async () => {
    const { code, out } = await run('list');
    expect(code).toBe(0);
    for (const requirement of REQUIREMENTS) {
      // A long title wraps under itself (the table fits 100 columns): words may be split by a line break and indentation.
      expect(out).toMatch(new RegExp(`^${requirement.id} +${requirement.level} +${requirement.chapter} +${escape(requirement.title).replace(/ /g, '\\s+')}$`, 'm'));
    }
  });

  test('--json prints the requirement index', async () => {
    const { code, out } = await run('list', '--json');
    expect(code).toBe(0);
    expect((JSON.parse(out) as { id: string }[]).map((r) => r.id)).toEqual(REQUIREMENTS.map((r) => r.id));
  });
});

describe('help', () => {
  test.each([
    { argv: ['--help'], phrase: /Commands:[\s\S]*check[\s\S]*replay[\s\S]*list[\s\S]*serve-reference/ },
    { argv: ['check', '--help'], phrase: /If the value names an existing file ending in \.ts, \.js, \.mjs, \.mts or \.cjs/ },
    { argv: ['replay', '--help'], phrase: /counterexample/ },
    { argv: ['list', '--help'], phrase: /--json/ },
    { argv: ['serve-reference', '--help'], phrase: /stdin\/stdout/ },
  ])('$argv', async ({ argv, phrase }) => {
    const { code, out } = await run(...argv);
    expect(code).toBe(0);
    expect(out).toMatch(phrase);
  });
});

test('check passes the minimal in-process example', async () => {
  const { code, out, err } = await run('check', '--impl', 'fixtures/examples/minimal-inprocess/index.ts', '--timeout-ms', '2000', '--seed', '3', '--only', 'wire', '--runs', '5', '--out', 'tmp/cx-examples');
  expect(err).toBe('');
  expect(code).toBe(0);
  expect(out).toMatch(/"minimal-inprocess", protocol v1/);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
