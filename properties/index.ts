/**
 * The property catalogue: one file per chapter of SPEC.md, each a list of
 * properties (property.ts). The CLI and our own tests run the same bodies
 * against any implementation (harness/cli/check.ts runs them).
 */
import type { Property } from './property.ts';
import { storageProperties } from './storage.ts';
import { dataProperties } from './data.ts';
import { netProperties } from './net.ts';
import { dssProperties } from './dss.ts';
import { dispatchProperties } from './dispatch.ts';
import { clockProperties } from './clock.ts';
import { faultProperties } from './faults.ts';
import { handshakeProperties } from './handshakes.ts';
import { wireProperties } from './wire.ts';

export type { Property } from './property.ts';

export const PROPERTIES: readonly Property[] = [
  ...storageProperties,
  ...dataProperties,
  ...netProperties,
  ...dssProperties,
  ...dispatchProperties,
  ...clockProperties,
  ...faultProperties,
  ...handshakeProperties,
  ...wireProperties,
];

export function propertyById(id: string): Property | undefined {
  return PROPERTIES.find((p) => p.id === id);
}

/** The properties that target a requirement (every property checks every requirement it meets; these are built to reach it). */
export function checkedBy(requirement: string): string[] {
  return PROPERTIES.filter((p) => p.reqs.includes(requirement)).map((p) => p.id);
}
