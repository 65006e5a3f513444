/**
 * The implementation under check, as people see it and as signals reach it: the text a replay
 * line repeats, and Ctrl-C ending its process tree before dualsock goes.
 */
import type { ImplementationSpec } from '../drive/drivers.ts';
import type { Driver } from '../drive/driver.ts';
import { shellQuote } from '../judge/property-run.ts';
import { displayPath } from '../report/paths.ts';

export function implText(spec: ImplementationSpec, given?: string): { text: string; shell: boolean } {
  if (given) return { text: given, shell: spec.kind === 'shell' };
  switch (spec.kind) {
    case 'module':
      return { text: displayPath(spec.path), shell: false };
    case 'command':
      return { text: spec.argv.map(shellQuote).join(' '), shell: false };
    case 'shell':
      return { text: spec.command, shell: true };
    case 'factory':
      return { text: '(in-process factory)', shell: false };
  }
}

/** Ctrl-C: end the implementation's process trees (every driver in the list when it comes) before we go. */
export function installInterrupt(drivers: readonly Driver[]): () => void {
  const onSignal = (signal: NodeJS.Signals): void => {
    void Promise.allSettled(drivers.map((driver) => driver.stop())).finally(() => process.kill(process.pid, signal));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
