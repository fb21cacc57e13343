import http from 'node:http';

export interface PacedRequest {
  kind: 'POST' | 'GET';
  /** POST: the unique item name sent; GET: the path. */
  target: string;
  startedAt: number;
  latencyMs: number;
  status?: number;
  /** A connection-level failure (reset, hang up, refused): the client never got an answer. */
  error?: string;
  /** POST answered 201: the created item's id. */
  id?: number;
}

export interface PacedLoad {
  /** Stops sending and resolves once every request in flight has its outcome. */
  stop(): Promise<PacedRequest[]>;
  /** Requests finished so far. */
  readonly done: readonly PacedRequest[];
}

/**
 * A bounded, paced keep-alive load on 127.0.0.1:`port`, like the traffic a load balancer sees:
 * `clients` connections, each sending one request every `clients / ratePerSecond` seconds (or back
 * to back when answers are slower), three POST /items to one GET /items/:id of an item it created.
 * Never more than `maxTotal` requests. Every request's outcome is kept, with its latency.
 */
export function startPacedLoad(opts: { port: number; ratePerSecond: number; clients: number; maxTotal: number; namePrefix: string }): PacedLoad {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.clients });
  const done: PacedRequest[] = [];
  const gapMs = (1_000 * opts.clients) / opts.ratePerSecond;
  let running = true;
  let sent = 0;
  const clients = Array.from({ length: opts.clients }, async (_, c) => {
    const created: number[] = [];
    for (let k = 0; running && sent < opts.maxTotal; k++) {
      sent++;
      const next = performance.now() + gapMs;
      const get = k % 4 === 3 && created.length > 0;
      const outcome = get
        ? await request(agent, opts.port, 'GET', `/items/${created[created.length - 1]}`, undefined)
        : await request(agent, opts.port, 'POST', '/items', `${opts.namePrefix}-${c}-${k}`);
      if (outcome.id !== undefined && outcome.kind === 'POST') created.push(outcome.id);
      done.push(outcome);
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  });
  return {
    done,
    async stop() {
      running = false;
      await Promise.all(clients);
      agent.destroy();
      return done;
    },
  };
}

function request(agent: http.Agent, port: number, kind: 'POST' | 'GET', path: string, name: string | undefined): Promise<PacedRequest> {
  const startedAt = performance.now();
  const body = name === undefined ? undefined : JSON.stringify({ name });
  const base = { kind, target: name ?? path, startedAt };
  const finish = (rest: Partial<PacedRequest>): PacedRequest => ({ ...base, latencyMs: performance.now() - startedAt, ...rest });
  return new Promise((resolve) => {
    const headers = body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = http.request({ host: '127.0.0.1', port, method: kind, path, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (!res.complete) return resolve(finish({ status: res.statusCode, error: 'incomplete body' }));
        let id: number | undefined;
        try {
          id = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: number }).id;
        } catch {
          // A proxy's own error page is HTML; the status says what happened.
        }
        resolve(finish({ status: res.statusCode, ...(id !== undefined && kind === 'POST' && res.statusCode === 201 ? { id } : {}) }));
      });
      res.on('error', (e: NodeJS.ErrnoException) => resolve(finish({ status: res.statusCode, error: e.code ?? e.message })));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(finish({ error: e.code ?? e.message })));
    req.end(body);
  });
}

/** A request failed at the client: no answer, or an answer other than the one a healthy service gives. */
export function failed(r: PacedRequest): boolean {
  if (r.error !== undefined || r.status === undefined) return true;
  return r.kind === 'POST' ? r.status !== 201 : r.status !== 200;
}
