import { z } from 'zod';
import { InvalidOptionsError } from '../errors.js';
import { optionIssues } from '../zod-issues.js';
import { consoleLines, type Logger } from '../process/logger.js';
import type { FailurePolicy } from '../report/report.js';

export type { FailurePolicy, Logger };

// setTimeout's limit: a larger delay silently becomes 1 ms (TimeoutOverflowWarning), so every
// duration is refused above it rather than honoured as something else.
const MAX_DELAY_MS = 2_147_483_647;
const timeoutMs = z.number().int().positive().max(MAX_DELAY_MS);
const durationMs = z.number().int().nonnegative().max(MAX_DELAY_MS);
const token = z.custom<unknown>(
  (v) => typeof v === 'function' || typeof v === 'string' || typeof v === 'symbol',
  'expected a class, string or symbol token',
);

/** What a resource's `planWarning` sees of the container's settings. */
export interface PlanSettings {
  readonly drainDelayMs: number;
  readonly shutdownTimeoutMs: number;
  readonly stopTimeoutMs: number;
}
export type PlanWarning = (settings: PlanSettings) => string | undefined;

export const failurePolicySchema = z.enum(['critical', 'bestEffort']) satisfies z.ZodType<FailurePolicy>;

/** Options a resource declares (decorator, `bind(cls, opts)` or the plain-object form). */
export const resourceOptionsSchema = z
  .object({
    name: z.string().min(1).optional(),
    dependsOn: z.array(token).optional(),
    startTimeoutMs: timeoutMs.optional(),
    stopTimeoutMs: timeoutMs.optional(),
    /** Minimum time this node's stop needs; the shutdown budget keeps it free (see budget docs). */
    reserveMs: durationMs.optional(),
    policy: failurePolicySchema.optional(),
    /**
     * Start first, stop last: every other node (except this one's own dependencies) is treated as
     * depending on it. For telemetry and log flushers that must outlive every other stop.
     */
    stopsLast: z.boolean().optional(),
    /**
     * Checked by `plan()` (and at start): a sentence when this resource cannot work as configured
     * with the container's settings — an HTTP readiness probe with no drain delay, say.
     */
    planWarning: z.custom<PlanWarning>((v) => typeof v === 'function', 'expected a function (settings) => string | undefined').optional(),
  })
  .strict();
export type ResourceOptions = Omit<z.infer<typeof resourceOptionsSchema>, 'dependsOn'> & {
  dependsOn?: readonly unknown[];
};

export const loggerSchema = z.custom<Logger>(
  (v) => typeof v === 'object' && v !== null && ['info', 'warn', 'error'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
  'expected a logger with info/warn/error methods (pino shape)',
);


export const containerOptionsSchema = z
  .object({
    /** Names the service in reports (the chart's header, the JSON's `service`). */
    serviceName: z.string().min(1).max(200).optional(),
    /** The global deadline: the whole shutdown never takes longer than this. */
    shutdownTimeoutMs: timeoutMs.default(30_000),
    defaultStartTimeoutMs: timeoutMs.default(30_000),
    defaultStopTimeoutMs: timeoutMs.default(10_000),
    /**
     * Time between the shutdown request and the first stop, while readiness already reports
     * "not ready": lets a load balancer (Kubernetes endpoints) stop routing to us first.
     */
    drainDelayMs: durationMs.default(0),
    /** Cut nodes early so the nodes after them keep their reserved time (reserveMs). */
    budget: z.boolean().default(true),
    /**
     * Kubernetes' `terminationGracePeriodSeconds`, when known: the plan check then also requires the
     * global deadline to end before SIGKILL arrives.
     */
    terminationGracePeriodSeconds: z.number().positive().max(MAX_DELAY_MS / 1000).optional(),
    /** When the worst-case shutdown does not fit the deadline: warn (default) or throw at start(). */
    strictPlan: z.boolean().default(false),
    /** pino (or any logger of its shape); `console` prints one readable line per event. */
    logger: loggerSchema.optional().transform((logger) => (logger === globalThis.console ? consoleLines(globalThis.console) : logger)),
    container: z.custom<object>((v) => typeof v === 'object' && v !== null, 'expected an inversify Container').optional(),
  })
  .strict();
export type ContainerOptionsInput = z.input<typeof containerOptionsSchema>;
export type ContainerOptions = z.output<typeof containerOptionsSchema>;

/** Parse with zod and turn its issues into an InvalidOptionsError that names each field. */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, subject: string): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new InvalidOptionsError(subject, optionIssues(result.error.issues));
}
