/**
 * Why this test? A replay must survive an implementation that hands out other descriptors than
 * the recording did (and shrinking must survive dropping a socket() before others): the answers
 * teach a renaming per process, and every later command that names a descriptor goes through it.
 */
import { describe, expect, test } from 'vitest';
import type { Command } from '../generate/plan.ts';
import { Answers } from './renaming.ts';

const socket: Command = { type: 'call', process: 'S', call: { op: 'socket', family: 'net' } };

describe('answers and descriptor renaming', () => {
  test('an answer fills its slot; an answer for an id nobody expects is ignored', () => {
    const answers = new Answers(undefined);
    answers.open(socket);
    answers.expect(7, { command: 0, slot: 0, process: 'S' });
    answers.record(7, { value: { fd: 3 } });
    answers.record(8, { value: { fd: 4 } });
    expect(answers.table).toEqual([[{ value: { fd: 3 } }]]);
  });

  test('without a recording, commands go out as given', () => {
    const answers = new Answers(undefined);
    const close: Command = { type: 'call', process: 'S', call: { op: 'close', fd: 5 } };
    expect(answers.rename(close)).toBe(close);
  });

  test('a descriptor the recording got as 5 and this run as 4 is renamed in later calls, batches and resets of that process only', () => {
    const answers = new Answers([[{ value: { fd: 5 } }]]);
    answers.open(socket);
    answers.expect(1, { command: 0, slot: 0, process: 'S' });
    answers.record(1, { value: { fd: 4 } });
    expect(answers.rename({ type: 'call', process: 'S', call: { op: 'listen', fd: 5, backlog: 1 } })).toEqual({ type: 'call', process: 'S', call: { op: 'listen', fd: 4, backlog: 1 } });
    expect(answers.rename({ type: 'call', process: 'C', call: { op: 'close', fd: 5 } })).toEqual({ type: 'call', process: 'C', call: { op: 'close', fd: 5 } });
    expect(answers.rename({ type: 'batch', calls: [{ process: 'S', call: { op: 'accept', fd: 5 } }] })).toEqual({ type: 'batch', calls: [{ process: 'S', call: { op: 'accept', fd: 4 } }] });
    expect(answers.rename({ type: 'fault', fault: { kind: 'reset', process: 'S', fd: 5 } })).toEqual({ type: 'fault', fault: { kind: 'reset', process: 'S', fd: 4 } });
  });

  test("an established role's layout renames each of its descriptors", () => {
    const answers = new Answers([[{ status: 'established', layout: { control: 3, status: 4, data: 1024 } }, null]]);
    answers.open({ type: 'handshake', scenario: { flow: 'fs', server: { process: 'S', by: 'impl' }, client: { process: 'C', by: 'impl' }, stg: 1, deviation: null, fault: null, together: false } });
    answers.expect(2, { command: 0, slot: 0, process: 'S' });
    answers.record(2, { status: 'established', layout: { control: 5, status: 6, data: 1025 } });
    expect(answers.rename({ type: 'call', process: 'S', call: { op: 'recv', fd: 1024, max: 4 } })).toEqual({ type: 'call', process: 'S', call: { op: 'recv', fd: 1025, max: 4 } });
    expect(answers.rename({ type: 'call', process: 'S', call: { op: 'close', fd: 3 } })).toEqual({ type: 'call', process: 'S', call: { op: 'close', fd: 5 } });
  });
});
