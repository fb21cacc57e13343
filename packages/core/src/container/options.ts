import type { z } from 'zod';
import type { Token } from '../token.js';
import { CLOCK_METHODS, isClock, realClock, type Clock } from '../engine/clock.js';
import { lazySchema } from '../validation/lazy-schema.js';
import { consoleLines, type Logger } from '../process/logger.js';
import type { FailurePolicy } from '../report/report.js';

export type { FailurePolicy, Logger };

// setTimeout's limit: a larger delay silently becomes 1 ms (TimeoutOverflowWarning), so every
// duration is refused above it rather than honoured as something else.
const MAX_DELAY_MS = 2_147_483_647;
const timeoutMs = lazySchema((z) => z.number().int().positive().max(MAX_DELAY_MS));
const durationMs = lazySchema((z) => z.number().int().nonnegative().max(MAX_DELAY_MS));
/** A binding token: a class, string or symbol. */
export const tokenSchema = lazySchema((z) =>
  z.custom<Token>((v) => typeof v === 'function' || typeof v === 'string' || typeof v === 'symbol', 'expected a class, string or symbol token'),
);

/** What a resource's `planWarning` sees of the container's settings. */
export interface PlanSettings {
  readonly drainDelayMs: number;
  readonly shutdownTimeoutMs: number;
  readonly stopTimeoutMs: number;
}
export type PlanWarning = (settings: PlanSettings) => string | undefined;

export const failurePolicySchema = lazySchema((z) => z.enum(['critical', 'bestEffort']) satisfies z.ZodType<FailurePolicy>);

/** What a module's own options hold beside its resource's: the token to bind it under. */
export const moduleTokenSchema = lazySchema((z) => z.object({ token: tokenSchema().optional() }));

/** Options a resource declares (decorator, `bind(cls, opts)` or the plain-object form). */
export const resourceOptionsSchema = lazySchema((z) =>
  z
    .object({
      name: z.string().min(1).optional(),
      dependsOn: z.array(tokenSchema()).optional(),
      startTimeoutMs: timeoutMs().optional(),
      stopTimeoutMs: timeoutMs().optional(),
      /** Minimum time this node's stop needs; the shutdown budget keeps it free (see budget docs). */
      reserveMs: durationMs().optional(),
      policy: failurePolicySchema().optional(),
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
    .strict(),
);
export type ResourceOptions = Omit<z.infer<ReturnType<typeof resourceOptionsSchema>>, 'dependsOn'> & {
  dependsOn?: readonly unknown[];
};

export const loggerSchema = lazySchema((z) =>
  z.custom<Logger>(
    (v) => typeof v === 'object' && v !== null && ['info', 'warn', 'error'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
    'expected a logger with info/warn/error methods (pino shape)',
  ),
);

export const containerOptionsSchema = lazySchema((z) =>
  z
    .object({
      /** Names the service in reports (the chart's header, the JSON's `service`). */
      serviceName: z.string().min(1).max(200).optional(),
      /** The global deadline: the whole shutdown never takes longer than this. */
      shutdownTimeoutMs: timeoutMs().default(30_000),
      defaultStartTimeoutMs: timeoutMs().default(30_000),
      defaultStopTimeoutMs: timeoutMs().default(10_000),
      /**
       * Time between the shutdown request and the first stop, while readiness already reports
       * "not ready": lets a load balancer (Kubernetes endpoints) stop routing to us first.
       */
      drainDelayMs: durationMs().default(0),
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
      logger: loggerSchema().optional().transform((logger) => (logger === globalThis.console ? consoleLines(globalThis.console) : logger)),
      /**
       * Which node created each handle (socket, server, timer, worker thread), so a process held
       * after its report names who opened what still holds it. `phases` (default): tracked while
       * start and stop hooks run — an async hook costs every promise while it is on, so not in
       * between; `always`: also in between (tests, debugging); `off`.
       */
      handleOrigins: z.enum(['phases', 'always', 'off']).default('phases'),
      container: z.custom<object>((v) => typeof v === 'object' && v !== null, 'expected an inversify Container').optional(),
      /** Where the container reads time and arms its timers; tests pass the kit's fakeClock(). */
      clock: z.custom<Clock>(isClock, `expected a clock with ${CLOCK_METHODS.map((m) => `${m}()`).join(', ')} methods`).default(realClock),
    })
    .strict(),
);
export type ContainerOptionsInput = z.input<ReturnType<typeof containerOptionsSchema>>;
export type ContainerOptions = z.output<ReturnType<typeof containerOptionsSchema>>;

export { parseOptions } from '../validation/parse-options.js';

/**
 * The core lifecycle fields (name, dependsOn, timeouts, policy…) out of an adapter's parsed options,
 * and the rest. Read off the schema, so a field added to core reaches every adapter.
 */
export function lifecycleFields<T extends object>(options: T): { lifecycle: ResourceOptions; rest: Record<string, unknown> } {
  const keys = Object.keys(resourceOptionsSchema().shape);
  const lifecycle: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) (keys.includes(key) ? lifecycle : rest)[key] = value;
  }
  return { lifecycle: lifecycle as ResourceOptions, rest };
}
