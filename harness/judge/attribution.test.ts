/**
 * Why this test? A failure names a requirement and says in one line what was observed; a person
 * reads those two first and goes looking for the bug there. Each test here feeds the checker an
 * epoch, built by hand on the model, in which an implementation answered what one bug makes it
 * answer, and pins the requirement named first and the words that explain it.
 */
import { describe, expect, test } from 'vitest';
import { type State } from '../../reference/index.ts';
import { Sim, configWith, hex } from '../../reference/testing/sim.ts';
import type { Outcome } from '../../spec/messages.ts';
import { type EpochInput, type Observed, checkEpoch } from './checker.ts';

const NOTHING_SENT: EpochInput = { first: [], issues: [] };

function observed(results: [number, Outcome][], pending: number[] = []): Observed {
  return { results: new Map(results), roles: new Map(), pending, arrival: new Map(results.map(([id], i) => [`r${id}`, i])) };
}

function failureOf(frontier: readonly State[], input: EpochInput, seen: Observed): { reqs: readonly string[]; expected: string; actual: string } {
  const verdict = checkEpoch(frontier, input, seen);
  if (verdict.ok) throw new Error('the checker explained an epoch it should have rejected');
  return verdict.failure;
}

describe('a send answered while the model has it blocked says what the STG buffer holds', () => {
  const fourBytes = configWith({ stgs: [{ id: 1, length: 4, ports: [5000, 5007] }] });

  test('a send larger than the whole buffer says so', () => {
    const sim = new Sim(fourBytes);
    const [c] = sim.dssPair();
    const send = sim.start('C', { op: 'send', fd: c, data: hex('abcdef') });
    expect(sim.result(send)).toBeUndefined();
    const failure = failureOf([sim.state], NOTHING_SENT, observed([[send, { value: { sent: 6 } }]]));
    expect(failure.reqs[0]).toBe('STG-BACKPRESSURE');
    expect(failure.expected).toMatch(/the send of 6 bytes is larger than the 4-byte buffer of stg1 toward the peer, which holds 4 bytes unread: 2 bytes of the send wait for the peer to read/);
  });

  test('a buffer with nothing unread is not called full: the bytes on their way are named', () => {
    // The storage channel is delayed: what C sent is on its way, so S's side shows nothing unread.
    const sim = new Sim(fourBytes);
    const [c] = sim.dssPair();
    sim.fault({ kind: 'delay', channel: 'dss', ticks: 5 });
    sim.call('C', { op: 'send', fd: c, data: hex('abc') });
    const send = sim.start('C', { op: 'send', fd: c, data: hex('xy') });
    expect(sim.result(send)).toBeUndefined();
    const failure = failureOf([sim.state], NOTHING_SENT, observed([[send, { value: { sent: 2 } }]]));
    expect(failure.reqs[0]).toBe('STG-BACKPRESSURE');
    expect(failure.expected).toMatch(/the 4-byte buffer of stg1 toward the peer holds 0 bytes unread and 4 bytes on the way: 1 byte of the send waits for room/);
    expect(failure.expected).not.toMatch(/do not fit/);
  });
});
