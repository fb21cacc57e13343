import { LifecycleContainer } from '@quiesce/core';
import { afterEach, describe, expect, it } from 'vitest';
import { otelPending, otelSdk } from '../src/index.js';
import { startReceiver, type Receiver } from './receiver.js';
import { telemetry } from './support.js';

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('otelSdk: a collector that stops answering', () => {
  it('is cut at the node timeout, reported timedOut with the exports still in flight, inside the deadline', async () => {
    receiver = await startReceiver({ hang: true });
    // The exporters' own timeout (3 s) is far beyond the node's (600 ms): only quiesce's cut ends the wait.
    const { tracerProvider, meterProvider, tracer, meter } = telemetry(receiver.url, 3_000);
    const app = new LifecycleContainer({ shutdownTimeoutMs: 4_000, defaultStopTimeoutMs: 1_000 });
    app.resource('otel', otelSdk({ providers: [tracerProvider, meterProvider], stopTimeoutMs: 600 }));
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
    expect(otelPending([tracerProvider, meterProvider])).toBe(otel.cut!.open[0]);
  });

  it('a collector that refuses the export fails the node with OtelExportError (telemetry lost, not ok)', async () => {
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
      error: { name: 'OtelExportError', code: 'QUIESCE_OTEL_EXPORT_FAILED', message: expect.stringMatching(/^OpenTelemetry forceFlush\(\) failed, telemetry was not exported: .*ECONNREFUSED/) },
    });
  });
});
