import { parseOptions, type HookContext, type ResourceDefinition } from '@quiesce/core';
import { backlogOf, describeBacklog } from './backlog.js';
import { OtelExportError } from './errors.js';
import { otelOptionsSchema, type OtelOptions, type OtelShutdownable, type OtelValue } from './options.js';

/**
 * Default reserveMs: the final export is one HTTP round trip per signal; the budget keeps this much
 * of the deadline for it even when the nodes before it used their whole timeouts.
 */
export const DEFAULT_RESERVE_MS = 1_000;

/**
 * The OpenTelemetry SDK (or its providers) as a lifecycle resource that stops last:
 * `app.resource('otel', otelSdk({ sdk }))`. Stop calls `forceFlush()` then `shutdown()` on each
 * provider, both bounded by the node's remaining time, so every span and metric recorded by the
 * other nodes' stops is exported. Nothing is started: the SDK must be running before the code it
 * instruments is loaded.
 */
export function otelSdk(options: OtelOptions): ResourceDefinition<OtelValue> {
  return defineOtelSdk(options, 'otelSdk');
}

/** otelSdk with the name validation errors carry (otelModule reports as itself). */
export function defineOtelSdk(options: OtelOptions, subject: string): ResourceDefinition<OtelValue> {
  const { sdk: _sdk, providers: _providers, forceFlush = true, ...lifecycle } = parseOptions(otelOptionsSchema, options, subject);
  return {
    ...lifecycle,
    dependsOn: options.dependsOn,
    stopsLast: lifecycle.stopsLast ?? true,
    reserveMs: lifecycle.reserveMs ?? DEFAULT_RESERVE_MS,
    // The caller's own objects: zod copies arrays.
    value: (options.sdk ?? options.providers) as OtelValue,
    pending: otelPending,
    stop: async (value, ctx) => {
      const errors = await Promise.all(providersOf(value).map((p) => shutdownProvider(p, ctx, forceFlush)));
      const failure = errors.find((e) => e !== undefined);
      if (failure) throw failure;
    },
  };
}

export function providersOf(value: OtelValue): readonly OtelShutdownable[] {
  return Array.isArray(value) ? value : [value as OtelShutdownable];
}

/**
 * What is still queued or in flight, for the report when the node's time is up: "12 spans queued,
 * 1 export request in flight". The SDK itself keeps going until its own export timeouts.
 */
export function otelPending(value: OtelValue): string {
  return describeBacklog(backlogOf(providersOf(value))) ?? 'shutdown() still running (no queued spans or export requests found)';
}

async function shutdownProvider(provider: OtelShutdownable, ctx: HookContext, forceFlush: boolean): Promise<OtelExportError | undefined> {
  let failure: OtelExportError | undefined;
  // Why forceFlush first: TracerProvider.shutdown() takes no timeout, while forceFlush() does and
  // otherwise arms its own 30 s timer per processor. Bounded by our deadline, the SDK's timers end
  // with the node instead of outliving the shutdown. MeterProvider takes the bound in both.
  if (forceFlush && typeof provider.forceFlush === 'function') {
    try {
      await provider.forceFlush(bound(ctx));
    } catch (error) {
      failure = new OtelExportError('forceFlush', error);
    }
  }
  try {
    await provider.shutdown(bound(ctx));
  } catch (error) {
    failure ??= new OtelExportError('shutdown', error);
  }
  return failure;
}

function bound(ctx: HookContext): { timeoutMillis: number } | undefined {
  if (!Number.isFinite(ctx.deadline)) return undefined;
  return { timeoutMillis: Math.max(1, Math.floor(ctx.deadline - Date.now())) };
}
