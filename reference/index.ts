/**
 * The pure reference model of the dual-channel socket protocol.
 *
 * - state.ts: the state (plain data) and initialState(config).
 * - world.ts: the socket calls of both families, the network and storage
 *   channels, faults and ticks — its map and surface; the chapters live in
 *   world/ (lookup, expect, storage, connections, setup-calls, stream-calls,
 *   calls, clock, faults, views).
 * - roles.ts: the four handshake roles as step tables (pure programs), and
 *   `patchProgram`, a copy of a table with some steps changed.
 * - model.ts: `step(state, action, options)` — the one entry point — plus
 *   `enabledActions`, `settle` and `pendingIds`. The roles run from the
 *   figures' tables, PROGRAMS, unless `options.programs` names others.
 * - inspect.ts / invariants.ts: the inspect view and the invariants it obeys.
 * - describe.ts: terse descriptions for traces.
 *
 * No I/O, no clocks, no randomness, no async: reference/purity.test.ts checks.
 * Choices the spec leaves open are settled by the implementation's observed
 * answer (checked against the allowed set) or enumerated by `choices`.
 */
export { type State, initialState, fingerprint, sockKey } from './state.ts';
export { type Action, type ObservedStep, type StepOptions, type StepResult, step, enabledActions, settle, pendingIds, roleCallKey, FAULT_REQS } from './model.ts';
export { type Emission, Violation, type SoftFinding } from './context.ts';
export { inspect } from './inspect.ts';
export { checkInvariants, INVARIANT_REQS, type Breach } from './invariants.ts';
export { PROGRAMS, patchProgram, roleChoices, roleNext, roleOnOutcome, stepLabels, type Programs, type RoleProgram, type Progress, type RoleCtx } from './roles.ts';
export { describeCall, describeEmission, describeFault, describeOp, describeOutcome, describeAddress, describeHandshakeOutcome } from './describe.ts';
export { blockedReason } from './world.ts';
