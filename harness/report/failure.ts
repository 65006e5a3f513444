/**
 * One failure as a person reads it on the console: the requirement and its
 * sentence, expected against actual, the world, the shrunk steps, and the
 * lines that save, replay and reproduce it. An expected failure (listed in the
 * expected-failures file) is shown as such, briefly, never as a ✗.
 */
import { requirement } from '../../spec/requirements.ts';
import type { WorldConfig } from '../../spec/config.ts';
import { printable } from '../drive/untrusted.ts';
import type { Counterexample } from '../judge/counterexample.ts';
import { traceLines } from './findings.ts';

/** "1 step", "3 steps". */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The trace one step a line (findings.ts traceLines), every line made printable. */
export function stepsText(trace: readonly { readonly command: number; readonly what: string; readonly lines: readonly string[] }[]): string {
  return traceLines(trace)
    .flatMap(({ step, lines }) => lines.map((line, i) => `  ${(i === 0 ? step : '').padEnd(4)} ${printable(line)}`))
    .join('\n');
}

/**
 * The line a check prints the moment a property's failure is shrunk. The whole finding — each
 * bug once, with every property that shrank onto it — is printed once in the summary at the end
 * (console.ts), so the run's log does not repeat a counterexample per property.
 */
export function failureNote(property: { id: string }, c: Counterexample, file: string, shrinks?: number, expected = false): string {
  const req = requirement(c.violated[0]!);
  const shrunk = `${plural(c.steps.length, 'step')}${shrinks !== undefined ? `, shrunk ${plural(shrinks, 'time')}` : ''}`;
  return expected
    ? `  ~ ${property.id}: ${req.id} failed, as the expected-failures file says (${shrunk}); saved ${printable(file)}\n`
    : `  ✗ ${property.id}: ${req.id} (${req.level}) — ${req.title}; counterexample of ${shrunk} saved in ${printable(file)} (shown below)\n`;
}

export function worldLine(world: WorldConfig): string {
  const hosts = world.hosts.map((h) => `${h.name}{${h.processes.join(',')}}`).join(' ');
  const stgs = world.stgs.map((s) => `stg${s.id}(len ${s.length}, ports ${s.ports[0]}..${s.ports[1]})`).join(' ');
  return printable(
    `${hosts}; cbt ${world.cbt.capacity}; ${stgs}; boundary ${world.fdBoundary}; dynamic ${world.netPorts[0]}..${world.netPorts[1]}; connectTimeout ${world.ticks.connectTimeout}, stepTimeout ${world.ticks.stepTimeout}`,
  );
}
