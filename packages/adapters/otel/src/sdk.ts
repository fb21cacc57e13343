import { type HookContext, type ResourceDefinition } from '@quiesce/core';
import { onAbort, parseOptions } from '@quiesce/core/kit';
import { backlogOf, describeBacklog } from './backlog.js';
import { describeExportError, OtelExportError } from './errors.js';
import { otelOptionsSchema, type OtelOptions, type OtelShutdownable, type OtelValue } from './options.js';
import { StopScope, type StopFailure } from './scope.js';

/**
 * Default reserveMs: the final export is one HTTP round trip per signal; the budget keeps this much
 * of the deadline for it even when the nodes before it used their whole timeouts.
 */
export const DEFAULT_RESERVE_MS = 1_000;

/**
 * The OpenTelemetry SDK (or its providers) as a lifecycle resource that stops last:
 * `app.resource('otel', otelSdk({ sdk }))`, `otelSdk({ sdk: [tracerProvider, meterProvider] })`. Stop calls `forceFlush()` then `shutdown()` on each
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
    value: options.sdk,
    pending: otelPending,
    stop: async (value, ctx) => {
      const providers = providersOf(value);
      const scope = new StopScope(providers);
      try {
        // At the node's cut (its timeout, the budget or the global deadline): what the SDK's final
        // flush still holds is ended or unref'd, so it cannot keep the process alive (see StopScope).
        // Registered after core's own listener, which has read otelPending() for the report by then.
        onAbort(ctx.signal, () => scope.cut());
        await Promise.all(providers.map((p) => shutdownProvider(p, ctx, forceFlush, scope)));
        // A reader may stop waiting before its exporter answers (its own exportTimeoutMillis):
        // stopped only once every export the flush started was accepted.
        await scope.settled();
        if (scope.isCut) return; // the node is already reported timedOut; nothing more is known
        const failure = exportError(ctx.name, scope.failures);
        if (failure) throw failure;
      } finally {
        scope.close();
      }
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

async function shutdownProvider(provider: OtelShutdownable, ctx: HookContext, forceFlush: boolean, scope: StopScope): Promise<void> {
  // Why forceFlush first: TracerProvider.shutdown() takes no timeout, while forceFlush() does and
  // otherwise arms its own 30 s timer per processor. Bounded by our deadline, the SDK's timers end
  // with the node instead of outliving the shutdown. MeterProvider takes the bound in both.
  if (forceFlush && typeof provider.forceFlush === 'function') {
    try {
      await scope.run('forceFlush', () => provider.forceFlush!(bound(ctx)));
    } catch (error) {
      scope.callFailed('forceFlush', error);
    }
  }
  try {
    await scope.run('shutdown', () => provider.shutdown(bound(ctx)));
  } catch (error) {
    scope.callFailed('shutdown', error);
  }
}

/**
 * One OtelExportError for everything that failed, first first, each distinct failure once. A
 * call's rejection that only repeats an exporter's failure (TracerProvider.forceFlush() rejects
 * with its processors' errors, which are the export results) is not counted twice; one that says
 * something else (an SDK timeout, a processor's own error) is kept, without a signal.
 */
function exportError(node: string, failures: readonly StopFailure[]): OtelExportError | undefined {
  const reported = new Set(failures.filter((f) => !f.call).map((f) => f.error));
  const kept: StopFailure[] = [];
  // The same refusal twice (a MeterProvider's shutdown() exports again after its forceFlush()) is one.
  const said = new Set<string>();
  const keep = (f: StopFailure): void => {
    const key = `${f.signal ?? ''}\0${describeExportError(f.error)}`;
    if (said.has(key)) return;
    said.add(key);
    kept.push(f);
  };
  for (const f of failures) {
    if (!f.call) {
      keep(f);
      continue;
    }
    const errors = (Array.isArray(f.error) ? f.error : [f.error]).filter((e: unknown) => !reported.has(e));
    if (errors.length > 0) keep({ ...f, error: errors.length === 1 ? errors[0] : errors });
  }
  if (kept.length === 0) return undefined;
  const first = kept[0]!;
  return new OtelExportError(node, first.step, kept.length === 1 ? first.error : kept.map((f) => f.error), kept.map(({ signal, error }) => ({ signal, error })));
}

function bound(ctx: HookContext): { timeoutMillis: number } | undefined {
  if (!Number.isFinite(ctx.deadline)) return undefined;
  return { timeoutMillis: Math.max(1, Math.floor(ctx.deadline - Date.now())) };
}
