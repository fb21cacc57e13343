import type { Zod } from '../validation/lazy-schema.js';
import { reportZod } from './fields.js';

// The JSON Schema file the package ships, generated from the field descriptors (fields.ts):
// `pnpm run schema` writes it; test/report-schema.test.ts fails when the committed file differs.

export const REPORT_SCHEMA_FILE = 'schema/shutdown-report.schema.json';

const HEADER = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://github.com/quiesce/quiesce/packages/core/schema/shutdown-report.schema.json',
  title: 'quiesce shutdown report',
  description:
    'What happened to every node during one shutdown: ShutdownReport.toJSON(). Durations and offsets are milliseconds rounded to 0.1 ms; offsets count from the shutdown request. Generated from packages/core/src/report/fields.ts (pnpm run schema): do not edit by hand.',
};

/** The report's JSON Schema (draft 2020-12), as an object. */
export function reportJsonSchema(z: Zod): Record<string, unknown> {
  const { $schema: _, ...generated } = z.toJSONSchema(reportZod(z, 'strict'), { target: 'draft-2020-12' }) as unknown as Record<string, unknown> & { properties: { nodes: { items: unknown } } };
  // One node's line as a named definition (`#/$defs/node`), as consumers of the file refer to it.
  const { nodes } = generated.properties;
  const node = nodes.items;
  return { ...HEADER, ...generated, properties: { ...generated.properties, nodes: { ...nodes, items: { $ref: '#/$defs/node' } } }, $defs: { node } };
}

/** The file's exact text: what `pnpm run schema` writes and the test compares. */
export function reportJsonSchemaText(z: Zod): string {
  return `${JSON.stringify(reportJsonSchema(z), null, 2)}\n`;
}
