/**
 * One bug, reported once. Several properties often shrink onto the same bug: a table sized
 * wrong at reset fails every property that inspects, each with its own counterexample file.
 * A *finding* is the set of failures that share a shape key, printed once with "also seen
 * by: …".
 *
 * The shape key is the violated requirement (the first of `violated`, the one the checker
 * blames) and the shrunk steps reduced to their kinds: each call's operation and the channel
 * it goes to (net or dss, from the family of a socket call or the side of the dispatch
 * boundary an fd lies on), batches as the kinds of their calls, faults and handshakes by their
 * kind, with process names renamed in order of first appearance (S, C → p1, p2). Arguments
 * are left out — fds, ports, byte strings and the world's sizes are what each property's
 * generator happened to draw, and shrinking does not bring them to one value — but the
 * kinds are what a person debugging would call "the same sequence". Two failures of one
 * requirement reached by different sequences (a send on the network, a send through the
 * storage system) stay two findings.
 */
import type { PropertyFailure } from '../judge/summary.ts';
import type { Counterexample } from '../judge/counterexample.ts';

export interface Finding {
  readonly key: string;
  /** The failure shown: the first found (all of a finding's counterexamples have the same steps, up to names and values). */
  readonly shown: PropertyFailure;
  /** Every property whose failure has this shape, the shown one first. */
  readonly properties: readonly string[];
  readonly failures: readonly PropertyFailure[];
}

type Step = Counterexample['steps'][number];
type Call = Extract<Step, { type: 'call' }>['call'];

export function shapeKey(c: Pick<Counterexample, 'violated' | 'steps' | 'world'>): string {
  const names = new Map<string, string>();
  const proc = (name: string): string => {
    if (!names.has(name)) names.set(name, `p${names.size + 1}`);
    return names.get(name)!;
  };
  const boundary = c.world.fdBoundary;
  const channel = (call: Call): string => (call.op === 'socket' ? call.family : call.fd >= boundary ? 'dss' : 'net');
  const callKind = (process: string, call: Call): string => `${proc(process)}:${call.op}@${channel(call)}`;
  const stepKind = (step: Step): string => {
    switch (step.type) {
      case 'call':
        return callKind(step.process, step.call);
      case 'batch':
        return `batch[${step.calls.map((c) => callKind(c.process, c.call)).join('|')}]`;
      case 'tick':
        return 'tick';
      case 'fault':
        return `fault:${step.fault.kind}`;
      case 'handshake': {
        const s = step.scenario;
        return `handshake:${s.flow}:${proc(s.server.process)}/${proc(s.client.process)}:${s.deviation?.kind ?? '-'}:${s.fault ? `${s.fault.kind}@${s.fault.side}` : '-'}`;
      }
      case 'sessions':
        return `sessions:${step.scenarios.map((s) => `${s.flow}:${proc(s.server.process)}/${proc(s.client.process)}`).join('+')}`;
    }
  };
  return [c.violated[0] ?? '?', ...c.steps.map(stepKind)].join(' ');
}

/** Failures grouped into findings, in the order their first failure was found. */
export function findings(failures: readonly PropertyFailure[]): Finding[] {
  const groups = new Map<string, PropertyFailure[]>();
  for (const failure of failures) {
    const key = shapeKey(failure.counterexample);
    const list = groups.get(key) ?? [];
    list.push(failure);
    groups.set(key, list);
  }
  return [...groups].map(([key, list]) => {
    return { key, shown: list[0]!, properties: [...new Set(list.map((f) => f.property))], failures: list };
  });
}

/**
 * A counterexample's trace with each step on one line. The runner records a step's header
 * (`S:socket(net)`) and then the line that explains it (`S:socket(net)->3`); printing both
 * says everything twice. A single call's header is dropped when its first line repeats it;
 * a batch's header is shortened to "batch of N" when every call it lists has a line of its
 * own. Anything else is printed as recorded.
 */
export function traceLines(trace: readonly { readonly command: number; readonly what: string; readonly lines: readonly string[] }[]): { step: string; lines: string[] }[] {
  return trace.map((entry) => {
    const step = `#${entry.command}`;
    const [first, ...rest] = entry.lines;
    if (first !== undefined && (first.startsWith(`${entry.what}->`) || first.startsWith(`${entry.what} `))) {
      return { step, lines: [first, ...rest] };
    }
    const batch = /^batch\[(.*)\]$/.exec(entry.what);
    if (batch) {
      const calls = batch[1]!.split(' | ');
      if (calls.every((call) => entry.lines.some((line) => line.startsWith(`${call}->`) || line.startsWith(`${call} `)))) {
        return { step, lines: [`batch of ${calls.length} at once:`, ...entry.lines.map((line) => `  ${line}`)] };
      }
    }
    return { step, lines: [entry.what, ...entry.lines.map((line) => `  ${line}`)] };
  });
}
