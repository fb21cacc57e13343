import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { activeHandles, leftoverHandles, type HandleCounts } from '@quiesce/test-servers';
import { beforeEach, describe, expect, it } from 'vitest';
import { connectError, fixture, get, lifecycleHarness, portOf, rawClient, sleep, waitFor, within, type Reply } from './helpers.js';

const BODY = 'abcdefghij'.repeat(6_554); // ~64 KiB: a truncated body would show

/** A handler that answers after `?ms=` with `<id>:<BODY>`; `/stream` sends headers first; `/hang` never ends. */
function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const ms = Number(url.searchParams.get('ms') ?? 0);
  if (url.pathname === '/hang') return;
  if (url.pathname === '/stream') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first;');
    setTimeout(() => res.end('last'), ms);
    return;
  }
  const body = `${url.searchParams.get('id') ?? ''}:${BODY}`;
  setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) }).end(body), ms);
}

describe('httpServer graceful stop (real sockets on 127.0.0.1)', () => {
  const { started, cleanup } = lifecycleHarness();
  let baseline: HandleCounts = {};
  beforeEach(() => void (baseline = activeHandles()));
  /** After the stop and the test's own clients closed: nothing the adapter created keeps the process alive. */
  async function nothingLeft(...clients: Array<{ destroy(): void }>): Promise<void> {
    for (const client of clients) client.destroy();
    expect(await leftoverHandles(baseline)).toEqual({});
  }

  it('20 keep-alive clients mid-request at shutdown: all get 200 with full bodies and Connection: close, nothing is reset, then the port refuses', async () => {
    const server = http.createServer(handler);
    server.keepAliveTimeout = 10_000;
    const { app, port, inFlight } = await started(server);
    const agent = new http.Agent({ keepAlive: true });
    cleanup.push(() => agent.destroy());
    // Warm the pool: 23 keep-alive sockets, 20 of which get a slow request; 3 stay idle.
    const warm = await Promise.all(Array.from({ length: 23 }, (_, i) => get(port, `/?id=w${i}`, agent)));
    expect(warm.every((r) => r.status === 200 && r.headers.connection === 'keep-alive')).toBe(true);
    const K = 20;
    const replies = Array.from({ length: K }, (_, i) => get(port, `/?id=${i}&ms=${100 + ((i * 37) % 200)}`, agent));
    await waitFor(() => inFlight.active === K);

    const began = performance.now();
    const report = await app.shutdown();
    const shutdownMs = performance.now() - began;
    const settled = await Promise.allSettled(replies);

    const failures = settled.filter((s) => s.status === 'rejected');
    expect(failures).toEqual([]);
    const ok = settled.map((s) => (s as PromiseFulfilledResult<Reply>).value);
    ok.forEach((r, i) => {
      expect(r.status).toBe(200);
      expect(r.body).toBe(`${i}:${BODY}`);
      expect(r.headers.connection).toBe('close');
      expect(r.reused).toBe(true);
    });
    expect(report.node('http')?.status).toBe('stopped');
    expect(report.ok).toBe(true);
    expect(inFlight.active).toBe(0);
    // Bounded by the slowest handler (≤ 300 ms), not by keepAliveTimeout (10 s).
    expect(shutdownMs).toBeLessThan(1_500);
    expect(await connectError(port)).toBe('ECONNREFUSED');
    expect(Object.keys(agent.freeSockets)).toEqual([]);
    await nothingLeft(agent);
    console.log(`[http] ${K} in flight at shutdown → ${ok.length}×200 (Connection: close), 0 reset; shutdown ${shutdownMs.toFixed(0)} ms`);
  });

  it('closes idle keep-alive sockets and never-used connections at once instead of waiting for keepAliveTimeout', async () => {
    const server = http.createServer(handler);
    server.keepAliveTimeout = 10_000;
    const { app, port } = await started(server);
    const agent = new http.Agent({ keepAlive: true });
    cleanup.push(() => agent.destroy());
    const idle = await get(port, '/?id=idle', agent);
    const silent = await rawClient(port);
    await waitFor(() => (server as unknown as { _connections: number })._connections === 2);

    const began = performance.now();
    const report = await app.shutdown();
    const shutdownMs = performance.now() - began;

    expect(report.node('http')?.status).toBe('stopped');
    // Idle keep-alive: at once. Silent: after a 250 ms grace for a request that may be on the wire.
    expect(await within(idle.socketClosed, 100, 'idle keep-alive socket closed')).toBeGreaterThan(0);
    expect(shutdownMs).toBeLessThan(800);
    await within(silent.closed, 500, 'silent socket closed');
    await nothingLeft(agent, silent.socket);
    console.log(`[http] idle keep-alive + silent socket at shutdown → closed, shutdown ${shutdownMs.toFixed(0)} ms (keepAliveTimeout 10 s)`);
  });

  it('a socket whose response began before shutdown and ends after it is closed when that response ends', async () => {
    const server = http.createServer(handler);
    server.keepAliveTimeout = 10_000;
    const { app, port } = await started(server);
    const agent = new http.Agent({ keepAlive: true });
    cleanup.push(() => agent.destroy());
    let headersAt = 0;
    const reply = get(port, '/stream?ms=400', agent, () => (headersAt = performance.now()));
    await waitFor(() => headersAt > 0);

    const began = performance.now();
    const report = await app.shutdown();
    const shutdownMs = performance.now() - began;
    const r = await reply;

    expect(r.body).toBe('first;last');
    // Headers left before the drain began: no way to say close in them, so the adapter closes the socket itself.
    expect(r.headers.connection).toBe('keep-alive');
    expect(report.node('http')?.status).toBe('stopped');
    expect(shutdownMs).toBeGreaterThanOrEqual(300);
    expect(shutdownMs).toBeLessThan(1_500); // Node alone: ≥ keepAliveTimeout (see node-behaviour.test.ts)
    expect(await within(r.socketClosed, 1_000, 'client socket closed')).toBeGreaterThan(0);
    await nothingLeft(agent);
    console.log(`[http] streaming response across shutdown → completed, socket closed, shutdown ${shutdownMs.toFixed(0)} ms (keepAliveTimeout 10 s)`);
  });

  it('a request whose headers were still arriving at close time is served with Connection: close, and stop waits for it', async () => {
    const server = http.createServer(handler);
    const { app, port, inFlight } = await started(server);
    const client = await rawClient(port);
    client.socket.write('GET /?id=late&ms=200 HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    await sleep(30);

    const began = performance.now();
    const shutdown = app.shutdown();
    await waitFor(() => inFlight.closed);
    // A connection accepted after the stop began is refused with 503, this one (accepted before) is served.
    const late = await get(port, '/?id=new');
    expect([late.status, late.headers.connection]).toEqual([503, 'close']);
    client.socket.write('\r\n');
    const report = await shutdown;
    const shutdownMs = performance.now() - began;
    await within(client.closed, 1_000, 'late socket closed by the server');

    expect(client.data()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(client.data()).toMatch(/\r\nConnection: close\r\n/i);
    expect(client.data().endsWith(`late:${BODY}`)).toBe(true);
    expect(report.node('http')?.status).toBe('stopped');
    expect(shutdownMs).toBeGreaterThanOrEqual(190);
    await nothingLeft(client.socket);
  });

  it('pipelined requests during the stop: only the last response says Connection: close, so Node answers every one (it drops what is queued behind a close)', async () => {
    const server = http.createServer(handler);
    const { app, port, inFlight } = await started(server, { stopTimeoutMs: 2_000 });
    const client = await rawClient(port);
    client.socket.write('GET /?id=1&ms=300 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /?id=2&ms=150 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await waitFor(() => inFlight.active === 2);

    const began = performance.now();
    const report = await app.shutdown();
    const shutdownMs = performance.now() - began;
    await within(client.closed, 1_500, 'socket closed');

    expect(report.node('http')?.status).toBe('stopped');
    expect(shutdownMs).toBeLessThan(1_900); // far below stopTimeoutMs (2 s) would be the timeout path
    expect(inFlight.active).toBe(0);
    // Both answered, in order; the second (its handler ended during the stop) closes the connection.
    // (A queued response whose handler ended before the stop went out keep-alive: the socket is
    // then closed once idle, after the header grace.)
    const heads = client.data().match(/HTTP\/1\.1 \d{3} [^]*?\r\n\r\n/g) ?? [];
    expect(heads.map((head) => head.slice(0, 15))).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    expect(heads[0]).not.toMatch(/\r\nConnection: close\r\n/i);
    expect(heads[1]).toMatch(/\r\nConnection: close\r\n/i);
    expect(client.data()).toContain(`\r\n\r\n1:${BODY}`);
    expect(client.data().endsWith(`2:${BODY}`)).toBe(true);
    await nothingLeft(client.socket);
  });

  it('a handler that never ends: after stopTimeoutMs the socket is destroyed and the node reports timedOut', async () => {
    const server = http.createServer(handler);
    const { app, port, inFlight } = await started(server, { stopTimeoutMs: 300 });
    const hung = get(port, '/hang');
    const hungError = hung.then(() => undefined, (error: NodeJS.ErrnoException) => error.code);
    await waitFor(() => inFlight.active === 1);
    const serverClosed = new Promise<void>((r) => server.once('close', r));

    const began = performance.now();
    const report = await app.shutdown();
    const shutdownMs = performance.now() - began;

    expect(report.node('http')?.status).toBe('timedOut');
    expect(report.ok).toBe(false);
    expect(shutdownMs).toBeGreaterThanOrEqual(290);
    expect(shutdownMs).toBeLessThan(1_000);
    expect(await within(hungError, 500, 'client saw the reset')).toBe('ECONNRESET');
    await within(serverClosed, 500, 'server closed after the force path');
    await waitFor(() => inFlight.active === 0, 500);
    await nothingLeft();
    console.log(`[http] hung handler, stopTimeoutMs 300 → timedOut, socket destroyed, shutdown ${shutdownMs.toFixed(0)} ms`);
  });

  it('https: in-flight requests finish with Connection: close, a TLS connection with no request is closed at once', async () => {
    const cert = fixture('cert.pem');
    const server = https.createServer({ key: fixture('key.pem'), cert }, handler);
    server.keepAliveTimeout = 10_000;
    const { app, port, inFlight } = await started(server);
    const agent = new https.Agent({ keepAlive: true, ca: cert });
    cleanup.push(() => agent.destroy());
    const replies = Array.from({ length: 5 }, (_, i) => get(port, `/?id=${i}&ms=200`, agent));
    const silent = tls.connect({ host: '127.0.0.1', port, ca: cert });
    silent.on('error', () => {});
    const silentClosed = new Promise<void>((r) => silent.once('close', () => r()));
    await new Promise((r) => silent.once('secureConnect', r));
    await waitFor(() => inFlight.active === 5);

    const began = performance.now();
    const report = await app.shutdown();
    const shutdownMs = performance.now() - began;

    const ok = await Promise.all(replies);
    ok.forEach((r, i) => {
      expect(r.status).toBe(200);
      expect(r.body).toBe(`${i}:${BODY}`);
      expect(r.headers.connection).toBe('close');
    });
    expect(report.node('http')?.status).toBe('stopped');
    expect(shutdownMs).toBeLessThan(1_500);
    await within(silentClosed, 500, 'idle TLS connection closed');
    await nothingLeft(agent, silent);
  });
});
