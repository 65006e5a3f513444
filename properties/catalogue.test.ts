/**
 * Why this test? `dualsock list` promises that every requirement is targeted by a property;
 * a requirement no property aims at would only ever be reached by chance.
 */
import { expect, test } from 'vitest';
import { REQUIREMENTS, REQUIREMENT_IDS } from '../spec/requirements.ts';
import { PROPERTIES, checkedBy } from './index.ts';

test('every requirement is targeted by at least one property', () => {
  const unchecked = REQUIREMENTS.filter((r) => checkedBy(r.id).length === 0).map((r) => r.id);
  expect(unchecked).toEqual([]);
});

test('properties name only requirements that exist, and have distinct ids', () => {
  for (const property of PROPERTIES) for (const req of property.reqs) expect(REQUIREMENT_IDS.has(req), `${property.id}: ${req}`).toBe(true);
  expect(new Set(PROPERTIES.map((p) => p.id)).size).toBe(PROPERTIES.length);
});
