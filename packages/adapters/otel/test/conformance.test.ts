import type { Tracer } from '@opentelemetry/api';
import { LifecycleContainer } from '@quiesce/core';
import { conformance, startPeer, type PeerProcess } from '@quiesce/test-servers/conformance';
import { otelModule, otelSdk, type OtelShutdownable } from '../src/index.js';
import { tracing } from './support.js';

/**
 * The adapter contract (issue #27) for the telemetry SDK, against a real OTLP/HTTP collector
 * stand-in: the receiver the other tests use, in a process of its own (fixtures/collector-peer.mjs)
 * so the suite can freeze and kill it. One unit of work is a span of a request the app serves
 * (an `api` node whose stop waits for its requests, as a server's drain does); it is done in full
 * once the collector holds it — exported by the otel node's final flush, which stops last.
 */
type Collector = PeerProcess & { readonly otlp: string };

interface Held {
  readonly tracer: Tracer;
  /** The requests the `api` node still serves: its stop waits for them, then the otel node flushes. */
  readonly serving: Set<Promise<void>>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let spans = 0;

conformance<Held, Collector>({
  adapter: 'otel',
  node: 'otel',
  startServer: async () => {
    const peer = await startPeer(new URL('./fixtures/collector-peer.mjs', import.meta.url));
    return Object.assign(peer, { otlp: await peer.call<string>({ op: 'url' }) });
  },
  startApp: async (collector, { stopTimeoutMs, shutdownTimeoutMs }) => {
    await collector.call({ op: 'mode', hang: false });
    const provider = tracing(collector.otlp);
    const serving = new Set<Promise<void>>();
    const app = new LifecycleContainer({ shutdownTimeoutMs });
    // Its time and the otel node's fit the deadline (the plan would warn otherwise).
    app.resource('api', { value: {}, stopTimeoutMs: Math.max(1_000, shutdownTimeoutMs - stopTimeoutMs - 1_000), stop: () => Promise.all(serving) });
    app.resource('otel', otelSdk({ sdk: provider, stopTimeoutMs }));
    await app.start();
    return { app, resource: { tracer: provider.getTracer('conformance'), serving } };
  },
  work: async (held, collector, ms) => {
    const name = `request ${++spans}`;
    const span = held.tracer.startSpan(name);
    const request = sleep(ms).then(() => span.end());
    held.serving.add(request);
    await request;
    // Delivered: the collector holds it (sent by the final flush; asked until a while after the stop).
    for (const end = Date.now() + 3_000; Date.now() < end; await sleep(50)) {
      if ((await collector.call<string[]>({ op: 'spans' })).includes(name)) return { name, delivered: true };
    }
    return { name, delivered: false };
  },
  completed: (result) => (result as { delivered?: boolean }).delivered === true,
  // A collector that reads the export and never answers: the node's cut must end the request (the
  // collector sees its connection closed), not leave it to the exporter's own 10 s timeout.
  hang: async (held, collector) => {
    await collector.call({ op: 'mode', hang: true });
    held.tracer.startSpan('hung export').end();
    return collector.call({ op: 'cut', count: 1 });
  },
  notApplicable: {
    refusesNew:
      'the SDK stops last so that the spans of every other stop are exported; a span ended after its shutdown() is dropped by the SDK itself, with no error to refuse it with (README: "Spans that end after the node stopped are dropped")',
  },
  badOptions: [
    { options: () => otelSdk({} as never), field: 'sdk' },
    { options: () => otelSdk({ sdk: [tracing('http://127.0.0.1:1'), 'x' as never] }), field: 'sdk.1' },
    { options: () => otelSdk({ providers: [tracing('http://127.0.0.1:1')] } as never), field: 'providers' },
    { options: () => otelSdk({ sdk: {} as OtelShutdownable, stopTimeoutMs: 1.5 }), field: 'stopTimeoutMs' },
    { options: () => otelModule({ sdk: tracing('http://127.0.0.1:1'), token: 42 as never }), field: 'token' },
  ],
});
