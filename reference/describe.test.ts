/**
 * Counterexamples read like a log (STYLE.md): each input, outcome and
 * emission has one terse description.
 */
import { describe, expect, test } from 'vitest';
import type { Fault, HandshakeOutcome, Op, Outcome } from '../spec/messages.ts';
import type { Emission } from './context.ts';
import {
  describeAddress,
  describeCall,
  describeEmission,
  describeFault,
  describeHandshakeOutcome,
  describeOp,
  describeOutcome,
} from './describe.ts';
import { hex } from './testing/sim.ts';

describe('describe', () => {
  test.each([
    [{ host: 'cli', port: 7000 }, 'cli:7000'],
    [{ stg: 2, port: 5001 }, 'stg2:5001'],
    [null, '-'],
    [undefined, '-'],
  ] as const)('describeAddress(%j) is %s', (address, text) => {
    expect(describeAddress(address)).toBe(text);
  });

  test.each([
    [{ op: 'socket', family: 'dss' }, 'socket(dss)'],
    [{ op: 'bind', fd: 3, port: 0 }, 'bind(3,0)'],
    [{ op: 'bind', fd: 1024, stg: 1, port: 5000 }, 'bind(1024,stg1:5000)'],
    [{ op: 'listen', fd: 3, backlog: 2 }, 'listen(3,2)'],
    [{ op: 'accept', fd: 3 }, 'accept(3)'],
    [{ op: 'connect', fd: 3, to: { host: 'srv', port: 7000 } }, 'connect(3,srv:7000)'],
    [{ op: 'send', fd: 3, data: hex('hi') }, 'send(3,"hi")'],
    [{ op: 'send', fd: 3, data: '0001' }, 'send(3,0x0001)'],
    [{ op: 'recv', fd: 3, max: 4 }, 'recv(3,4)'],
    [{ op: 'getsockname', fd: 3 }, 'getsockname(3)'],
    [{ op: 'close', fd: 3 }, 'close(3)'],
  ] as [Op, string][])('describeOp: %s', (op, text) => {
    expect(describeOp(op)).toBe(text);
  });

  test.each([
    [undefined, '…'],
    [{ error: 'EBADF' }, 'EBADF'],
    [{ value: { fd: 4, peer: { host: 'cli', port: 40000 } } }, '4 from cli:40000'],
    [{ value: { fd: 1024 } }, '1024'],
    [{ value: { local: null } }, 'unbound'],
    [{ value: { local: { stg: 1, port: 5000 } } }, 'stg1:5000'],
    [{ value: { sent: 5 } }, '5'],
    [{ value: { data: '' } }, 'EOF'],
    [{ value: { data: hex('ok') } }, '"ok"'],
    [{ value: {} }, 'ok'],
  ] as [Outcome | undefined, string][])('describeOutcome: %j is %s', (outcome, text) => {
    expect(describeOutcome(outcome)).toBe(text);
  });

  test('describeCall', () => {
    expect(describeCall('C', { op: 'socket', family: 'dss' }, { value: { fd: 1024 } })).toBe('C:socket(dss)->1024');
    expect(describeCall('S', { op: 'connect', fd: 3, to: { host: 'cli', port: 5001 } })).toBe('S:connect(3,cli:5001)->…');
  });

  test.each([
    [{ status: 'established', layout: { control: 3, status: 4, data: 1024 } }, 'established{control=3,status=4,data=1024}'],
    [{ status: 'failed', label: '120', error: 'EPROTO' }, 'failed@120 EPROTO'],
  ] as [HandshakeOutcome, string][])('describeHandshakeOutcome: %s', (outcome, text) => {
    expect(describeHandshakeOutcome(outcome)).toBe(text);
  });

  test.each([
    [{ type: 'result', id: 1, proc: 'C', op: { op: 'close', fd: 3 }, outcome: { value: {} } }, 'C:close(3)->ok'],
    [{ type: 'event', id: 2, proc: 'S', label: '86', op: { op: 'accept', fd: 3 }, outcome: { error: 'ETIMEDOUT' }, reqs: [] }, 'S[86]:accept(3)->ETIMEDOUT'],
    [{ type: 'held', id: 2, proc: 'S', label: '90', reqs: [] }, 'S[90]:held'],
    [{ type: 'done', id: 2, proc: 'C', outcome: { status: 'established', layout: { data: 1025 } }, reqs: [] }, 'C:done established{data=1025}'],
  ] as [Emission, string][])('describeEmission: %s', (emission, text) => {
    expect(describeEmission(emission)).toBe(text);
  });

  test.each([
    [{ kind: 'crash', process: 'C' }, 'crash(C)'],
    [{ kind: 'recover', process: 'C' }, 'recover(C)'],
    [{ kind: 'partition', hosts: ['srv', 'cli'] }, 'partition(srv,cli)'],
    [{ kind: 'heal', hosts: ['srv', 'cli'] }, 'heal(srv,cli)'],
    [{ kind: 'reset', process: 'S', fd: 3 }, 'reset(S:3)'],
    [{ kind: 'stg-fail', stg: 1 }, 'stg-fail(stg1)'],
    [{ kind: 'stg-repair', stg: 1 }, 'stg-repair(stg1)'],
    [{ kind: 'cbt-reserve', count: 2 }, 'cbt-reserve(2)'],
    [{ kind: 'cbt-release' }, 'cbt-release'],
    [{ kind: 'delay', channel: 'net', ticks: 3 }, 'delay(net,3)'],
    [{ kind: 'undelay', channel: 'dss' }, 'undelay(dss)'],
  ] as [Fault, string][])('describeFault: %s', (fault, text) => {
    expect(describeFault(fault)).toBe(text);
  });
});
