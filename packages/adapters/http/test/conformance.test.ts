import http from 'node:http';
import https from 'node:https';
import AgentKeepAlive from 'agentkeepalive';
import { describe, expect, it } from 'vitest';
import { connectError, fixture, get, lifecycleHarness, rawClient, sleep, timed, waitFor } from './helpers.js';

/**
 * What the peers (http-terminator, stoppable, terminus) promise, as our own tests, over http and
 * https. http2 has its own file: it says GOAWAY where HTTP/1.1 says `Connection: close`.
 */
function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/hang') return;
  if (url.pathname === '/stream') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write('first;');
    return void setTimeout(() => res.end('last'), Number(url.searchParams.get('ms') ?? 0));
  }
  setTimeout(() => res.end(`ok:${url.searchParams.get('id') ?? ''}`), Number(url.searchParams.get('ms') ?? 0));
}

for (const scheme of ['http', 'https'] as const) {
  describe(`conformance (${scheme})`, () => {
    const { started, cleanup } = lifecycleHarness();
    const cert = fixture('cert.pem');
    const server = (): http.Server | https.Server =>
      scheme === 'https' ? https.createServer({ key: fixture('key.pem'), cert }, handler) : http.createServer(handler);
    const agent = (options: http.AgentOptions = {}, kind: 'http.Agent' | 'agentkeepalive' = 'http.Agent'): http.Agent => {
      const [Http, Https] = kind === 'agentkeepalive' ? [AgentKeepAlive, AgentKeepAlive.HttpsAgent] : [http.Agent, https.Agent];
      const a = scheme === 'https' ? new Https({ keepAlive: true, ca: cert, ...options }) : new Http({ keepAlive: true, ...options });
      cleanup.push(() => a.destroy());
      return a;
    };

    it('no connections: the stop resolves at once', async () => {
      const { app } = await started(server());
      const [report, ms] = await timed(() => app.shutdown());
      expect(report.node('http')?.status).toBe('stopped');
      expect(ms).toBeLessThan(300);
    });

    it('no Connection: close while not stopping', async () => {
      const { port } = await started(server());
      const a = agent();
      const [first, second] = [await get(port, '/?id=1', a), await get(port, '/?id=2', a)];
      expect([first.headers.connection, second.headers.connection]).toEqual(['keep-alive', 'keep-alive']);
      expect(second.localPort).toBe(first.localPort);
    });

    it('in-flight requests get Connection: close and their full response', async () => {
      const { app, port, inFlight } = await started(server());
      const a = agent();
      const replies = [1, 2, 3].map((id) => get(port, `/?id=${id}&ms=200`, a));
      await waitFor(() => inFlight.active === 3);
      const report = await app.shutdown();
      const done = await Promise.all(replies);
      expect(done.map((r) => [r.status, r.body, r.headers.connection])).toEqual([1, 2, 3].map((id) => [200, `ok:${id}`, 'close']));
      expect(report.node('http')?.status).toBe('stopped');
    });

    it('the stop resolves as soon as the last in-flight request ends', async () => {
      const { app, port, inFlight } = await started(server());
      const reply = get(port, '/?ms=400', agent());
      await waitFor(() => inFlight.active === 1);
      const [report, ms] = await timed(() => app.shutdown());
      expect((await reply).body).toBe('ok:');
      expect(report.node('http')?.status).toBe('stopped');
      expect(ms).toBeGreaterThanOrEqual(350);
      expect(ms).toBeLessThan(900); // not keepAliveTimeout, not the header grace on top
    });

    it('a new connection during the stop is answered 503 with Connection: close (not run, not reset); once the stop ended the port refuses', async () => {
      const { app, port, inFlight } = await started(server());
      const reply = get(port, '/?ms=300', agent());
      await waitFor(() => inFlight.active === 1);
      const shutdown = app.shutdown();
      await waitFor(() => inFlight.closed);
      // A fresh connection (no keep-alive pool): accepted while stopping.
      const late = await get(port, '/?id=late', agent({ keepAlive: false }));
      expect([late.status, late.headers.connection, late.body]).toEqual([503, 'close', expect.stringMatching(/shutting down/)]);
      expect(inFlight.active).toBe(1);
      expect((await reply).body).toBe('ok:');
      expect((await shutdown).node('http')?.status).toBe('stopped');
      expect(await connectError(port)).toBe('ECONNREFUSED');
    });

    it('a hanging request is terminated at stopTimeoutMs, and the stop says timedOut', async () => {
      const { app, port, inFlight } = await started(server(), { stopTimeoutMs: 300 });
      const hung = get(port, '/hang', agent()).then(
        () => 'answered',
        (error: NodeJS.ErrnoException) => error.code,
      );
      await waitFor(() => inFlight.active === 1);
      const [report, ms] = await timed(() => app.shutdown());
      expect(report.node('http')?.status).toBe('timedOut');
      expect(ms).toBeGreaterThanOrEqual(290);
      expect(await hung).toBe('ECONNRESET');
    });

    it('an idle keep-alive socket is closed at once, a silent connection after the header grace', async () => {
      const { app, port } = await started(server(), { headerGraceMs: 200 });
      const idle = await get(port, '/?id=idle', agent());
      const silent = await rawClient(port);
      await sleep(50);
      const [report, ms] = await timed(() => app.shutdown());
      expect(report.node('http')?.status).toBe('stopped');
      expect(await idle.socketClosed).toBeGreaterThan(0);
      expect(ms).toBeGreaterThanOrEqual(180);
      expect(ms).toBeLessThan(900);
      expect(silent.socket.destroyed || (await silent.closed) > 0).toBe(true);
    });

    for (const kind of ['http.Agent', 'agentkeepalive'] as const) {
      it(`${kind}: the keep-alive request already written on a reused socket is served with Connection: close`, async () => {
        const { app, port } = await started(server());
        const a = agent({ maxSockets: 1 }, kind);
        let headers = false;
        const first = get(port, '/stream?ms=200', a, () => (headers = true));
        await waitFor(() => headers);
        const shutdown = app.shutdown();
        const second = await get(port, '/?id=next', a);
        expect([second.status, second.body, second.headers.connection, second.localPort]).toEqual([200, 'ok:next', 'close', (await first).localPort]);
        expect((await shutdown).node('http')?.status).toBe('stopped');
      });
    }
  });
}
