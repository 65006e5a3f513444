/**
 * The reference model wrapped as an implementation: what `dualsock
 * serve-reference` serves over stdio and what the in-process fixture loads.
 *
 * It takes the model's canonical choice everywhere (lowest free descriptor
 * and port, every readable byte) and runs to quiescence after each request,
 * so `settle` only has to list what is still blocked. It must always pass.
 */
import type { Implementation } from './driver.ts';
import { type Capabilities, FAULT_CAPABILITY_NAMES, PROTOCOL_VERSION, Role, type Reply, type Request } from '../../spec/messages.ts';
import { type Action, type Emission, type State, initialState, inspect, pendingIds, settle, step } from '../../reference/index.ts';

/** Everything the protocol lets an implementation declare: both families, every role, every fault. */
export const FULL_CAPABILITIES: Capabilities = { families: ['net', 'dss'], handshakes: [...Role.options], faults: [...FAULT_CAPABILITY_NAMES] };

/** The wire reply that carries what the model emitted: a call's result, a role's event, hold or end. */
export function replyOf(e: Emission): Reply {
  if (e.type === 'result') return { type: 'result', id: e.id, outcome: e.outcome };
  if (e.type === 'event') return { type: 'event', id: e.id, label: e.label, call: e.op, outcome: e.outcome };
  if (e.type === 'held') return { type: 'held', id: e.id, label: e.label };
  return { type: 'done', id: e.id, outcome: e.outcome };
}

export function createReferenceImplementation(): Implementation {
  let state: State | null = null;

  const emit = (emissions: readonly Emission[], reply: (message: Reply) => void): void => {
    for (const e of emissions) reply(replyOf(e));
  };

  /** Apply one action and run to quiescence; an impossible request is answered with bad-request. */
  const apply = (action: Action, id: number, reply: (message: Reply) => void): boolean => {
    if (!state) {
      reply({ type: 'error', id, code: 'bad-request', message: 'reset first: no world has been built' });
      return false;
    }
    const result = step(state, action);
    if (result.kind === 'illegal') {
      reply({ type: 'error', id, code: 'bad-request', message: result.reason });
      return false;
    }
    if (result.kind === 'violation') throw new Error('the reference cannot violate itself');
    const settled = settle(result.state);
    state = settled.state;
    emit(result.emissions, reply);
    emit(settled.emissions, reply);
    return true;
  };

  return {
    handle(request: Request, reply: (message: Reply) => void): void {
      switch (request.type) {
        case 'hello':
          reply({
            type: 'hello',
            id: request.id,
            version: PROTOCOL_VERSION,
            name: 'dualsock-reference',
            capabilities: FULL_CAPABILITIES,
          });
          return;
        case 'reset':
          state = initialState(request.config);
          reply({ type: 'ack', id: request.id });
          return;
        case 'call':
          apply({ type: 'call', id: request.id, process: request.process, call: request.call }, request.id, reply);
          return;
        case 'batch':
          reply({ type: 'ack', id: request.id });
          for (const call of request.calls) apply({ type: 'call', id: call.id, process: call.process, call: call.call }, call.id, reply);
          return;
        case 'handshake':
          apply(
            { type: 'handshake', id: request.id, process: request.process, role: request.role, params: request.params, hold: request.hold },
            request.id,
            reply,
          );
          return;
        case 'resume':
          if (apply({ type: 'resume', hs: request.handshake }, request.id, reply)) reply({ type: 'ack', id: request.id });
          return;
        case 'tick': {
          let ok = true;
          for (let i = 0; i < request.ticks && ok; i++) ok = apply({ type: 'tick' }, request.id, reply);
          if (ok) reply({ type: 'ack', id: request.id });
          return;
        }
        case 'fault':
          if (apply({ type: 'fault', fault: request.fault }, request.id, reply)) reply({ type: 'ack', id: request.id });
          return;
        case 'settle':
          reply({ type: 'settled', id: request.id, pending: state ? pendingIds(state) : [] });
          return;
        case 'inspect':
          if (!state) reply({ type: 'error', id: request.id, code: 'bad-request', message: 'reset first' });
          else reply({ type: 'inspection', id: request.id, state: inspect(state) });
          return;
        case 'bye':
          reply({ type: 'ack', id: request.id });
          return;
      }
    },
  };
}

export default createReferenceImplementation;
