import type { z } from 'zod';
import { TIMEOUT_REASONS } from '../errors.js';
import type { Zod } from '../validation/lazy-schema.js';
import { STOP_PHASES } from './phases.js';
import { REPORT_SCHEMA_ID, REPORT_STATUS, type NodeReport, type ShutdownReportJSON } from './types.js';

// The report's fields, each once: its schema and its doc line. The shipped JSON Schema
// (schema/shutdown-report.schema.json) is generated from these (json-schema.ts, `pnpm run schema`),
// and `quiesce report` reads captured reports with the same schemas (cli/read-report.ts). The
// TypeScript shapes stay in types.ts; `satisfies` below makes a field missing here a type error.

/**
 * The builders a field's schema is made of. Two kits: `strict` for the JSON Schema (every object
 * closed, times multiples of 0.1 ms: a field the schema does not know is refused) and `loose` for
 * the reader (fields added later under the same schema id pass through).
 */
export interface FieldKit {
  readonly z: Zod;
  readonly object: (shape: Record<string, z.ZodType>) => z.ZodType;
  /** A duration in ms (≥ 0). */
  readonly ms: () => z.ZodNumber;
  /** An offset in ms since the shutdown request. */
  readonly offset: () => z.ZodNumber;
  readonly phase: () => z.ZodType;
  /** One node's report line (the NODE_FIELDS object). */
  readonly node: () => z.ZodType;
}

export interface Field {
  /** The doc line, the JSON Schema's `description`. */
  readonly doc?: string;
  readonly schema: (k: FieldKit) => z.ZodType;
}

/** How the process may have ended (ProcessExitReport.cause; test/report-schema.test.ts checks the two agree). */
export const EXIT_CAUSES = ['exitedByItself', 'heldAfterReport', 'deadlinePassed', 'crash', 'secondSignal', 'crashDuringShutdown', 'processExitCalled'] as const;

const str = ({ z }: FieldKit) => z.string();
const optionalStr = ({ z }: FieldKit) => z.string().optional();
const names = ({ z }: FieldKit) => z.array(z.string());
const bool = ({ z }: FieldKit) => z.boolean();
const nullableOffset = (k: FieldKit) => k.offset().nullable();

export const NODE_FIELDS = {
  name: { schema: str },
  status: { schema: ({ z }) => z.enum(Object.values(REPORT_STATUS)) },
  policy: { schema: ({ z }) => z.enum(['critical', 'bestEffort']) },
  dependsOn: { schema: names },
  startOffsetMs: { schema: nullableOffset },
  endOffsetMs: { schema: nullableOffset },
  durationMs: { schema: (k) => k.ms().nullable() },
  timeoutMs: { schema: (k) => k.ms() },
  effectiveTimeoutMs: { schema: (k) => k.ms() },
  limitedBy: { schema: ({ z }) => z.enum(TIMEOUT_REASONS as [string, ...string[]]) },
  reserveMs: { schema: (k) => k.ms() },
  onCriticalPath: { schema: bool },
  waitedFor: { doc: 'The node whose settling let this one begin.', schema: optionalStr },
  phases: {
    schema: ({ z, object, ms, offset, phase }) =>
      z.array(object({ phase: phase(), startOffsetMs: offset(), durationMs: ms(), inFlight: z.number().int().min(0).optional() })).optional(),
  },
  cut: { schema: ({ z, object, phase }) => object({ phase: phase(), open: z.array(z.string()) }).optional() },
  reason: { schema: optionalStr },
  error: { schema: ({ z, object }) => object({ name: z.string(), message: z.string(), code: z.string().optional() }).optional() },
  note: { schema: optionalStr },
  warnings: {
    doc: "What the node's hooks reported through ctx.warn(code, message).",
    schema: ({ z, object }) => z.array(object({ code: z.string().min(1), message: z.string() })).optional(),
  },
} as const satisfies { readonly [K in keyof NodeReport]-?: Field };

export const REPORT_FIELDS = {
  schema: { schema: ({ z }) => z.literal(REPORT_SCHEMA_ID) },
  service: { doc: "The container's serviceName option.", schema: ({ z }) => z.string().min(1).optional() },
  ok: { doc: 'Every critical node stopped (or never started) and the deadline held.', schema: bool },
  startedAt: { schema: ({ z }) => z.iso.datetime() },
  durationMs: { schema: (k) => k.ms() },
  deadlineMs: { schema: (k) => k.ms() },
  deadlinePassed: { schema: bool },
  drain: {
    doc: 'The drain delay before the first stop (readiness already failing).',
    schema: ({ z, object, ms }) => object({ configuredMs: ms(), durationMs: ms(), note: z.string().optional() }),
  },
  criticalPath: { doc: 'The chain of nodes that bounded the total time, first to stop first.', schema: names },
  failedNodes: { doc: 'Critical nodes that did not stop cleanly.', schema: names },
  warnings: { doc: "Best-effort nodes that did not stop cleanly, then each node's ctx.warn warnings as '<node> <code>: <message>'.", schema: names },
  nodes: { schema: ({ z, node }) => z.array(node()) },
  exit: {
    doc: 'Only in the report file handleSignals({ reportFile }) writes: how the process ended, and what still held its event loop.',
    schema: ({ z, object, ms }) =>
      object({
        code: z.number().int().min(0).max(255),
        cause: z.enum(EXIT_CAUSES),
        afterReportMs: ms().optional(),
        heldBy: z.array(
          object({
            type: z.string().describe("Node's own type name, as process.getActiveResourcesInfo() gives it."),
            detail: z.string().optional(),
            node: z.string().describe('The node that created it, when quiesce could attribute it.').optional(),
            phase: z.enum(['start', 'stop']).optional(),
            createdAt: z.string().optional(),
            count: z.number().int().min(1),
          }),
        ),
        releasedWrites: z.array(object({ fd: z.number().int().min(0), target: z.string(), discardedBytes: z.number().int().min(0), stillBlocked: z.boolean() })).optional(),
      }).optional(),
  },
} as const satisfies { readonly [K in keyof ShutdownReportJSON]-?: Field };

function shapeOf(fields: Readonly<Record<string, Field>>, kit: FieldKit): Record<string, z.ZodType> {
  return Object.fromEntries(Object.entries(fields).map(([name, f]) => [name, f.doc ? f.schema(kit).describe(f.doc) : f.schema(kit)]));
}

/** The whole report as one zod schema: `strict` for the JSON Schema file, `loose` for reading reports. */
export function reportZod(z: Zod, mode: 'strict' | 'loose'): z.ZodType {
  const strict = mode === 'strict';
  let node: z.ZodType | undefined;
  const kit: FieldKit = {
    z,
    object: (shape) => (strict ? z.strictObject(shape) : z.looseObject(shape)),
    ms: () => (strict ? z.number().min(0).multipleOf(0.1) : z.number().min(0)),
    offset: () => (strict ? z.number().multipleOf(0.1) : z.number()),
    phase: () => z.enum(STOP_PHASES as [string, ...string[]]),
    node: () => (node ??= kit.object(shapeOf(NODE_FIELDS, kit))),
  };
  return kit.object(shapeOf(REPORT_FIELDS, kit));
}
