/**
 * Commands as the runner sees them: whether the model can take one in its
 * current state (a shrunk plan can name a process that is busy or dead, or a
 * fault that no longer applies), and the terse line that heads a command's
 * entry in the trace.
 */
import type { CallCommand, Command, Scenario } from '../generate/plan.ts';
import { idleProcesses } from '../generate/plan.ts';
import { type State, describeFault, describeOp, step } from '../../reference/index.ts';

/** A command the model says cannot be sent in this state (a process busy or dead): a harness matter, never a verdict. */
export class InvalidCommand extends Error {}

/** Refuse a command the model cannot take (shrinking by dropping commands can produce one). */
export function validateCommand(state: State, command: Command): void {
  const ready = idleProcesses(state);
  const idle = (process: string): void => {
    if (!ready.includes(process)) throw new InvalidCommand(`process ${process} cannot make a call now`);
  };
  if (command.type === 'call') idle(command.process);
  if (command.type === 'batch') {
    for (const c of command.calls) idle(c.process);
    if (new Set(command.calls.map((c) => c.process)).size !== command.calls.length) throw new InvalidCommand('a batch names one process twice');
  }
  if (command.type === 'handshake') {
    idle(command.scenario.server.process);
    idle(command.scenario.client.process);
  }
  if (command.type === 'sessions') {
    const processes = command.scenarios.flatMap((s) => [s.server.process, s.client.process]);
    for (const process of processes) idle(process);
    if (new Set(processes).size !== processes.length) throw new InvalidCommand('sessions at once name one process twice');
  }
  if (command.type === 'fault' && step(state, { type: 'fault', fault: command.fault }).kind === 'illegal') {
    throw new InvalidCommand(`the fault ${describeFault(command.fault)} does not apply now`);
  }
}

export function describeCommand(command: Command): string {
  switch (command.type) {
    case 'call':
      return `${command.process}:${describeOp(command.call)}`;
    case 'batch':
      return `batch[${command.calls.map((c: CallCommand) => `${c.process}:${describeOp(c.call)}`).join(' | ')}]`;
    case 'tick':
      return 'tick';
    case 'fault':
      return `fault ${describeFault(command.fault)}`;
    case 'handshake': {
      const s = command.scenario;
      const who = (side: Scenario['server']): string => `${side.process}${side.by === 'harness' ? '(harness)' : ''}`;
      const extras = [
        s.deviation ? `peer ${s.deviation.kind}@${s.deviation.label}` : '',
        s.fault ? `${s.fault.kind}@${s.fault.side}:${s.fault.label}${s.fault.ticks ? `+${s.fault.ticks}t` : ''}${s.fault.hold ? ` held ${s.fault.hold}t` : ''}` : '',
        s.together ? 'together' : '',
      ].filter(Boolean);
      return `handshake ${s.flow} server=${who(s.server)} client=${who(s.client)} stg${s.stg}${extras.length ? ' ' + extras.join(' ') : ''}`;
    }
    case 'sessions':
      return `sessions at once: ${command.scenarios.map((s) => `${s.flow} server=${s.server.process} client=${s.client.process} stg${s.stg}${s.together ? ' together' : ''}`).join('; ')}`;
  }
}
