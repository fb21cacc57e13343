import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, invalidOptions as invalid, leftoverHandles } from '@quiesce/test-servers';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RESERVE_MS, otelModule, otelPending, otelSdk, type OtelShutdownable } from '../src/index.js';
import { startReceiver } from './receiver.js';
import { telemetry } from './support.js';

const fakeUrl = 'http://127.0.0.1:1';

describe('otelSdk options', () => {
  it('names the offending field', () => {
    const { tracerProvider } = telemetry(fakeUrl);
    expect(invalid(() => otelSdk({} as never)).issues).toEqual([{ field: 'sdk', message: expect.stringMatching(/^required: a NodeSDK, one provider, or an array of providers/) }]);
    expect(invalid(() => otelSdk({ sdk: {} as OtelShutdownable })).issues.map((i) => i.field)).toEqual(['sdk']);
    expect(invalid(() => otelSdk({ sdk: [] })).issues.map((i) => i.field)).toEqual(['sdk']);
    expect(invalid(() => otelSdk({ sdk: [tracerProvider, 'x' as never] })).issues.map((i) => i.field)).toEqual(['sdk.1']);
    expect(invalid(() => otelSdk({ sdk: tracerProvider, forceFlush: 'yes' as never })).issues.map((i) => i.field)).toEqual(['forceFlush']);
    expect(invalid(() => otelSdk({ sdk: tracerProvider, stopsLast: 1 as never })).issues.map((i) => i.field)).toEqual(['stopsLast']);
    expect(invalid(() => otelSdk({ sdk: tracerProvider, stopTimeoutMs: 0 })).message).toMatch(/^Invalid options for otelSdk: stopTimeoutMs: /);
    expect(invalid(() => otelSdk({ sdk: tracerProvider, exporter: 1 } as never)).message).toContain('exporter');
    expect(invalid(() => otelModule({ sdk: tracerProvider, token: 42 as never })).issues.map((i) => i.field)).toEqual(['token']);
    expect(invalid(() => otelModule({} as never)).message).toMatch(/^Invalid options for otelModule: sdk: /);
  });

  it('stops last and keeps a reserve by default; what the user sets wins', () => {
    const { tracerProvider, meterProvider } = telemetry(fakeUrl);
    expect(otelSdk({ sdk: tracerProvider })).toMatchObject({ value: tracerProvider, stopsLast: true, reserveMs: DEFAULT_RESERVE_MS });
    const providers = [tracerProvider, meterProvider];
    expect(otelSdk({ sdk: providers, stopsLast: false, reserveMs: 0, name: 't' })).toMatchObject({ stopsLast: false, reserveMs: 0, name: 't' });
    expect(otelSdk({ sdk: providers }).value).toBe(providers); // the caller's array, not zod's copy
  });

  // Issue #27: one adopt option. The old spelling fails naming the new one (JS callers, old configs).
  it('`providers` (renamed to `sdk`) is refused naming `sdk`', () => {
    const { tracerProvider, meterProvider } = telemetry(fakeUrl);
    for (const options of [{ providers: [tracerProvider, meterProvider] }, { sdk: tracerProvider, providers: [meterProvider] }]) {
      const failure = invalid(() => otelSdk(options as never));
      expect(failure.issues).toContainEqual({ field: 'providers', message: expect.stringMatching(/^renamed to `sdk`.*sdk: \[tracerProvider, meterProvider/) });
    }
    expect(invalid(() => otelModule({ providers: [tracerProvider] } as never)).message).toMatch(/^Invalid options for otelModule: .*providers: renamed to `sdk`/);
  });
});

describe('otelModule', () => {
  it("binds the SDK under 'otel' by default, or a token of the user's, and stops it last", async () => {
    const baseline = activeHandles();
    const receiver = await startReceiver();
    const { tracerProvider, tracer } = telemetry(receiver.url);
    const Telemetry = Symbol('telemetry');
    const app = new LifecycleContainer();
    app.load(otelModule({ sdk: tracerProvider, token: Telemetry }));
    app.resource('api', { value: {}, stop: () => tracer.startSpan('api.stop').end() });
    await app.start();
    expect(app.get(Telemetry)).toBe(tracerProvider);
    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    expect(report.node('telemetry')).toMatchObject({ status: 'stopped' });
    expect(report.node('api')!.dependsOn).toEqual(['telemetry']);
    expect(receiver.spans).toEqual(['api.stop']);
    await receiver.close();
    expect(await leftoverHandles(baseline)).toEqual({});

    const plain = new LifecycleContainer();
    plain.load(otelModule({ sdk: telemetry(fakeUrl).tracerProvider }));
    plain.validate();
    expect(plain.get('otel')).toBeDefined();
    expect(plain.graph().nodes.map((n) => n.name)).toEqual(['otel']);

    // Named, no token: the token is the node's name (the kit's rule, issue #27), no longer 'otel'.
    const named = new LifecycleContainer();
    named.load(otelModule({ sdk: telemetry(fakeUrl).tracerProvider, name: 'tracing' }));
    named.validate();
    expect(named.get('tracing')).toBeDefined();
    expect(() => named.get('otel')).toThrow();
  });
});

describe('otelPending', () => {
  it('counts the spans still queued in batch processors, and says so when it finds nothing', async () => {
    const { tracerProvider, tracer } = telemetry(fakeUrl);
    expect(otelPending(tracerProvider)).toBe('shutdown() still running (no queued spans or export requests found)');
    for (let i = 0; i < 7; i++) tracer.startSpan(`s${i}`).end();
    expect(otelPending([tracerProvider])).toBe('7 spans queued');
    expect(otelPending({ shutdown: async () => {} })).toMatch(/^shutdown\(\) still running/); // an SDK it does not know
  });
});
