import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-node';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, leftoverHandles } from '@quiesce/test-servers';
import { afterEach, describe, expect, it } from 'vitest';
import { OtelExportError, otelPending, otelSdk } from '../src/index.js';
import { startReceiver, type Receiver } from './receiver.js';
import { telemetry } from './support.js';

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

type ExportResult = { code: number; error?: Error };

/**
 * A user's own exporter, not the OTLP package's: posts the names over fetch (undici, not node:http)
 * and reports the collector's answer through the SDK's result callback. No timeout of its own.
 */
function fetchExport(url: string, body: unknown, done: (result: ExportResult) => void): void {
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
    (response) => done(response.ok ? { code: 0 } : { code: 1, error: Object.assign(new Error(response.statusText), { code: response.status }) }),
    (error: Error) => done({ code: 1, error }),
  );
}
class FetchSpanExporter implements SpanExporter {
  constructor(private readonly url: string) {}
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    fetchExport(`${this.url}/v1/traces`, { resourceSpans: [{ scopeSpans: [{ spans: spans.map((s) => ({ name: s.name })) }] }] }, done);
  }
  async shutdown(): Promise<void> {}
}
class FetchMetricExporter implements PushMetricExporter {
  constructor(private readonly url: string) {}
  export(metrics: ResourceMetrics, done: (result: ExportResult) => void): void {
    fetchExport(`${this.url}/v1/metrics`, { resourceMetrics: [], scopes: metrics.scopeMetrics.length }, done);
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

describe('otelSdk: a collector that stops answering', () => {
  it('is cut at the node timeout, reported timedOut with the exports still in flight, inside the deadline; nothing is left holding the process', async () => {
    const baseline = activeHandles();
    receiver = await startReceiver({ hang: true });
    // The exporters' own timeout (3 s) is far beyond the node's (600 ms): only quiesce's cut ends the wait.
    const { tracerProvider, meterProvider, tracer, meter } = telemetry(receiver.url, 3_000);
    const app = new LifecycleContainer({ shutdownTimeoutMs: 4_000, defaultStopTimeoutMs: 1_000 });
    app.resource('otel', otelSdk({ sdk: [tracerProvider, meterProvider], stopTimeoutMs: 600 }));
    app.resource('api', { value: {}, stop: () => tracer.startSpan('api.stop').end() });
    await app.start();
    for (let i = 0; i < 50; i++) tracer.startSpan(`request ${i}`).end();
    meter.createCounter('requests').add(50);

    const began = performance.now();
    const report = await app.shutdown();
    const took = performance.now() - began;

    expect(report.ok).toBe(false);
    expect(report.node('api')!.status).toBe('stopped');
    const otel = report.node('otel')!;
    expect(otel.status).toBe('timedOut');
    expect(otel.error).toMatchObject({ name: 'NodeTimeoutError', code: 'QUIESCE_NODE_TIMEOUT' });
    // Cut at its own 600 ms, not at the exporters' 3 s or the 4 s deadline (wide margin for load).
    expect(otel.durationMs!).toBeGreaterThanOrEqual(550);
    expect(otel.durationMs!).toBeLessThan(2_000);
    expect(took).toBeLessThan(2_500);
    expect(receiver.requests).toBeGreaterThanOrEqual(2); // the traces and the metrics reached it
    // What the cut left behind, in the report: both providers' requests still waiting for the collector.
    expect(otel.cut).toEqual({ phase: 'stop', open: [expect.stringMatching(/^[2-9]\d* export requests in flight$/)] });
    expect(report.toTable()).toMatch(/export requests in flight/);
    // The cut ended them: no socket, no 3 s request timer, no 3 s batch or reader timer, no retry
    // (the receiver, in this process, is closed first: its own sockets are not the SDK's).
    await receiver.close();
    expect(await leftoverHandles(baseline)).toEqual({});
    expect(otelPending([tracerProvider, meterProvider])).toBe('shutdown() still running (no queued spans or export requests found)');
  });

  it("a user's own exporter (fetch, no node:http) on a hung collector: cut too, nothing of it holds the process", async () => {
    const baseline = activeHandles();
    receiver = await startReceiver({ hang: true });
    // undici's own timeout for the answer is 300 s: without the cut its socket holds the process that long.
    const tracerProvider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(new FetchSpanExporter(receiver.url), { scheduledDelayMillis: 60_000 })] });
    const app = new LifecycleContainer({ shutdownTimeoutMs: 4_000 });
    app.resource('otel', otelSdk({ sdk: tracerProvider, stopTimeoutMs: 600 }));
    await app.start();
    tracerProvider.getTracer('t').startSpan('lost').end();
    const report = await app.shutdown();
    expect(report.node('otel')).toMatchObject({ status: 'timedOut', error: { name: 'NodeTimeoutError' } });
    expect(receiver.requests).toBe(1);
    await receiver.close();
    expect(await leftoverHandles(baseline)).toEqual({});
  });
});

describe('otelSdk: a collector that refuses the export', () => {
  it('a refused connection fails the node with OtelExportError naming traces (telemetry lost, not ok)', async () => {
    const baseline = activeHandles();
    const refusing = await startReceiver();
    await refusing.close(); // nothing listens on its port any more: ECONNREFUSED
    const { tracerProvider, tracer } = telemetry(refusing.url, 400);
    const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000 });
    app.resource('otel', otelSdk({ sdk: tracerProvider, stopTimeoutMs: 3_000 }));
    await app.start();
    tracer.startSpan('lost').end();
    const report = await app.shutdown();
    expect(report.ok).toBe(false);
    expect(report.node('otel')).toMatchObject({
      status: 'failed',
      error: { name: 'OtelExportError', code: 'QUIESCE_OTEL_EXPORT_FAILED', message: expect.stringMatching(/^otel: OpenTelemetry forceFlush\(\) failed, traces were not exported: .*ECONNREFUSED/) },
    });
    expect(await leftoverHandles(baseline)).toEqual({});
  });

  it('two otel nodes refused in one shutdown: each OtelExportError names its own node (message and error.node)', async () => {
    const baseline = activeHandles();
    const refusing = await startReceiver();
    await refusing.close(); // nothing listens on its port any more: ECONNREFUSED
    const app = new LifecycleContainer({ shutdownTimeoutMs: 8_000 });
    const nodes = ['otel-orders', 'otel-billing'];
    for (const node of nodes) {
      const { tracerProvider, tracer } = telemetry(refusing.url, 400);
      app.resource(node, otelSdk({ sdk: tracerProvider, stopTimeoutMs: 3_000 }));
      tracer.startSpan(`${node} span`).end();
    }
    const thrown = new Map<string, unknown>();
    app.on('failed', (e) => thrown.set(e.node, e.error));
    await app.start();
    const report = await app.shutdown();
    for (const node of nodes) {
      expect(report.node(node)).toMatchObject({
        status: 'failed',
        error: { name: 'OtelExportError', code: 'QUIESCE_OTEL_EXPORT_FAILED', message: expect.stringMatching(new RegExp(`^${node}: OpenTelemetry forceFlush\\(\\) failed, traces were not exported: .*ECONNREFUSED`)) },
      });
      expect(thrown.get(node)).toBeInstanceOf(OtelExportError);
      expect(thrown.get(node)).toMatchObject({ node, step: 'forceFlush', signals: ['traces'] });
    }
    expect(await leftoverHandles(baseline)).toEqual({});
  });

  it('HTTP 400 to every metrics export fails the node with OtelExportError naming metrics and the status; the spans still arrive', async () => {
    const baseline = activeHandles();
    receiver = await startReceiver({ status: { metrics: 400 } });
    const { tracerProvider, meterProvider, tracer, meter } = telemetry(receiver.url);
    const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000 });
    app.resource('otel', otelSdk({ sdk: [tracerProvider, meterProvider], stopTimeoutMs: 3_000 }));
    const thrown: unknown[] = [];
    app.on('failed', (e) => thrown.push(e.error));
    await app.start();
    tracer.startSpan('kept').end();
    meter.createCounter('requests').add(5);
    const report = await app.shutdown();

    // MeterProvider.forceFlush() and shutdown() both resolved: only the exporter's result says it failed.
    expect(report.ok).toBe(false);
    const otel = report.node('otel')!;
    expect(otel).toMatchObject({
      status: 'failed',
      error: {
        name: 'OtelExportError',
        code: 'QUIESCE_OTEL_EXPORT_FAILED',
        message: 'otel: OpenTelemetry forceFlush() failed, metrics were not exported: HTTP 400 Bad Request: refused by the test collector (/v1/metrics)',
      },
    });
    // The error itself: which signal, during which call, and the exporter's own error as cause.
    expect(thrown).toHaveLength(1);
    const error = thrown[0] as OtelExportError;
    expect(error).toBeInstanceOf(OtelExportError);
    expect(error.node).toBe('otel');
    expect(error.step).toBe('forceFlush');
    expect(error.signals).toEqual(['metrics']);
    expect(error.cause).toMatchObject({ name: 'OTLPExporterError', code: 400 });
    expect(error.failures).toEqual([{ signal: 'metrics', error: error.cause }]);
    expect(receiver.paths.filter((p) => p === '/v1/metrics').length).toBeGreaterThanOrEqual(1);
    expect(receiver.counters.size).toBe(0);
    expect(receiver.spans).toEqual(['kept']);
    await receiver.close();
    expect(await leftoverHandles(baseline)).toEqual({});
  });

  it('HTTP 400 to the log exports fails a LoggerProvider node the same way', async () => {
    const baseline = activeHandles();
    receiver = await startReceiver({ status: { logs: 400 } });
    const { loggerProvider, logger } = telemetry(receiver.url);
    const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000, defaultStopTimeoutMs: 1_000 });
    app.resource('otel', otelSdk({ sdk: loggerProvider, stopTimeoutMs: 3_000 }));
    app.resource('api', { value: {}, stop: () => logger.emit({ body: 'api stopped' }) });
    await app.start();
    for (let i = 0; i < 3; i++) logger.emit({ body: `line ${i}` });
    const report = await app.shutdown();

    expect(report.ok).toBe(false);
    expect(report.node('api')!.status).toBe('stopped');
    const error = report.node('otel')!.error;
    expect(report.node('otel')!.status).toBe('failed');
    expect(error).toMatchObject({ name: 'OtelExportError', message: expect.stringMatching(/^otel: OpenTelemetry forceFlush\(\) failed, logs were not exported: HTTP 400 Bad Request/) });
    expect(receiver.paths).toContain('/v1/logs');
    expect(receiver.logs).toEqual([]);
    await receiver.close();
    expect(await leftoverHandles(baseline)).toEqual({});
  });

  it("a user's own metric exporter is judged by the result it gives the SDK too", async () => {
    const baseline = activeHandles();
    receiver = await startReceiver({ status: { metrics: 503 } });
    const meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: new FetchMetricExporter(receiver.url), exportIntervalMillis: 60_000 })] });
    meterProvider.getMeter('m').createCounter('c').add(1);
    const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000 });
    app.resource('otel', otelSdk({ sdk: meterProvider, stopTimeoutMs: 3_000 }));
    await app.start();
    const report = await app.shutdown();
    const otel = report.node('otel')!;
    expect(otel.status).toBe('failed');
    expect(otel.error!.message).toBe('otel: OpenTelemetry forceFlush() failed, metrics were not exported: HTTP 503 Service Unavailable');
    await receiver.close();
    expect(await leftoverHandles(baseline)).toEqual({});
  });
});
