import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An OTLP/HTTP receiver on 127.0.0.1 that decodes the JSON exporters' requests (the default
 * encoding of @opentelemetry/exporter-*-otlp-http), keeping every span name, metric data point and
 * log record body. `hang: true` reads requests and never answers: a collector that stopped
 * responding. `status: { metrics: 400 }` answers that signal's requests with that status (and
 * keeps nothing of them): a collector that refuses them.
 */
export type Signal = 'traces' | 'metrics' | 'logs';

export interface ReceiverOptions {
  hang?: boolean;
  status?: Partial<Record<Signal, number>>;
}

export interface Receiver {
  readonly url: string;
  readonly spans: string[];
  readonly logs: string[];
  /** Each cumulative counter's latest total (all attribute sets), by metric name. */
  readonly counters: Map<string, number>;
  /** Requests received (answered or not). */
  requests: number;
  /** Requests received, by path (`/v1/metrics` …). */
  readonly paths: string[];
  close(): Promise<void>;
}

interface OtlpTraces {
  resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: Array<{ name: string }> }> }>;
}
interface OtlpLogs {
  resourceLogs?: Array<{ scopeLogs?: Array<{ logRecords?: Array<{ body?: { stringValue?: string } }> }> }>;
}
interface OtlpMetrics {
  resourceMetrics?: Array<{ scopeMetrics?: Array<{ metrics?: Array<{ name: string; sum?: { dataPoints?: Array<{ asInt?: number | string; asDouble?: number }> } }> }> }>;
}

export async function startReceiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const spans: string[] = [];
  const logs: string[] = [];
  const counters = new Map<string, number>();
  const receiver = { spans, logs, counters, requests: 0, paths: [] as string[] } as Omit<Receiver, 'url' | 'close'>;
  const server = http.createServer((req, res) => {
    receiver.requests++;
    receiver.paths.push(req.url ?? '');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (options.hang) return;
      const refused = options.status?.[(req.url ?? '').replace(/^\/v1\//, '') as Signal];
      if (refused !== undefined) {
        res.writeHead(refused, { 'content-type': 'text/plain' }).end(`refused by the test collector (${req.url})`);
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraces & OtlpMetrics & OtlpLogs;
      if (req.url === '/v1/logs') {
        for (const rl of body.resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) for (const l of sl.logRecords ?? []) logs.push(l.body?.stringValue ?? '');
      } else if (req.url === '/v1/traces') {
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
  let closed: Promise<void> | undefined;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}`,
    // Idempotent: a test closes it before checking for leftover handles, afterEach again.
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })),
  });
}
