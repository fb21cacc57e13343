import { reportZod } from '../report/fields.js';
import type { ShutdownReportJSON } from '../report/report.js';
import { REPORT_SCHEMA_ID } from '../report/types.js';
import { lazySchema } from '../validation/lazy-schema.js';
import { ReportInputError } from './errors.js';

export const REPORT_SCHEMA = REPORT_SCHEMA_ID;
const SCHEMA_FAMILY = 'quiesce.shutdown-report/';
/** How deep inside a log line's object a report may sit (pino: `{ …, report: {…} }` is depth 1). */
const MAX_DEPTH = 4;

// What the renderers read: the report's own field descriptors (report/fields.ts, the same ones
// the shipped JSON Schema is generated from), with loose objects, so fields added later under the
// same schema id pass through.
const reportSchema = lazySchema((z) => reportZod(z, 'loose'));

/**
 * The report in a captured text: the JSON object alone, or a log line holding it (a pino line's
 * `report` field, `quiesce-report {…}` after a prefix). With several, the last one: the latest shutdown.
 */
export function readReport(text: string, source: string): ShutdownReportJSON {
  const found = findReport(text);
  if (found === undefined) {
    throw new ReportInputError(source, `no quiesce shutdown report found: expected a JSON object with "schema": "${REPORT_SCHEMA}", alone or inside a log line (e.g. pino's "report" field)`);
  }
  if (found.schema !== REPORT_SCHEMA) {
    throw new ReportInputError(source, `unsupported report schema ${JSON.stringify(found.schema)}: this quiesce reads "${REPORT_SCHEMA}"`);
  }
  const result = reportSchema().safeParse(found);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    throw new ReportInputError(source, `not a valid "${REPORT_SCHEMA}" report: ${issues.join('; ')}`);
  }
  return result.data as unknown as ShutdownReportJSON;
}

function findReport(text: string): { schema: unknown } | undefined {
  const whole = parseFrom(text);
  const inWhole = whole === undefined ? undefined : locate(whole);
  if (inWhole !== undefined) return inWhole;
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const value = parseFrom(lines[i]!);
    const report = value === undefined ? undefined : locate(value);
    if (report !== undefined) return report;
  }
  return undefined;
}

/** The JSON that begins at the first `{`, if the rest of the text is exactly that. */
function parseFrom(text: string): unknown {
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  try {
    return JSON.parse(text.slice(start));
  } catch {
    return undefined;
  }
}

/** Breadth first, bounded: the shallowest object whose `schema` names a shutdown report. */
function locate(root: unknown): { schema: unknown } | undefined {
  let level: unknown[] = [root];
  for (let depth = 0; depth <= MAX_DEPTH && level.length > 0; depth++) {
    const next: unknown[] = [];
    for (const value of level) {
      if (typeof value !== 'object' || value === null) continue;
      const schema = (value as { schema?: unknown }).schema;
      if (typeof schema === 'string' && schema.startsWith(SCHEMA_FAMILY)) return value as { schema: unknown };
      next.push(...Object.values(value));
    }
    level = next;
  }
  return undefined;
}
