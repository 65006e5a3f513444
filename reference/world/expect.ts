/**
 * The implementation's answer against the allowed set. A call's outcome is
 * decided here — exactly one outcome, one of several errors, or a success
 * whose value (a descriptor, a dynamic port) may be any allowed one — and the
 * observed answer, when there is one, is checked against it; a disallowed
 * answer throws a Violation naming the requirements it breaks.
 */
import type { Address, ErrorCode, Outcome } from '../../spec/messages.ts';
import { type Family, fdRange } from '../../spec/config.ts';
import { type Ctx, Violation } from '../context.ts';
import type { RuleId } from '../rules.ts';
import { deepEqual } from '../equal.ts';
import { describeAddress, describeOutcome } from '../describe.ts';
import { type Decided, type State, sockKey } from '../state.ts';
import { freePorts, dynamicRange, addressIn, sameAddress } from './lookup.ts';

export function decided(outcome: Outcome, reqs: readonly string[], why: string, rule: RuleId): Decided {
  return { outcome, reqs, why, rule };
}

export function err(error: ErrorCode, reqs: readonly string[], why: string, rule: RuleId): Decided {
  return decided({ error }, reqs, why, rule);
}

function sameOutcome(a: Outcome, b: Outcome): boolean {
  return deepEqual(a, b);
}

/** The outcome is fixed: the observed one must be exactly it. */
export function expectExactly(ctx: Ctx, key: string, outcome: Outcome, reqs: readonly string[], why: string, rule: RuleId): Outcome {
  ctx.touch(reqs, rule);
  const observed = ctx.observed(key);
  if (observed !== undefined && !sameOutcome(observed, outcome)) {
    throw new Violation(reqs, `${describeOutcome(outcome)} (${why})`, describeOutcome(observed), key);
  }
  return outcome;
}

/** The outcome is one of several errors (POSIX and Linux differ). */
export function expectOneOf(ctx: Ctx, key: string, outcomes: readonly Outcome[], reqs: readonly string[], why: string, rule: RuleId): Outcome {
  ctx.touch(reqs, rule);
  const observed = ctx.observed(key);
  if (observed === undefined) return outcomes[0]!;
  if (outcomes.some((o) => sameOutcome(o, observed))) return observed;
  throw new Violation(reqs, `${outcomes.map(describeOutcome).join(' or ')} (${why})`, describeOutcome(observed), key);
}

/** The call succeeds; returns the observed value, if any, for the caller to check. */
export function expectSuccess(ctx: Ctx, key: string, reqs: readonly string[], expected: string, rule: RuleId): Record<string, unknown> | undefined {
  ctx.touch(reqs, rule);
  const observed = ctx.observed(key);
  if (observed === undefined) return undefined;
  if ('error' in observed) throw new Violation(reqs, expected, observed.error, key);
  return observed.value as Record<string, unknown>;
}

/** A new descriptor: any free value of the family's range; canonical is the lowest. */
export function chooseFd(state: State, ctx: Ctx, key: string, proc: string, family: Family, value: Record<string, unknown> | undefined): number {
  const [lo, hi] = fdRange(state.config, family);
  let lowest = -1;
  for (let fd = lo; fd <= hi; fd++) {
    if (!state.socks[sockKey(proc, fd)]) {
      lowest = fd;
      break;
    }
  }
  if (value === undefined) return lowest;
  ctx.touch(['DISPATCH-FD-RANGE', 'DISPATCH-FD-UNIQUE', 'DISPATCH-FD-LOWEST'], 'fd.adopted');
  const fd = value.fd;
  if (typeof fd !== 'number' || fd < lo || fd > hi) {
    throw new Violation(['DISPATCH-FD-RANGE'], `a ${family} descriptor in [${lo}, ${hi}]`, `fd ${String(fd)}`, key);
  }
  if (state.socks[sockKey(proc, fd)]) {
    throw new Violation(['DISPATCH-FD-UNIQUE'], `a descriptor not open in ${proc}`, `fd ${fd}, already open`, key);
  }
  if (fd !== lowest) {
    ctx.touch(['DISPATCH-FD-LOWEST'], 'fd.not-lowest');
    ctx.soft('DISPATCH-FD-LOWEST', `${proc} got fd ${fd} where ${lowest} was the lowest free`);
  }
  return fd;
}

/** A dynamic port: any free one of the range; canonical is the lowest. */
export function choosePort(
  state: State,
  ctx: Ctx,
  key: string,
  scope: { host: string } | { stg: number },
  observedLocal: unknown,
  reqs: readonly string[],
): number {
  const range = dynamicRange(state, scope);
  const free = freePorts(state, scope, range);
  if (observedLocal === undefined) {
    // Not observable here (a connect still pending): every free port is possible.
    return free[ctx.pick(free.length, 'pick.dynamic-port')]!;
  }
  const local = observedLocal as Address | null;
  const port = local?.port ?? -1;
  const expected = `a free dynamic port of ${'host' in scope ? scope.host : `stg${scope.stg}`} in ${range[0]}..${range[1]}`;
  if (!local || !sameAddress(local, addressIn(scope, port)) || !free.includes(port)) {
    const why = local && free.length && port >= range[0] && port <= range[1] ? ' (already held)' : '';
    throw new Violation(reqs, expected, describeAddress(local) + why, key);
  }
  return port;
}

export function badFd(ctx: Ctx, key: string, proc: string, fd: number, rule: RuleId): Outcome {
  return expectExactly(ctx, key, { error: 'EBADF' }, ['DISPATCH-EBADF'], `fd ${fd} is not open in ${proc}`, rule);
}
