import http from 'node:http';
import { LifecycleContainer } from '@quiesce/core';
import { describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { FORCED_CLOSE_WARNING, httpServer } from '../src/index.js';
import { timed, warningsWithCode, within } from './helpers.js';

/** A WebSocket client connected to the server; resolves its close code when it closes. */
async function connected(server: http.Server): Promise<{ closed: Promise<number> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as { port: number }).port}`);
  ws.on('error', () => {});
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  return { closed };
}

describe('upgraded (WebSocket) connections', () => {
  const warnings = warningsWithCode(FORCED_CLOSE_WARNING);

  it('left open: the stop waits for them until stopTimeoutMs, then destroys them, says timedOut and warns how many were upgraded', async () => {
    const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000 });
    app.resource('http', httpServer({ create: () => http.createServer(), port: 0, stopTimeoutMs: 300 }));
    await app.start();
    const server = app.get<http.Server>('http');
    const wss = new WebSocketServer({ server });
    const clients = [await connected(server), await connected(server)];

    const [report, ms] = await timed(() => app.shutdown());
    expect(report.node('http')?.status).toBe('timedOut');
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(await within(Promise.all(clients.map((c) => c.closed)), 1_000, 'clients closed')).toEqual([1006, 1006]);
    const found = await warnings.take();
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^http: stop did not finish in time; destroyed 2 upgraded connections\. Close upgraded connections in a resource that dependsOn this server/);
    wss.close();
  });

  it('closed by their own resource (dependsOn the server, so it stops first): the server stops cleanly, clients get 1001', async () => {
    const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000 });
    app.resource('http', httpServer({ create: () => http.createServer(), port: 0, stopTimeoutMs: 2_000 }));
    app.resource('ws', {
      create: ({ get }) => new WebSocketServer({ server: get<http.Server>('http') }),
      // ws 8: close() no longer closes existing connections; each client needs its own close.
      stop: (wss: WebSocketServer) => {
        for (const client of wss.clients) client.close(1001, 'server going away');
        return new Promise<void>((r) => wss.close(() => r()));
      },
      dependsOn: ['http'],
    });
    await app.start();
    const client = await connected(app.get<http.Server>('http'));

    const [report, ms] = await timed(() => app.shutdown());
    expect(report.ok).toBe(true);
    expect(report.node('http')?.status).toBe('stopped');
    expect(ms).toBeLessThan(1_000);
    expect(await client.closed).toBe(1001);
    expect(await warnings.take()).toEqual([]);
  });
});
