import { context, trace, type Span } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { LifecycleContainer } from '@quiesce/core';

/**
 * A tracer, a meter and a logger provider exporting over real OTLP/HTTP to `url`, none registered
 * globally (tests stay independent). The batch delays and export interval are a minute: nothing
 * leaves before shutdown unless the shutdown itself flushes it.
 */
export function telemetry(url: string, exporterTimeoutMs = 10_000) {
  const tracerProvider = tracing(url, exporterTimeoutMs);
  const meterProvider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${url}/v1/metrics`, timeoutMillis: exporterTimeoutMs }), exportIntervalMillis: 60_000, exportTimeoutMillis: exporterTimeoutMs })],
  });
  // sdk-logs 0.2xx: one options object, the exporter in it (not the trace processors' two arguments).
  const loggerProvider = new LoggerProvider({
    processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${url}/v1/logs`, timeoutMillis: exporterTimeoutMs }), scheduledDelayMillis: 60_000, exportTimeoutMillis: exporterTimeoutMs })],
  });
  return {
    tracerProvider,
    meterProvider,
    loggerProvider,
    tracer: tracerProvider.getTracer('quiesce-otel-test'),
    meter: meterProvider.getMeter('quiesce-otel-test'),
    logger: loggerProvider.getLogger('quiesce-otel-test'),
  };
}

/** The tracer provider of `telemetry` alone: its batch waits a minute, so only a flush sends spans. */
export function tracing(url: string, exporterTimeoutMs = 10_000): NodeTracerProvider {
  return new NodeTracerProvider({
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${url}/v1/traces`, timeoutMillis: exporterTimeoutMs }), { scheduledDelayMillis: 60_000, exportTimeoutMillis: exporterTimeoutMs })],
  });
}

/**
 * A span per node stop of every node but `except` (the telemetry node itself: its span could only
 * end after its own shutdown), from the container's own events: spans of the shutdown itself.
 */
export function traceStops(app: LifecycleContainer, tracer: ReturnType<typeof telemetry>['tracer'], except: string): string[] {
  const names: string[] = [];
  const open = new Map<string, Span>();
  app.on('stopping', (e) => {
    if (e.node === except) return;
    open.set(e.node, tracer.startSpan(`quiesce.stop ${e.node}`));
  });
  const end = (e: { node: string }) => {
    const span = open.get(e.node);
    if (!span) return;
    open.delete(e.node);
    span.end();
    names.push(`quiesce.stop ${e.node}`);
  };
  app.on('stopped', end);
  app.on('failed', end);
  app.on('timedOut', end);
  return names;
}

/** A child span of `parent`, ended after `ms` (explicit context: no global context manager). */
export async function childSpan(tracer: ReturnType<typeof telemetry>['tracer'], parent: Span, name: string, ms: number): Promise<string> {
  const span = tracer.startSpan(name, {}, trace.setSpan(context.active(), parent));
  await new Promise((r) => setTimeout(r, ms));
  span.end();
  return name;
}
