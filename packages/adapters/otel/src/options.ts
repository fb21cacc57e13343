import { type Token } from '@quiesce/core';
import { lazySchema, resourceOptionsSchema } from '@quiesce/core/kit';
import type { z } from 'zod';

/**
 * What the adapter needs of an OpenTelemetry SDK object: `shutdown()`, and `forceFlush()` where it
 * has one. NodeSDK, TracerProvider / NodeTracerProvider / BasicTracerProvider, MeterProvider and
 * LoggerProvider all fit; typed structurally so no SDK package is imported (and no second copy of
 * one is installed beside the user's).
 */
export interface OtelShutdownable {
  shutdown(options?: { timeoutMillis?: number }): Promise<unknown>;
  forceFlush?(options?: { timeoutMillis?: number }): Promise<unknown>;
}

/** The value bound under the node's token: what the user passed as `sdk` (one object, or the caller's own array). */
export type OtelValue = OtelShutdownable | readonly OtelShutdownable[];

const SHUTDOWNABLE = 'expected an OpenTelemetry SDK, tracer, meter or logger provider (an object with shutdown())';
const isShutdownable = (v: unknown): boolean => typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>).shutdown === 'function';

/**
 * One adopt option (issue #27, the kit's vocabulary: the adopted instance under the driver's noun):
 * `sdk` is a NodeSDK, one provider, or an array of providers shut down together. `providers`, its
 * former sibling for the array, is refused naming the new spelling.
 */
export const otelOptionsSchema = lazySchema((z) =>
  resourceOptionsSchema().extend({
    sdk: z.unknown().superRefine((v, ctx) => {
      if (v === undefined) ctx.addIssue({ code: 'custom', message: 'required: a NodeSDK, one provider, or an array of providers (tracer, meter, logger)' });
      else if (!Array.isArray(v)) {
        if (!isShutdownable(v)) ctx.addIssue({ code: 'custom', message: SHUTDOWNABLE });
      } else if (v.length === 0) ctx.addIssue({ code: 'custom', message: 'an empty array: give at least one provider' });
      else v.forEach((p, i) => isShutdownable(p) || ctx.addIssue({ code: 'custom', path: [i], message: SHUTDOWNABLE }));
    }),
    providers: z.undefined({ error: 'renamed to `sdk` (issue #27): pass the providers as `sdk: [tracerProvider, meterProvider, …]`' }).optional(),
    /** Call forceFlush() (bounded by the node's time) before shutdown(). Default true. */
    forceFlush: z.boolean().optional(),
  }),
);

export type OtelOptions = Omit<z.input<ReturnType<typeof otelOptionsSchema>>, 'sdk' | 'providers' | 'dependsOn'> & {
  /** A NodeSDK, one provider, or several providers (tracer, meter, logger), shut down together. */
  sdk: OtelValue;
  dependsOn?: readonly unknown[];
};

export type OtelModuleOptions = OtelOptions & { token?: Token<OtelValue> };
