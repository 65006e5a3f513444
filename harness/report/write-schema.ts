/**
 * Writes report.schema.json, the JSON Schema of the JSON report, from ReportSchema:
 *   node --import tsx harness/report/write-schema.ts
 * json.test.ts fails while the committed file differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { reportJsonSchemaText } from './json.ts';

writeFileSync(new URL('./report.schema.json', import.meta.url), reportJsonSchemaText());
