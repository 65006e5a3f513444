/**
 * The rule list (rules.ts) and the model's source stay in step: every rule id
 * the model names is listed, every listed rule is named somewhere in the
 * model, and the ids a step reports are the decisions it took. Without this a
 * rule renamed in the model would leave its old id in the list, forever
 * "never fired", and the report would send people looking for a blind spot
 * that is not there.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';
import { REQUIREMENT_IDS } from '../spec/requirements.ts';
import { type Action, type StepResult, enabledActions } from './model.ts';
import { PROGRAMS } from './roles.ts';
import { RULES, RULE_IDS, hsRule, rulesOf } from './rules.ts';
import { Sim, configWith } from './testing/sim.ts';

const ROOT = dirname(fileURLToPath(import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && entry.name !== 'rules.ts' ? [path] : [];
  });
}

/** The string literals of a source text, each with the function it is passed to, if any (parsed: comments never count). */
function literals(text: string): { text: string; callee: string | null }[] {
  const found: { text: string; callee: string | null }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node)) {
      const call = node.parent && ts.isCallExpression(node.parent) ? node.parent : null;
      found.push({ text: node.text, callee: call && call.arguments.includes(node as ts.Expression) ? call.expression.getText() : null });
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, /* setParentNodes */ true));
  return found;
}

const STATIC_PREFIX = /^(call|error|fd|socket|bind|listen|accept|connect|send|recv|getsockname|close|transmit|deliver|arrive|clock|fault|pick|session)\.\S+$/;
const sources = sourceFiles(ROOT).map((path) => ({ name: relative(ROOT, path), text: readFileSync(path, 'utf8') }));
const named = sources.flatMap((source) => literals(source.text).map((literal) => ({ ...literal, file: source.name })));
const ruleLiterals = named.filter((l) => STATIC_PREFIX.test(l.text));
/** The ways the model passes to hsRule: `hsRule(role, label, 'way')`. */
const hsWays = new Set(named.filter((l) => l.callee === 'hsRule').map((l) => l.text));

describe('the rule list', () => {
  test('ids are unique, each rule serves requirements that exist and says what it decides', () => {
    expect(RULE_IDS.size).toBe(RULES.length);
    for (const rule of RULES) {
      expect(rule.reqs.length, rule.id).toBeGreaterThan(0);
      for (const req of rule.reqs) expect(REQUIREMENT_IDS.has(req), `${rule.id} serves ${req}`).toBe(true);
      expect(rule.text.length, rule.id).toBeGreaterThan(10);
      if (rule.unreachable !== undefined) expect(rule.unreachable.length, rule.id).toBeGreaterThan(20);
    }
  });

  test('every rule id the model names is in the list', () => {
    expect(ruleLiterals.length).toBeGreaterThan(100);
    const unlisted = ruleLiterals.filter((l) => !RULE_IDS.has(l.text)).map((l) => `${l.file}: ${l.text}`);
    expect(unlisted).toEqual([]);
  });

  test('every listed rule is named somewhere in the model (the list cannot rot)', () => {
    const used = new Set(ruleLiterals.map((l) => l.text));
    const unused = RULES.filter((r) => !r.id.startsWith('hs.') && !used.has(r.id)).map((r) => r.id);
    expect(unused).toEqual([]);
  });

  test("the handshake rules are the step tables' steps and the ways model.ts names", () => {
    const ways = new Set(RULES.filter((r) => r.id.startsWith('hs.')).map((r) => r.id.split('.').slice(2).filter((part) => !/^\d/.test(part)).join('.')).filter(Boolean));
    expect([...ways].sort()).toEqual([...hsWays].sort());
    for (const [role, program] of Object.entries(PROGRAMS)) {
      for (const step of program.steps) expect(RULE_IDS.has(hsRule(program.role, step.label)), `${role} ${step.label}`).toBe(true);
    }
  });

  test('a requirement lists the rules that serve it', () => {
    expect(rulesOf('CBT-EXHAUSTED-ENOBUFS').map((r) => r.id)).toEqual(['socket.dss.cbt-full→ENOBUFS', 'accept.dss.cbt-full→ENOBUFS', 'fault.cbt-reserve.fills-table']);
  });
});

describe('a step reports the rules of the decisions it took', () => {
  const rulesOfStep = (result: StepResult): readonly string[] => (result.kind === 'ok' ? result.rules : [`(${result.kind})`]);
  const full = () => new Sim(configWith({ cbt: { capacity: 1 } })).apply({ type: 'fault', fault: { kind: 'cbt-reserve', count: 1 } });
  test.each([
    ['socket(dss) with the table full', full, { type: 'call', id: 9, process: 'C', call: { op: 'socket', family: 'dss' } }, ['call.completes-at-once', 'socket.dss.cbt-full→ENOBUFS', 'error.definite-no-effect']],
    ['socket(net)', () => new Sim(), { type: 'call', id: 9, process: 'C', call: { op: 'socket', family: 'net' } }, ['call.completes-at-once', 'socket.net→ok']],
    ['bind on no descriptor', () => new Sim(), { type: 'call', id: 9, process: 'C', call: { op: 'bind', fd: 5, port: 0 } }, ['call.dispatch', 'call.completes-at-once', 'bind.no-fd→EBADF', 'error.definite-no-effect']],
    ['a tick', () => new Sim(), { type: 'tick' }, ['clock.tick']],
    ['a reservation that takes the last block', () => new Sim(configWith({ cbt: { capacity: 1 } })), { type: 'fault', fault: { kind: 'cbt-reserve', count: 1 } }, ['fault.cbt-reserve', 'fault.cbt-reserve.fills-table']],
  ] as const)('%s', (_name, world, action, expected) => {
    expect([...rulesOfStep(world().try(action as Action))].sort()).toEqual([...expected].sort());
  });

  test('a role refused until its step times out fires each refusal, then gives up; every rule it fires is listed', () => {
    const sim = new Sim();
    const fired = new Set<string>();
    const run = (action: Action) => {
      const result = sim.try(action);
      for (const r of rulesOfStep(result)) fired.add(r);
      sim.adopt(result, action);
    };
    run({ type: 'handshake', id: 1, process: 'C', role: 'db-client', params: { peer: 'srv' }, hold: [] });
    for (let i = 0; i < 100 && sim.state.roles['1']; i++) {
      const [next] = enabledActions(sim.state);
      run(next ?? { type: 'tick' });
    }
    expect(sim.state.roles['1']).toBeUndefined();
    expect(fired).toContain(hsRule('db-client', '194', 'refused'));
    expect(fired).toContain(hsRule('db-client', null, 'retry-exhausted'));
    expect(fired).toContain(hsRule('db-client', null, 'failed'));
    expect(fired).toContain(hsRule('db-client', null, 'released'));
    for (const rule of fired) expect(RULE_IDS.has(rule), rule).toBe(true);
  });
});
