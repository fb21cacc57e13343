import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An OTLP/HTTP receiver on 127.0.0.1 that decodes the JSON exporters' requests (the default
 * encoding of @opentelemetry/exporter-*-otlp-http), keeping every span name and metric data point.
 * `hang: true` reads requests and never answers: a collector that stopped responding.
 */
export interface Receiver {
  readonly url: string;
  readonly spans: string[];
  /** Each cumulative counter's latest total (all attribute sets), by metric name. */
  readonly counters: Map<string, number>;
  /** Requests received (answered or not). */
  requests: number;
  close(): Promise<void>;
}

interface OtlpTraces {
  resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: Array<{ name: string }> }> }>;
}
interface OtlpMetrics {
  resourceMetrics?: Array<{ scopeMetrics?: Array<{ metrics?: Array<{ name: string; sum?: { dataPoints?: Array<{ asInt?: number | string; asDouble?: number }> } }> }> }>;
}

export async function startReceiver(options: { hang?: boolean } = {}): Promise<Receiver> {
  const spans: string[] = [];
  const counters = new Map<string, number>();
  const receiver = { spans, counters, requests: 0 } as Omit<Receiver, 'url' | 'close'>;
  const server = http.createServer((req, res) => {
    receiver.requests++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (options.hang) return;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraces & OtlpMetrics;
      if (req.url === '/v1/traces') {
        for (const rs of body.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push(s.name);
      } else if (req.url === '/v1/metrics') {
        // Cumulative temporality (the default): every export carries the totals so far, so the
        // latest request's sum over its data points (one per attribute set) is the counter's value.
        const totals = new Map<string, number>();
        for (const rm of body.resourceMetrics ?? []) {
          for (const sm of rm.scopeMetrics ?? []) {
            for (const m of sm.metrics ?? []) {
              for (const p of m.sum?.dataPoints ?? []) totals.set(m.name, (totals.get(m.name) ?? 0) + Number(p.asInt ?? p.asDouble ?? 0));
            }
          }
        }
        for (const [name, total] of totals) counters.set(name, total);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
