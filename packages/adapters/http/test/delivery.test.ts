import http from 'node:http';
import https from 'node:https';
import { describe, expect, it } from 'vitest';
import { fixture, get, lifecycleHarness, rawBody, sleep, stalledReader, waitFor, within } from './helpers.js';

// 16 MB: several times what loopback's socket buffers hold, so most of it is still in the process at shutdown.
const BIG = Buffer.alloc(16 * 1024 * 1024, 'q');

function bigOrStream(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/big') return void res.writeHead(200, { 'content-length': BIG.length }).end(BIG);
  if (url.pathname === '/stream') {
    // Headers (keep-alive) leave now, the body ends later: the socket cannot be told to close in advance.
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first;');
    return void setTimeout(() => res.end('last'), Number(url.searchParams.get('ms') ?? 0));
  }
  res.end(`reply:${url.searchParams.get('id') ?? ''}`);
}

describe('a response whose end() was called is in flight until its bytes left the process', () => {
  const { started } = lifecycleHarness();

  it('16 MB end()ed to a client that is not reading when shutdown begins: delivered whole, and the stop waits for it', async () => {
    const server = http.createServer(bigOrStream);
    const { app, port, inFlight } = await started(server, { stopTimeoutMs: 8_000 });
    const client = await stalledReader(port, 'GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => inFlight.active === 1);
    await sleep(100); // end() has been called; the kernel buffers are full

    let settled = false;
    const shutdown = app.shutdown().finally(() => (settled = true));
    await sleep(300);
    // Node's closeIdleConnections() would have destroyed the socket here and the stop would be over.
    expect(settled).toBe(false);
    client.resume();
    const report = await shutdown;
    expect(await within(client.closed, 3_000, 'client socket closed')).toBeUndefined();

    expect(rawBody(client.received())?.length).toBe(BIG.length);
    expect(report.node('http')?.status).toBe('stopped');
    expect(report.ok).toBe(true);
  });

  it('a client that never reads: at stopTimeoutMs the socket is destroyed and the node is timedOut, never stopped', async () => {
    const server = http.createServer(bigOrStream);
    const { app, port, inFlight } = await started(server, { stopTimeoutMs: 500 });
    const client = await stalledReader(port, 'GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => inFlight.active === 1);
    await sleep(100);

    const began = performance.now();
    const report = await app.shutdown();
    const shutdownMs = performance.now() - began;
    client.resume();
    await within(client.closed, 3_000, 'client socket closed');

    expect(report.node('http')?.status).toBe('timedOut');
    expect(report.ok).toBe(false);
    expect(shutdownMs).toBeGreaterThanOrEqual(480);
    expect(rawBody(client.received())?.length ?? 0).toBeLessThan(BIG.length);
  });
});

describe('a request already written on a reused keep-alive socket is served with Connection: close, not reset', () => {
  const { started, cleanup } = lifecycleHarness();

  for (const scheme of ['http', 'https'] as const) {
    it(`${scheme}: the agent's queued request goes out on the socket as the streamed response ends during the drain`, async () => {
      const cert = fixture('cert.pem');
      const server = scheme === 'https' ? https.createServer({ key: fixture('key.pem'), cert }, bigOrStream) : http.createServer(bigOrStream);
      server.keepAliveTimeout = 10_000;
      const { app, port } = await started(server, { stopTimeoutMs: 5_000 });
      // One socket: the second request waits in the agent and is written the moment the first response ends.
      const agent = scheme === 'https' ? new https.Agent({ keepAlive: true, maxSockets: 1, ca: cert }) : new http.Agent({ keepAlive: true, maxSockets: 1 });
      cleanup.push(() => agent.destroy());
      let headers = false;
      const first = get(port, '/stream?ms=300', agent, () => (headers = true));
      await waitFor(() => headers);

      const shutdown = app.shutdown();
      const second = get(port, '/?id=next', agent);
      const [a, b] = await Promise.all([first, second]);
      const report = await shutdown;

      expect(a.body).toBe('first;last');
      expect(a.headers.connection).toBe('keep-alive');
      // The same socket (an agent's queued request is not flagged reusedSocket, so compare ports).
      expect([b.status, b.body, b.localPort, b.headers.connection]).toEqual([200, 'reply:next', a.localPort, 'close']);
      expect(report.node('http')?.status).toBe('stopped');
    });
  }
});
