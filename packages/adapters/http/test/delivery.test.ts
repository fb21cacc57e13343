import http from 'node:http';
import https from 'node:https';
import { describe, expect, it } from 'vitest';
import { fixture, lifecycleHarness, rawBody, sleep, stalledReader, waitFor, within } from './helpers.js';

// 16 MB: several times what loopback's socket buffers hold, so most of it is still in the process at shutdown.
const BIG = Buffer.alloc(16 * 1024 * 1024, 'q');

function big(_req: http.IncomingMessage, res: http.ServerResponse): void {
  res.writeHead(200, { 'content-length': BIG.length }).end(BIG);
}

describe('a response whose end() was called is in flight until its bytes left the process', () => {
  const { started } = lifecycleHarness();

  for (const scheme of ['http', 'https'] as const) {
    it(`${scheme}: 16 MB end()ed to a client that is not reading when shutdown begins: delivered whole, and the stop waits for it`, async () => {
      const ca = scheme === 'https' ? fixture('cert.pem') : undefined;
      const server = ca ? https.createServer({ key: fixture('key.pem'), cert: ca }, big) : http.createServer(big);
      const { app, port, inFlight } = await started(server, { stopTimeoutMs: 8_000 });
      const client = await stalledReader(port, 'GET /big HTTP/1.1\r\nHost: x\r\n\r\n', ca);
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
  }

  it('a client that never reads: at stopTimeoutMs the socket is destroyed and the node is timedOut, never stopped', async () => {
    const server = http.createServer(big);
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
