import http from 'node:http';

export interface RequestOutcome {
  status?: number;
  /** The body arrived whole (its length matched content-length and it parsed). */
  complete: boolean;
  error?: string;
  id?: number;
}

export interface LoadResult {
  outcomes: RequestOutcome[];
  /** Requests that got a response (the server accepted them). */
  accepted: number;
  ok2xx: number;
  /** Accepted but not 2xx, excluding the readiness 503 (which the load never asks for). */
  failedStatus: number;
  /** Connection-level failures of requests the server may have been processing: resets, hang ups. */
  resets: number;
  /** Refused: the connection (the listener was closed) or the request (503 from a stopping server, not processed). */
  refused: number;
  createdIds: number[];
  /** Error codes seen, for the record. */
  errors: Record<string, number>;
}

/**
 * A bounded loopback load: `clients` keep-alive clients, each sending POST /items back to back
 * until `durationMs` passes, `maxPerClient` is reached, or its connection is refused. Like a load
 * balancer, it polls the readiness endpoint every 50 ms and sends no new request once the
 * service says it is not ready (Kubernetes removes the endpoint; the drain delay covers that lag).
 */
export async function runLoad(port: number, clients: number, durationMs: number, maxPerClient = 10_000): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const until = performance.now() + durationMs;
  const outcomes: RequestOutcome[] = [];
  let routed = true;
  const poller = setInterval(() => {
    http
      .get({ host: '127.0.0.1', port, path: '/readyz', agent: false }, (res) => {
        if (res.statusCode !== 200) routed = false;
        res.resume();
      })
      .on('error', () => (routed = false));
  }, 50);
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let k = 0; k < maxPerClient && performance.now() < until && routed; k++) {
        const outcome = await post(agent, port, `load-${c}-${k}`);
        outcomes.push(outcome);
        if (outcome.error === 'ECONNREFUSED' || outcome.error === 'REFUSED_503') break;
      }
    }),
  );
  clearInterval(poller);
  agent.destroy();
  const accepted = outcomes.filter((o) => o.status !== undefined);
  return {
    outcomes,
    accepted: accepted.length,
    ok2xx: accepted.filter((o) => o.status! >= 200 && o.status! < 300 && o.complete).length,
    failedStatus: accepted.filter((o) => o.status! < 200 || o.status! >= 300).length,
    resets: outcomes.filter((o) => o.error !== undefined && !REFUSALS.has(o.error)).length,
    refused: outcomes.filter((o) => o.error !== undefined && REFUSALS.has(o.error)).length,
    createdIds: accepted.flatMap((o) => (o.id === undefined ? [] : [o.id])),
    errors: outcomes.reduce<Record<string, number>>((acc, o) => (o.error ? { ...acc, [o.error]: (acc[o.error] ?? 0) + 1 } : acc), {}),
  };
}

/** Outcomes where the server did nothing with the request: safe to retry elsewhere. */
const REFUSALS = new Set(['ECONNREFUSED', 'REFUSED_503']);

function post(agent: http.Agent, port: number, name: string): Promise<RequestOutcome> {
  const body = JSON.stringify({ name });
  return new Promise((resolve) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: '/items', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          // @quiesce/http's answer to a connection accepted while stopping: not processed, safe to
          // retry elsewhere — a refusal, like a refused connect, not a failed request.
          if (res.statusCode === 503 && res.headers.connection === 'close' && text.startsWith('Service Unavailable: this server is shutting down')) {
            return resolve({ complete: false, error: 'REFUSED_503' });
          }
          const lengthOk = res.headers['content-length'] === undefined || Number(res.headers['content-length']) === Buffer.byteLength(text);
          let id: number | undefined;
          try {
            id = (JSON.parse(text) as { id?: number }).id;
          } catch {
            return resolve({ status: res.statusCode, complete: false });
          }
          resolve({ status: res.statusCode, complete: lengthOk && res.complete, ...(id !== undefined ? { id } : {}) });
        });
        res.on('error', (e: NodeJS.ErrnoException) => resolve({ status: res.statusCode, complete: false, error: e.code ?? e.message }));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ complete: false, error: e.code ?? e.message }));
    req.end(body);
  });
}
