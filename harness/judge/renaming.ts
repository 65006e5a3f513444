/**
 * Answers and descriptor renaming: what each command's calls and handshake
 * sides answered, and the descriptors a replay must rename.
 *
 * Every call or handshake the runner sends gets a slot (which command, which
 * call of it, which process). An answer fills its slot; when the run replays
 * recorded answers, an answer that returned another descriptor than the
 * recording did teaches a renaming for that process, and later commands are
 * renamed through it before they are sent.
 */
import type { Command } from '../generate/plan.ts';
import type { HandshakeOutcome, Op, Outcome } from '../../spec/messages.ts';

/** What one command's calls (in order) or handshake sides (server, client) answered; null while unanswered. */
export type Answer = Outcome | HandshakeOutcome | null;

/** Which command and slot a call or handshake id answers, and its process. */
export interface Slot {
  readonly command: number;
  readonly slot: number;
  readonly process: string;
}

export class Answers {
  /** Answers per command, as they arrive (a blocked call's arrives in a later epoch). */
  readonly table: Answer[][] = [];
  private readonly slots = new Map<number, Slot>();
  /** Recorded descriptor -> this run's descriptor, per process. */
  private readonly renames = new Map<string, Map<number, number>>();

  /** `recorded`: a replay's recorded answers, or none. */
  constructor(private readonly recorded: readonly (readonly Answer[])[] | undefined) {}

  /** Open the slots of a command about to run, all unanswered. */
  open(command: Command): void {
    this.table.push(command.type === 'call' ? [null] : command.type === 'batch' ? command.calls.map(() => null) : command.type === 'handshake' ? [null, null] : []);
  }

  /** The call or handshake `id` answers into `slot`. */
  expect(id: number, slot: Slot): void {
    this.slots.set(id, slot);
  }

  /** Record an answer, and learn a descriptor renaming when this run and the recording differ. */
  record(id: number, outcome: Outcome | HandshakeOutcome): void {
    const where = this.slots.get(id);
    if (!where) return;
    this.table[where.command]![where.slot] = outcome;
    const recorded = this.recorded?.[where.command]?.[where.slot];
    if (!recorded) return;
    const from = descriptorsOf(recorded);
    const to = descriptorsOf(outcome);
    if (from.length !== to.length) return;
    let map = this.renames.get(where.process);
    if (!map) this.renames.set(where.process, (map = new Map()));
    from.forEach((fd, i) => map!.set(fd, to[i]!));
  }

  /** A command with its descriptors renamed from the recording's to this run's. */
  rename(command: Command): Command {
    if (this.renames.size === 0) return command;
    const fd = (process: string, value: number): number => this.renames.get(process)?.get(value) ?? value;
    const call = (process: string, op: Op): Op => ('fd' in op ? { ...op, fd: fd(process, op.fd) } : op);
    switch (command.type) {
      case 'call':
        return { ...command, call: call(command.process, command.call) };
      case 'batch':
        return { ...command, calls: command.calls.map((c) => ({ ...c, call: call(c.process, c.call) })) };
      case 'fault':
        return command.fault.kind === 'reset' ? { ...command, fault: { ...command.fault, fd: fd(command.fault.process, command.fault.fd) } } : command;
      default:
        return command;
    }
  }
}

/** The descriptors an answer hands out: a call's new fd, or an established role's layout. */
function descriptorsOf(answer: Outcome | HandshakeOutcome): number[] {
  if ('status' in answer) return answer.status === 'established' ? Object.values(answer.layout).filter((v): v is number => typeof v === 'number') : [];
  const value = 'value' in answer ? (answer.value as { fd?: number }) : {};
  return value.fd === undefined ? [] : [value.fd];
}
