import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { get, portOf, rawClient, sleep, waitFor, within } from './helpers.js';

// What plain Node 20 does on server.close(), without quiesce: the reasons the adapter exists.
describe('node:http server.close() on its own (baseline, no adapter)', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => cleanup.splice(0).forEach((fn) => fn()));

  async function listen(server: http.Server): Promise<number> {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => server.closeAllConnections());
    return portOf(server);
  }

  it('closes idle keep-alive sockets at once, but keeps a socket whose response ends after close() until keepAliveTimeout, still saying keep-alive', async () => {
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      if (req.url === '/quick') return res.end('quick');
      res.write('a');
      setTimeout(() => res.end('b'), 150);
    });
    server.keepAliveTimeout = 1_500;
    const port = await listen(server);
    const agent = new http.Agent({ keepAlive: true });
    cleanup.push(() => agent.destroy());
    const idle = await get(port, '/quick', agent);
    // A raw client: an http.Agent would close the socket itself, following the Keep-Alive hint.
    const busy = await rawClient(port);
    busy.socket.write('GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await sleep(50);
    const began = performance.now();
    const closed = new Promise<number>((r) => server.close(() => r(performance.now() - began)));
    expect(await within(idle.socketClosed, 500, 'idle socket closed')).toBeGreaterThan(0);
    await waitFor(() => busy.data().endsWith('0\r\n\r\n'));
    expect(busy.data()).toMatch(/\r\nConnection: keep-alive\r\n/);
    // The busy socket is only released by the keep-alive timer, long after its response ended.
    expect(await closed).toBeGreaterThanOrEqual(1_300);
  });

  it('never closes a socket that connected but sent nothing (close() also stops the header-timeout checks)', async () => {
    const options = { headersTimeout: 300, requestTimeout: 600, connectionsCheckingInterval: 50 };
    // Control: while listening, the header timeout does close such a socket.
    const open = http.createServer(options, (_req, res) => res.end());
    const silentWhileOpen = await rawClient(await listen(open));
    cleanup.push(() => open.close());
    expect(await within(silentWhileOpen.closed, 3_000, 'header timeout')).toBeLessThan(3_000);

    const closing = http.createServer(options, (_req, res) => res.end());
    const silent = await rawClient(await listen(closing));
    await sleep(50);
    closing.close();
    await sleep(1_500);
    expect(silent.socket.destroyed).toBe(false);
    silent.socket.destroy();
  });
});
