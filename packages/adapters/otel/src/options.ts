import { type Token } from '@quiesce/core';
import { exactlyOneOf, lazySchema, resourceOptionsSchema } from '@quiesce/core/kit';
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

/** The value bound under the node's token: what the user passed (`sdk`, or the `providers` array). */
export type OtelValue = OtelShutdownable | readonly OtelShutdownable[];

export const otelOptionsSchema = lazySchema((z) => {
  const shutdownable = z.custom<OtelShutdownable>(
    (v) => typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>).shutdown === 'function',
    'expected an OpenTelemetry SDK, tracer, meter or logger provider (an object with shutdown())',
  );
  return resourceOptionsSchema()
    .extend({
      /** The NodeSDK, or one provider. */
      sdk: shutdownable.optional(),
      /** Or several providers (tracer, meter, logger), shut down together. */
      providers: z.array(shutdownable).min(1).optional(),
      /** Call forceFlush() (bounded by the node's time) before shutdown(). Default true. */
      forceFlush: z.boolean().optional(),
    })
    .superRefine(exactlyOneOf('sdk', 'providers', 'give `sdk` (a NodeSDK or one provider) or `providers` (several)'));
});

export type OtelOptions = Omit<z.input<ReturnType<typeof otelOptionsSchema>>, 'sdk' | 'providers' | 'dependsOn'> & {
  sdk?: OtelShutdownable;
  providers?: readonly OtelShutdownable[];
  dependsOn?: readonly unknown[];
};

export type OtelModuleOptions = OtelOptions & { token?: Token<OtelValue> };
