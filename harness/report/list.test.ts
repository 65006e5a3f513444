/** Why this test? `dualsock list` is read in terminals and CI logs; a 300-column line wraps into noise. */
import { expect, test } from 'vitest';
import { checkedBy } from '../../properties/index.ts';
import { REQUIREMENTS } from '../../spec/requirements.ts';
import { describeSources, LIST_COLUMNS, requirementTable } from './list.ts';

test('every line of the requirement table fits 100 columns, and nothing is cut', () => {
  const table = requirementTable(REQUIREMENTS, checkedBy);
  for (const line of table.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(LIST_COLUMNS);
  const flat = table.replace(/\s+/g, ' ');
  for (const r of REQUIREMENTS) {
    expect(flat).toContain(`${r.id} ${r.level} ${r.chapter} ${r.title.replace(/\s+/g, ' ')}`);
    expect(flat).toContain(`checked by ${checkedBy(r.id).join(', ') || 'UNCHECKED'}; ${describeSources(r).replace(/\s+/g, ' ')}`);
  }
});
