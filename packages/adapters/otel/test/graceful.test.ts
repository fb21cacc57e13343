import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, leftoverHandles } from '@quiesce/test-servers';
import { afterEach, describe, expect, it } from 'vitest';
import { otelSdk } from '../src/index.js';
import { startReceiver, type Receiver } from './receiver.js';
import { childSpan, telemetry, traceStops } from './support.js';

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('otelSdk: the last node exports every span and metric of the shutdown', () => {
  it('spans, counters and log records recorded by the other nodes while they stop all reach the collector', async () => {
    const baseline = activeHandles();
    receiver = await startReceiver();
    const { tracerProvider, meterProvider, loggerProvider, tracer, meter, logger } = telemetry(receiver.url);
    const stopsCounted = meter.createCounter('service.stops');
    const expected: string[] = [];
    const expectedLogs: string[] = [];

    const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000, defaultStopTimeoutMs: 2_000 });
    // Declared first and depended on by nobody: only stopsLast (the adapter's default) puts it last.
    app.resource('otel', otelSdk({ sdk: [tracerProvider, meterProvider, loggerProvider], stopTimeoutMs: 5_000 }));
    const service = (name: string, children: number, dependsOn: string[] = []) =>
      app.resource(name, {
        value: { name },
        dependsOn,
        stop: async () => {
          const span = tracer.startSpan(`${name}.stop`);
          // Children end over several turns of the event loop, after the parent began.
          for (let i = 0; i < children; i++) expected.push(await childSpan(tracer, span, `${name}.stop.step${i}`, 5));
          span.end();
          expected.push(`${name}.stop`);
          stopsCounted.add(1, { node: name });
          logger.emit({ body: `${name} stopped` });
          expectedLogs.push(`${name} stopped`);
        },
      });
    service('db', 3);
    service('api', 4, ['db']);
    service('worker', 2);
    const stopSpans = traceStops(app, tracer, 'otel');
    await app.start();

    // Work done while the service ran: still queued (the batch delay is a minute) when it stops.
    for (let i = 0; i < 200; i++) {
      tracer.startSpan(`request ${i}`).end();
      expected.push(`request ${i}`);
    }
    for (let i = 0; i < 20; i++) {
      logger.emit({ body: `served ${i}` });
      expectedLogs.push(`served ${i}`);
    }
    const report = await app.shutdown();

    expect(report.ok).toBe(true);
    const otel = report.node('otel')!;
    expect(otel.status).toBe('stopped');
    for (const other of ['db', 'api', 'worker']) expect(otel.startOffsetMs!).toBeGreaterThanOrEqual(report.node(other)!.endOffsetMs!);
    expect(stopSpans.sort()).toEqual(['quiesce.stop api', 'quiesce.stop db', 'quiesce.stop worker']);
    // Every span exactly once: the ones the stops created, the container's stop spans, the backlog.
    expect(receiver.spans.sort()).toEqual([...expected, ...stopSpans].sort());
    expect(receiver.spans).toHaveLength(200 + 3 + 4 + 2 + 3 + 3);
    expect(receiver.counters.get('service.stops')).toBe(3);
    expect(receiver.logs.sort()).toEqual(expectedLogs.sort());
    expect(receiver.logs).toHaveLength(20 + 3);
    // Nothing of the SDK's is left holding the process (the receiver, in this process, closed first).
    await receiver.close();
    expect(await leftoverHandles(baseline)).toEqual({});
  });
});
