/**
 * What an implementation's hello left out, for people and for reports:
 * optional capabilities that are missing are skipped, not failed
 * (WIRE-HELLO-CORE), and a run that skipped much says so up front.
 */
import { FAULT_CAPABILITY_NAMES, Role, type Capabilities } from '../spec/messages.ts';

export interface Skipped {
  readonly handshakes: readonly string[];
  readonly faults: readonly string[];
}

export function skippedCapabilities(capabilities: Capabilities): Skipped {
  return {
    handshakes: Role.options.filter((role) => !capabilities.handshakes.includes(role)),
    faults: FAULT_CAPABILITY_NAMES.filter((fault) => !capabilities.faults.includes(fault)),
  };
}

export function describeCapabilities(capabilities: Capabilities): string {
  const skipped = skippedCapabilities(capabilities);
  const line = (what: string, has: readonly string[], missing: readonly string[]): string =>
    `  ${what}: ${has.length ? has.join(', ') : 'none'}${missing.length ? ` (skipped: ${missing.join(', ')})` : ''}\n`;
  return (
    line('families', capabilities.families, []) +
    line('handshakes', capabilities.handshakes, skipped.handshakes) +
    line('faults', capabilities.faults, skipped.faults)
  );
}
