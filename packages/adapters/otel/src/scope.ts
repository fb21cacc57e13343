import { AsyncLocalStorage, createHook, type AsyncHook } from 'node:async_hooks';
import diagnosticsChannel from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { walkSdk } from './backlog.js';
import type { OtelExportFailure, OtelSignal } from './errors.js';

export type OtelStep = 'forceFlush' | 'shutdown';

/** A failure seen during the node's stop, in the order it happened. */
export interface StopFailure extends OtelExportFailure {
  readonly step: OtelStep;
  /** true: an SDK call rejected; false: an exporter reported a failed export. */
  readonly call: boolean;
}

/**
 * The otel node's stop as a scope around the SDK's final flush: every SDK call the node makes runs
 * inside it (an AsyncLocalStorage frame, so whatever the SDK starts from those calls — promise
 * chains, timers, sockets, requests — belongs to it too).
 *
 * 1. Export results. The SDK does not tell its caller that an export failed: MeterProvider's and
 *    LoggerProvider's forceFlush()/shutdown() resolve anyway (sdk-metrics
 *    PeriodicExportingMetricReader._runOnce and sdk-logs BatchLogRecordProcessorBase._flushAll /
 *    ExportOperation._executeExport catch the failure and hand it to @opentelemetry/core's
 *    globalErrorHandler; only sdk-trace's BatchSpanProcessor rejects). What every processor and
 *    reader does rely on is the exporter contract: `export(items, resultCallback)` calls back once
 *    with `{ code: SUCCESS | FAILED, error }`. So the scope wraps the `export` method of each
 *    exporter found under the providers (the `_exporter` of readers and processors, by a bounded
 *    walk; an SDK that hides it leaves the node with the calls' own rejections, as before) and
 *    reads the result the SDK itself gets, for OTLP and users' own exporters alike. Only calls
 *    made inside the scope are watched; the wrapper is removed when the stop ends.
 *    Rejected alternatives: setGlobalErrorHandler() replaces the user's handler, is per copy of
 *    @opentelemetry/core (an app often has two) and gets everybody's errors without the signal;
 *    a diag logger is global, replaces the user's and gives text only.
 * 2. The cut. When the node's time is up, nothing the final flush started may keep the process
 *    alive: in-flight export requests made with node:http(s) (the OTLP/HTTP exporters; seen on
 *    the `http.client.request.start` diagnostics channel) are destroyed with an error the OTLP
 *    transport does not retry; the SDK's pending result callbacks are answered FAILED at once,
 *    so its processors and readers clear their own export timers (30 s each by default:
 *    sdk-trace BatchSpanProcessorBase._flushOneBatch, sdk-logs ExportOperation._exportWithTimeout,
 *    sdk-metrics callWithTimeout in PeriodicExportingMetricReader._doRun — closures nobody else
 *    can reach, and ref'd, so they alone kept a process ~19 s past its report); exports
 *    asked for after the cut are refused the same way; and every timer and handle created inside
 *    the scope (an async hook, on only while the stop runs) is unref'd — the net for exporters
 *    that do not use node:http (gRPC, fetch) and for SDK timers not tied to a result.
 */
export class StopScope {
  readonly failures: StopFailure[] = [];
  #cut = false;
  #closed = false;
  readonly #open = new Set<(result: ExportResult) => void>();
  readonly #requests = new Set<ClientRequest>();
  readonly #handles = new Set<Unrefable>();
  readonly #restore: Array<() => void> = [];
  readonly #hook: AsyncHook;
  #wake: (() => void) | undefined;

  constructor(roots: readonly object[]) {
    for (const exporter of exportersOf(roots)) this.#watch(exporter);
    this.#hook = createHook({ init: (_id, type, _trigger, resource) => this.#onInit(type, resource) });
    this.#hook.enable();
    diagnosticsChannel.subscribe(REQUEST_START, this.#onRequest);
  }

  get isCut(): boolean {
    return this.#cut;
  }

  /** Runs an SDK call inside the scope, as `step`: what it starts is watched, and cut with the node. */
  run<T>(step: OtelStep, fn: () => T): T {
    return frames.run({ scope: this, step }, fn);
  }

  /** An SDK call rejected (recorded in order with the exporters' failures). */
  callFailed(step: OtelStep, error: unknown): void {
    if (!this.#cut) this.failures.push({ step, error, call: true });
  }

  /** Resolves when every export started inside the scope has its result, or at the cut. */
  async settled(): Promise<void> {
    while (this.#open.size > 0 && !this.#cut) await new Promise<void>((resolve) => (this.#wake = resolve));
  }

  /** The node's time is up: end what the final flush still holds (see the class comment, 2). */
  cut(): void {
    if (this.#cut || this.#closed) return;
    this.#cut = true;
    for (const request of this.#requests) destroy(request);
    this.#requests.clear();
    for (const answer of [...this.#open]) answer({ code: FAILED, error: cutError() });
    for (const handle of this.#handles) unref(handle);
    this.#handles.clear();
    this.#wakeUp();
  }

  /** The stop is over: exporters get their own `export` back, the hook and the channel are let go. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#hook.disable();
    diagnosticsChannel.unsubscribe(REQUEST_START, this.#onRequest);
    for (const restore of this.#restore) restore();
    // The SDK is shut down: a timer or handle its final flush made that is still there now (an SDK
    // path that forgets to clear its export timer, an exporter that answered before its request
    // ended) has nothing left to do for the node, and must not hold the process either.
    for (const handle of this.#handles) unref(handle);
    this.#requests.clear();
    this.#handles.clear();
  }

  #inside(): OtelStep | undefined {
    const frame = frames.getStore();
    return frame?.scope === this ? frame.step : undefined;
  }

  #onInit(type: string, resource: unknown): void {
    // Promises are most of what is created and never hold the loop: out before the store lookup.
    if (type === 'PROMISE' || this.#closed || this.#inside() === undefined) return;
    // An exception in an async hook ends the process: nothing here may throw.
    try {
      if (typeof (resource as Partial<Unrefable>)?.unref !== 'function') return;
      // After the cut at once; but not inside init: a native handle's own constructor has not run yet.
      if (this.#cut) queueMicrotask(() => unref(resource as Unrefable));
      else this.#handles.add(resource as Unrefable);
    } catch {
      // a resource whose unref cannot be read: left alone
    }
  }

  readonly #onRequest = (message: unknown): void => {
    const request = (message as { request?: ClientRequest }).request;
    if (!request || this.#closed || this.#inside() === undefined) return;
    if (this.#cut) {
      queueMicrotask(() => destroy(request));
      return;
    }
    this.#requests.add(request);
    request.once('close', () => this.#requests.delete(request));
  };

  #watch(exporter: Exporter): void {
    const original = exporter.export;
    const own = Object.prototype.hasOwnProperty.call(exporter, 'export');
    const scope = this;
    const watched = function (this: unknown, items: unknown, resultCallback: unknown, ...rest: unknown[]): unknown {
      const step = scope.#inside();
      if (step === undefined || scope.#closed || typeof resultCallback !== 'function') return original.call(this, items, resultCallback, ...rest);
      return scope.#export(original, this, step, items, resultCallback as (result: ExportResult) => void, rest);
    };
    try {
      exporter.export = watched;
    } catch {
      return; // frozen or read-only: not watched, the SDK calls' own rejections still count
    }
    if (exporter.export !== watched) return;
    this.#restore.push(() => {
      if (exporter.export !== watched) return; // replaced by someone else since: theirs stays
      if (own) exporter.export = original;
      else delete (exporter as Partial<Exporter>).export;
    });
  }

  #export(original: Exporter['export'], exporter: unknown, step: OtelStep, items: unknown, resultCallback: (result: ExportResult) => void, rest: unknown[]): unknown {
    if (this.#cut) {
      queueMicrotask(() => resultCallback({ code: FAILED, error: cutError() }));
      return undefined;
    }
    const signal = signalOf(items);
    let answered = false;
    const answer = (result: ExportResult): void => {
      if (answered) return; // the exporter's own late answer after the cut's
      answered = true;
      this.#open.delete(answer);
      if (!this.#cut && result?.code !== SUCCESS) {
        this.failures.push({ step, signal, call: false, error: result?.error ?? new Error(`${signal ?? 'telemetry'} export failed (no error given)`) });
      }
      this.#wakeUp();
      resultCallback(result);
    };
    this.#open.add(answer);
    try {
      return original.call(exporter, items, answer, ...rest);
    } catch (error) {
      // Thrown, not answered: the SDK sees the throw as it would have; the node sees a failure.
      if (!answered) {
        answered = true;
        this.#open.delete(answer);
        if (!this.#cut) this.failures.push({ step, signal, call: false, error });
        this.#wakeUp();
      }
      throw error;
    }
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/** ExportResult of @opentelemetry/core: code 0 SUCCESS, 1 FAILED. */
interface ExportResult {
  code: number;
  error?: unknown;
}
const SUCCESS = 0;
const FAILED = 1;

interface Exporter {
  export(items: unknown, resultCallback: unknown, ...rest: unknown[]): unknown;
  shutdown(): unknown;
}

interface Unrefable {
  unref(): unknown;
}

const REQUEST_START = 'http.client.request.start';
const frames = new AsyncLocalStorage<{ readonly scope: StopScope; readonly step: OtelStep }>();

/**
 * The error a cut export request is destroyed with and cut exports are answered with. Its code is
 * none of the network codes otlp-exporter-base retries (ECONNRESET, ECONNREFUSED …): a retry would
 * arm a backoff timer and open a new socket after the cut.
 */
function cutError(): Error {
  return Object.assign(new Error("export abandoned: the otel node's stop time ran out"), { code: 'QUIESCE_OTEL_CUT' });
}

/**
 * A ClientRequest ended, with the cut's error. The OTLP transport listens for 'error'; an exporter
 * of the user's that does not would crash the process on it, so a listener is added if none is.
 */
function destroy(request: ClientRequest): void {
  if (request.listenerCount('error') === 0) request.on('error', () => {});
  request.destroy(cutError());
}

function unref(handle: Unrefable): void {
  try {
    handle.unref();
  } catch {
    // a handle already closed
  }
}

/**
 * The exporters under the providers: objects with `export()` and `shutdown()` (SpanExporter,
 * PushMetricExporter, LogRecordExporter), outermost only — an exporter that wraps another is the
 * one the SDK calls, and the OTLP exporters' inner delegate has the same two methods.
 */
function exportersOf(roots: readonly object[]): Exporter[] {
  const found: Exporter[] = [];
  const rootSet = new Set<object>(roots);
  walkSdk(roots, (fields) => {
    if (rootSet.has(fields) || typeof fields.export !== 'function' || typeof fields.shutdown !== 'function') return true;
    found.push(fields as unknown as Exporter);
    return false;
  });
  return found;
}

/** What an export carries: ResourceMetrics for metrics, ReadableSpans (spanContext()) or ReadableLogRecords. */
function signalOf(items: unknown): OtelSignal | undefined {
  if (Array.isArray(items)) {
    const first = items[0] as Record<string, unknown> | undefined;
    if (typeof first !== 'object' || first === null) return undefined;
    if (typeof first.spanContext === 'function') return 'traces';
    if ('severityNumber' in first || 'body' in first) return 'logs';
    return undefined;
  }
  if (typeof items === 'object' && items !== null && Array.isArray((items as { scopeMetrics?: unknown }).scopeMetrics)) return 'metrics';
  return undefined;
}
