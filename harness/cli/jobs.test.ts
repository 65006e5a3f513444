/**
 * Why this test? `--jobs N` runs N instances of the implementation at once, each taking whole
 * properties. It may change how long a check takes, never what it says: the same runs, the same
 * verdict, the same lines in the same order. And a lane that goes wrong is never a pass.
 */
import { describe, expect, test } from 'vitest';
import { createReferenceImplementation } from '../drive/reference-implementation.ts';
import type { Implementation } from '../drive/driver.ts';
import { check, type EngineOptions } from './check.ts';
import { engineOptions, quiet } from './engine-testing.ts';

const base = (over: Partial<EngineOptions>): EngineOptions => engineOptions(11, 'jobs', over);

/**
 * What a check said, without what depends on the clock or the output folder. Messages are
 * counted without the warm-up reset each further instance gets.
 */
function said(summary: Awaited<ReturnType<typeof check>>, text: string, options: EngineOptions) {
  return {
    outcome: summary.outcome,
    exitCode: summary.exitCode,
    runs: summary.runs,
    calls: summary.calls,
    epochs: summary.epochs,
    messages: summary.messages - (Math.min(options.jobs ?? 1, summary.properties.length) - 1),
    properties: summary.properties.map(({ id, planned, ran, ended }) => ({ id, planned, ran, ended })),
    verdicts: summary.verdicts.map((v) => [v.requirement.id, v.status]),
    rules: [...(summary.rules ?? [])].sort(),
    goals: [...(summary.goals ?? [])].sort(),
    failures: summary.failures.map((f) => [f.counterexample.violated, f.counterexample.expected, f.counterexample.actual]),
    lines: text
      .replaceAll(options.outDir!, '<out>')
      .split('\n')
      .filter((line) => !/ in [0-9.]+s against |instances of the implementation at once/.test(line)),
  };
}

/** Instances the factory made, so a test can misbehave in one lane only. */
function counted(make: (instance: number) => Implementation): () => Implementation {
  let made = 0;
  return () => make(++made);
}

describe('--jobs changes the time a check takes, never what it says', () => {
  test('one lane and three lanes run the same runs, reach the same verdict and print the same lines', async () => {
    const only = ['wire', 'dispatch', 'streams', 'clock'];
    const [first, second] = [base({ only, runs: 4 }), base({ only, runs: 4, jobs: 3 })];
    const one = quiet();
    const alone = await check(first, one);
    const three = quiet();
    const together = await check(second, three);
    expect(alone.outcome).toBe('CONFORMS');
    expect(said(together, three.text(), second)).toEqual(said(alone, one.text(), first));
    expect(three.text()).toContain('3 instances of the implementation at once (--jobs 3)');
  });

  test('a bug found in one lane is reported as it is with one lane', async () => {
    // The reference, except that a socket's first getsockname in every world answers a wrong port.
    const lying = (): Implementation => {
      const inner = createReferenceImplementation();
      let lied = false;
      return {
        handle(request, reply) {
          if (request.type === 'reset') lied = false;
          if (request.type === 'call' && request.call.op === 'getsockname' && !lied) {
            lied = true;
            inner.handle(request, (message) => {
              if (message.type === 'result' && 'value' in message.outcome && 'local' in message.outcome.value && message.outcome.value.local && 'port' in message.outcome.value.local) {
                reply({ ...message, outcome: { value: { local: { ...message.outcome.value.local, port: message.outcome.value.local.port + 1 } } } } as typeof message);
              } else reply(message);
            });
            return;
          }
          inner.handle(request, reply);
        },
      };
    };
    const only = ['wire', 'net-calls'];
    const impl = { kind: 'factory' as const, factory: lying };
    const [first, second] = [base({ impl, only, runs: 30 }), base({ impl, only, runs: 30, jobs: 2 })];
    const one = quiet();
    const alone = await check(first, one);
    const two = quiet();
    const together = await check(second, two);
    expect(alone.outcome).toBe('NON-CONFORMANCE');
    expect(alone.failures.length).toBeGreaterThan(1);
    expect(said(together, two.text(), second)).toEqual(said(alone, one.text(), first));
  });

  test('a second instance that declares other capabilities stops the check before any property runs', async () => {
    const factory = counted((instance) => {
      const inner = createReferenceImplementation();
      return {
        handle(request, reply) {
          inner.handle(request, (message) => {
            if (message.type === 'hello' && instance === 2) reply({ ...message, capabilities: { ...message.capabilities, faults: [] } });
            else reply(message);
          });
        },
      };
    });
    const output = quiet();
    const summary = await check(base({ impl: { kind: 'factory', factory }, only: ['wire', 'dispatch'], runs: 2, jobs: 2 }), output);
    expect(summary.exitCode).toBe(2);
    expect(summary.outcome).toBe('HARNESS-ERROR');
    expect(summary.runs).toBe(0);
    expect(output.text()).toMatch(/--jobs: instance 2 of the implementation said hello with .*"faults":\[\].*Every instance must declare the same version and capabilities; run with --jobs 1/);
  });

  test('an instance that breaks the protocol is a PROTOCOL-BREAK, and what the other lane ran is kept', async () => {
    // The second instance answers its fifth settle with an ack.
    const factory = counted((instance) => {
      const inner = createReferenceImplementation();
      let settles = 0;
      return {
        handle(request, reply) {
          if (instance === 2 && request.type === 'settle' && ++settles === 5) return reply({ type: 'ack', id: request.id });
          inner.handle(request, reply);
        },
      };
    });
    const output = quiet();
    const summary = await check(base({ impl: { kind: 'factory', factory }, only: ['wire', 'dispatch', 'streams'], runs: 3, jobs: 2 }), output);
    expect(summary.outcome).toBe('PROTOCOL-BREAK');
    expect(summary.exitCode).toBe(3);
    // Catalogue order: streams (the first lane), dispatch (the second, which breaks); wire only if
    // the first lane took it before the break — which lane gets there first is the machine's business.
    expect(summary.properties.map((p) => p.id).slice(0, 2)).toEqual(['streams', 'dispatch']);
    expect(summary.properties[0]).toMatchObject({ ran: 3, ended: 'complete' });
    expect(output.text()).toMatch(/streams: 3 of 3 runs, no failure/);
  });

  test('--jobs larger than the selection runs one lane per property', async () => {
    const output = quiet();
    const summary = await check(base({ only: ['wire'], runs: 2, jobs: 4 }), output);
    expect(summary.properties.map((p) => p.ran)).toEqual([2]);
    expect(output.text()).not.toContain('instances of the implementation at once');
  });
});
