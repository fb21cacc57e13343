// Writes packages/core/schema/shutdown-report.schema.json from the report's field descriptors
// (packages/core/src/report/fields.ts), from the built core: `pnpm run schema` builds first.
//
//   node scripts/report-schema.mjs [--check]   (--check: exit 1 when the committed file differs)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const core = join(dirname(fileURLToPath(import.meta.url)), '../packages/core');
const { reportJsonSchemaText, REPORT_SCHEMA_FILE } = await import(join(core, 'dist/report/json-schema.js'));
const { zod } = await import(join(core, 'dist/validation/lazy-schema.js'));
const file = join(core, REPORT_SCHEMA_FILE);
const text = reportJsonSchemaText(zod());
if (process.argv.includes('--check')) {
  const same = readFileSync(file, 'utf8') === text;
  console.log(same ? `${REPORT_SCHEMA_FILE} is up to date` : `${REPORT_SCHEMA_FILE} differs from the field descriptors: run pnpm run schema`);
  process.exitCode = same ? 0 : 1;
} else {
  writeFileSync(file, text);
  console.log(`wrote ${REPORT_SCHEMA_FILE}`);
}
