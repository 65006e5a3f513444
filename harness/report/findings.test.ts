/**
 * Why this test? One bug found by five properties used to print five times, and every step of
 * a counterexample twice; a person reading the log should see each bug once, each step once.
 */
import { describe, expect, test } from 'vitest';
import { findingText } from './console.ts';
import { findings, shapeKey, traceLines } from './findings.ts';
import { failureOf } from './testing/summary.ts';

const socketThenSend = (p: string, fd: number) =>
  [
    { type: 'call', process: p, call: { op: 'socket', family: 'net' } },
    { type: 'call', process: p, call: { op: 'send', fd, data: '61' } },
  ] as const;

describe('findings', () => {
  test('the same requirement and step kinds under other names and values are one finding', () => {
    const a = failureOf('dss-calls', 'DATA-SEND-COMPLETE', [...socketThenSend('S', 3)], []);
    const b = failureOf('clock', 'DATA-SEND-COMPLETE', [...socketThenSend('C2', 5)], [], { fdBoundary: 512 });
    const other = failureOf('streams', 'CBT-UNIQUE-OWNER', [...socketThenSend('S', 3)], []);
    expect(shapeKey(a.counterexample)).toBe(shapeKey(b.counterexample));
    const list = findings([a, b, other]);
    expect(list.map((f) => f.properties)).toEqual([['dss-calls', 'clock'], ['streams']]);
    expect(findingText(list[0]!)).toContain('found by dss-calls; also seen by: clock');
  });

  test('a send through the storage system is another finding than one over the network', () => {
    const net = failureOf('p', 'DATA-SEND-COMPLETE', [{ type: 'call', process: 'S', call: { op: 'send', fd: 3, data: '61' } }], []);
    const dss = failureOf('q', 'DATA-SEND-COMPLETE', [{ type: 'call', process: 'S', call: { op: 'send', fd: 1024, data: '61' } }], []);
    expect(findings([net, dss])).toHaveLength(2);
  });

  test('the finding shows the first failure found, and lists the other counterexample files', () => {
    const [finding] = findings([failureOf('a', 'WORLD-RESET-BUILDS-CONFIG', [], []), failureOf('b', 'WORLD-RESET-BUILDS-CONFIG', [], [])]);
    expect(finding!.shown.property).toBe('a');
    expect(findingText(finding!)).toContain("the other properties' counterexamples: .dualsock/counterexamples/b-seed42.json");
  });
});

describe('traceLines', () => {
  test('each step once: a call header repeated by its first line is dropped', () => {
    const lines = traceLines([
      { command: 0, what: 'S:socket(net)', lines: ['S:socket(net)->3'] },
      { command: 1, what: 'batch[S:send(4,"a") | S2:send(3,"abc")]', lines: ['S:send(4,"a")->1', 'S2:send(3,"abc")->2'] },
      { command: -1, what: 'reset', lines: ['inspect: the table lists 8 blocks'] },
    ]);
    expect(lines).toEqual([
      { step: '#0', lines: ['S:socket(net)->3'] },
      { step: '#1', lines: ['batch of 2 at once:', '  S:send(4,"a")->1', '  S2:send(3,"abc")->2'] },
      { step: '#-1', lines: ['reset', '  inspect: the table lists 8 blocks'] },
    ]);
  });

  test('a batch call without a line of its own keeps the header', () => {
    const [entry] = traceLines([{ command: 2, what: 'batch[S:accept(3) | C:connect(3,srv:1)]', lines: ['C:connect(3,srv:1)->ECONNREFUSED'] }]);
    expect(entry!.lines[0]).toBe('batch[S:accept(3) | C:connect(3,srv:1)]');
  });
});

describe('findingText', () => {
  test('text from the implementation is made printable, replay paths are relative', () => {
    const f = failureOf('p', 'CBT-UNIQUE-OWNER', [{ type: 'call', process: 'S', call: { op: 'socket', family: 'dss' } }], [
      { command: 0, what: 'S:socket(dss)', lines: ['S:socket(dss)->1024 \u001b[2J\u001b]52;c;evil\u0007'] },
    ]);
    const text = findingText(findings([f])[0]!);
    expect(text).not.toContain('\u001b');
    expect(text).toContain('\\x1b[2J');
    expect(text).toContain('replay:    npx dualsock replay .dualsock/counterexamples/p-seed42.json');
  });
});
