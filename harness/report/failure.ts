/**
 * One failure as a person reads it on the console: the requirement and its
 * sentence, expected against actual, the world, the shrunk steps, and the
 * lines that save, replay and reproduce it. An expected failure (listed in the
 * expected-failures file) is shown as such, briefly, never as a ✗.
 */
import { requirement } from '../../spec/requirements.ts';
import type { WorldConfig } from '../../spec/config.ts';
import { printable } from '../drive/untrusted.ts';
import { traceText, type Counterexample } from '../judge/counterexample.ts';

/** "1 step", "3 steps". */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export function describeFailure(property: { id: string }, c: Counterexample, file: string, shrinks?: number, expected = false): string {
  const req = requirement(c.violated[0]!);
  if (expected) {
    return `\n~ ${property.id}: ${req.id} failed, as the expected-failures file says; the property went on checking the rest.\n  saved:     ${file}\n  replay:    ${printable(c.replay)}\n`;
  }
  const others = c.violated.slice(1).filter((r) => r !== req.id);
  return (
    [
      ``,
      `✗ ${property.id}: ${req.id} (${req.level}) — ${req.title}`,
      `    ${req.text}`,
      `  expected: ${printable(c.expected)}`,
      `  actual:   ${printable(c.actual)}`,
      others.length ? `  related:  ${others.join(', ')}` : '',
      `  counterexample (${plural(c.steps.length, 'step')}${shrinks !== undefined ? `, shrunk ${plural(shrinks, 'time')}` : ''}), world: ${worldLine(c.world)}`,
      printable(traceText(c.trace), { multiline: true }),
      `  saved:     ${file}`,
      `  replay:    ${printable(c.replay)}`,
      `  reproduce: ${printable(c.reproduce)}`,
      '',
    ]
      .filter((line) => line !== '')
      .join('\n') + '\n'
  );
}

export function worldLine(world: WorldConfig): string {
  const hosts = world.hosts.map((h) => `${h.name}{${h.processes.join(',')}}`).join(' ');
  const stgs = world.stgs.map((s) => `stg${s.id}(len ${s.length}, ports ${s.ports[0]}..${s.ports[1]})`).join(' ');
  return printable(
    `${hosts}; cbt ${world.cbt.capacity}; ${stgs}; boundary ${world.fdBoundary}; dynamic ${world.netPorts[0]}..${world.netPorts[1]}; connectTimeout ${world.ticks.connectTimeout}, stepTimeout ${world.ticks.stepTimeout}`,
  );
}
