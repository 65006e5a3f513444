import { describe, expect, test } from 'vitest';
import type { Counterexample } from '../judge/counterexample.ts';
import { failureOf } from './testing/summary.ts';
import { channelOf, parseCall, readTrace } from './diagram-trace.ts';

const call = (process: string, op: Record<string, unknown>): Counterexample['steps'][number] => ({ type: 'call', process, call: op }) as never;

/** A counterexample whose trace is one entry per line, each a call of the process the line names. */
function traced(lines: string[], extra: Partial<Counterexample> = {}): Counterexample {
  const steps = lines.map((line) => call(line.split(/[[:]/)[0]!, { op: 'socket', family: 'net' }));
  const trace = lines.map((line, command) => ({ command, what: line.split('->')[0]!, lines: [line] }));
  return { ...failureOf('p', 'NET-ACCEPT-FIFO', steps, trace).counterexample, failedAt: lines.length + 10, ...extra };
}

describe('readTrace: connections and messages from addresses and descriptors', () => {
  test('a connect and the accept that took it, on each channel; messages paired in order per direction, sends before the accept included', () => {
    const d = readTrace(
      traced([
        'S:listen(3,1)->srv:7000',
        'C:connect(4,srv:7000)->cli:40001',
        'C:send(4,0x01)->1',
        'S:accept(3)->4 from cli:40001',
        'S:recv(4,1)->0x01',
        'S:send(4,"ab")->2',
        'C:recv(4,8)->"ab"',
        'C:listen(1024,1)->stg1:5000',
        'S[244]:connect(1024,stg1:5000)->stg1:5001',
        'C[212]:accept(1024)->1025 from stg1:5001',
      ]),
    );
    const shape = d.links.map((l) => `${l.kind} ${l.channel} ${l.from.process}@${l.from.row}->${l.to.process}@${l.to.row}${l.queued ? ' queued' : ''}`);
    expect(shape).toEqual([
      'connection tcp C@1->S@3',
      'message tcp C@2->S@4',
      'message tcp S@5->C@6',
      'connection stp S@8->C@9',
    ]);
    expect(d.rows[8]).toMatchObject({ kind: 'call', process: 'S', label: '244', op: 'connect' });
  });

  test('a connect no accept took is drawn to the listener, marked queued', () => {
    const d = readTrace(traced(['S:listen(4,1)->srv:40000', 'S:connect(3,srv:40000)->srv:40001']));
    expect(d.links).toMatchObject([{ kind: 'connection', channel: 'tcp', from: { process: 'S', row: 1 }, to: { process: 'S', row: 1 }, queued: true }]);
  });

  test('an accept in the failing line still names the connection it took', () => {
    const c = traced(['S:listen(4,1)->srv:40000', 'C:connect(3,srv:40000)->cli:40001', '✗ expected peer x; the implementation: S:accept(4)->peer cli:40001'], { failedAt: 2 });
    const d = readTrace(c);
    expect(d.links).toMatchObject([{ kind: 'connection', from: { process: 'C' }, to: { process: 'S', row: 2 }, failing: true }]);
  });
});

describe('readTrace: rows, lanes and the failing step', () => {
  test('lanes are the processes that take part, in the world order, grouped by host; the rest are named idle', () => {
    const c = traced(['C:socket(net)->3', 'S:socket(net)->3'], { world: { ...traced([]).world, hosts: [{ name: 'srv', processes: ['S', 'S2'] }, { name: 'cli', processes: ['C'] }] } });
    const d = readTrace(c);
    expect(d.lanes).toEqual([
      { process: 'S', host: 'srv', harness: false },
      { process: 'C', host: 'cli', harness: false },
    ]);
    expect(d.idle).toEqual(['S2']);
  });

  test('a line naming a process the world does not have is a note: it is shown, and invents no lane', () => {
    const c = traced(['S:socket(net)->3']);
    const d = readTrace({ ...c, trace: [...c.trace, { command: 1, what: 'X', lines: ['EVIL:connect(3,srv:1)->srv:2', 'not a call at all'] }] });
    expect(d.lanes.map((l) => l.process)).toEqual(['S']);
    expect(d.rows.slice(1, 3)).toEqual([
      { kind: 'note', text: 'EVIL:connect(3,srv:1)->srv:2' },
      { kind: 'note', text: 'not a call at all' },
    ]);
  });

  test("the model's expected line before ✗ is the expectation, drawn on its lane, not an event", () => {
    const c = traced(['C[212A]:close(1024)->ok'], { failedAt: 1, expected: 'C[214]:close(5)->ok' });
    const d = readTrace({ ...c, trace: [...c.trace, { command: 1, what: 'x', lines: ['C[214]:close(5)->ok', '✗ expected C[214]:close(5)->ok; the implementation: C[214A]:close(4)->ok'] }] });
    expect(d.rows.at(-1)).toEqual({ kind: 'failure', process: 'C', label: '214A', expected: 'C[214]:close(5)->ok', actual: 'C[214A]:close(4)->ok', expectedOn: { process: 'C', text: 'C[214]:close(5)->ok' } });
    expect(d.entries.at(-1)).toMatchObject({ command: 1, count: 1, failing: true });
  });

  test("a bare answer in the failing line goes on the lane of the command's call", () => {
    const c = traced(['C:socket(net)->3'], { failedAt: 1 });
    const d = readTrace({ ...c, steps: [...c.steps, call('C', { op: 'connect', fd: 3, to: { host: 'srv', port: 1 } })], trace: [...c.trace, { command: 1, what: 'C:connect(3,srv:1)', lines: ['✗ expected it stays blocked; the implementation: ECONNREFUSED'] }] });
    expect(d.rows.at(-1)).toMatchObject({ kind: 'failure', process: 'C', actual: 'C:connect(3,srv:1)->ECONNREFUSED' });
  });

  test('a failure found by inspection (no ✗ line) is still a failing row of its command', () => {
    const d = readTrace(traced(['S:socket(dss)->1024'], { failedAt: 0, expected: 'an inspection that keeps every invariant', actual: 'control block 0 is owned by S:1024' }));
    expect(d.rows.at(-1)).toMatchObject({ kind: 'failure', expected: 'an inspection that keeps every invariant' });
    expect(d.entries).toMatchObject([{ command: 0, count: 2, failing: true }]);
  });
});

describe('parsing the trace text', () => {
  test.each([
    ['send(4,")->x")->2', { op: 'send', args: '4,")->x"', outcome: '2' }],
    ['recv(4,8)->")->y"', { op: 'recv', args: '4,8', outcome: '")->y"' }],
    ['accept(3)->4 from cli:40001', { op: 'accept', args: '3', outcome: '4 from cli:40001' }],
    ['held', null],
  ])('parseCall(%s)', (text, parsed) => expect(parseCall(text)).toEqual(parsed));

  test.each([
    ['stg1:5000', 'stp'],
    ['srv:7000', 'tcp'],
    ['ECONNREFUSED', null],
    ['4 from cli:1', null],
  ])('channelOf(%s) = %s', (address, channel) => expect(channelOf(address)).toBe(channel));
});
