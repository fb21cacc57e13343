import http2 from 'node:http2';
import https from 'node:https';
import { LifecycleContainer } from '@quiesce/core';
import { describe, expect, it } from 'vitest';
import { httpModule } from '../src/index.js';
import { connectError, fixture, get, lifecycleHarness, portOf, rawClient, timed, waitFor, within } from './helpers.js';

function handler(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): void {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/hang') return;
  setTimeout(() => res.end(`ok:${url.searchParams.get('id') ?? ''}:${'z'.repeat(100_000)}`), Number(url.searchParams.get('ms') ?? 0));
}

/** One request on a client session: status and whole body; rejects when the stream was reset (Node's client then ends it quietly, with an rstCode). */
function request(session: http2.ClientHttp2Session, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path });
    let status = 0;
    let body = '';
    stream.setEncoding('utf8');
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('data', (chunk: string) => (body += chunk));
    stream.on('close', () => (stream.rstCode === http2.constants.NGHTTP2_NO_ERROR ? resolve({ status, body }) : reject(new Error(`stream reset (${stream.rstCode})`))));
    stream.on('error', reject);
    stream.end();
  });
}

for (const secure of [false, true]) {
  describe(`node:http2 ${secure ? 'secure (h2)' : 'cleartext (h2c)'}`, () => {
    const { started, cleanup } = lifecycleHarness();
    const cert = fixture('cert.pem');
    const server = () => (secure ? http2.createSecureServer({ key: fixture('key.pem'), cert }, handler) : http2.createServer(handler));
    const connect = (port: number) => {
      const session = http2.connect(`${secure ? 'https' : 'http'}://127.0.0.1:${port}`, secure ? { ca: cert } : {});
      session.on('error', () => {});
      cleanup.push(() => session.destroy());
      const closed = new Promise<void>((r) => session.once('close', () => r()));
      const goaway = new Promise<void>((r) => session.once('goaway', () => r()));
      return { session, closed, goaway };
    };

    it('no sessions: the stop resolves at once', async () => {
      const { app } = await started(server());
      const [report, ms] = await timed(() => app.shutdown());
      expect(report.node('http')?.status).toBe('stopped');
      expect(ms).toBeLessThan(300);
    });

    it('streams in flight finish whole after GOAWAY; the stop resolves as soon as the last one ends; new connections refused', async () => {
      const srv = server();
      const { app, port, inFlight } = await started(srv);
      const client = connect(port);
      const replies = [1, 2, 3].map((id) => request(client.session, `/?id=${id}&ms=${200 + id * 50}`));
      await waitFor(() => inFlight.active === 3);
      const shutdown = timed(() => app.shutdown());
      await within(client.goaway, 1_000, 'GOAWAY received');
      // The listener closes a few event-loop passes after the GOAWAY, between two accepts.
      await waitFor(() => !srv.listening, 500);
      expect(await connectError(port)).toBe('ECONNREFUSED');
      const [report, ms] = await shutdown;
      const done = await Promise.all(replies);
      expect(done.map((r) => [r.status, r.body.slice(0, 5), r.body.length])).toEqual([1, 2, 3].map((id) => [200, `ok:${id}:`, 100_005]));
      expect(report.node('http')?.status).toBe('stopped');
      expect(ms).toBeGreaterThanOrEqual(300);
      expect(ms).toBeLessThan(900);
      await within(client.closed, 1_000, 'client session closed');
    });

    it('probes over HTTP/2: /readyz 200 while running, 503 during the drain delay, never counted as in-flight work', async () => {
      const app = new LifecycleContainer({ drainDelayMs: 300, shutdownTimeoutMs: 5_000 });
      app.load(httpModule({ name: 'h2', create: server, port: 0, probes: { readiness: '/readyz' } }));
      await app.start();
      const client = connect(portOf(app.get('h2')));
      const before = await request(client.session, '/readyz');
      expect([before.status, JSON.parse(before.body)]).toEqual([200, { ready: true, state: 'running' }]);
      expect(app.inFlight('h2').active).toBe(0);
      const shutdown = app.shutdown();
      const during = await request(client.session, '/readyz');
      expect(during.status).toBe(503);
      expect((await shutdown).node('h2')?.status).toBe('stopped');
    });

    it('an idle session is closed at once (Http2Server.close() alone would wait for it)', async () => {
      const { app, port } = await started(server());
      const client = connect(port);
      expect((await request(client.session, '/?id=warm')).status).toBe(200);
      const [report, ms] = await timed(() => app.shutdown());
      expect(report.node('http')?.status).toBe('stopped');
      expect(ms).toBeLessThan(400);
      await within(client.closed, 500, 'client session closed');
    });

    it('a stream that never ends: at stopTimeoutMs the session is destroyed and the node is timedOut', async () => {
      const { app, port, inFlight } = await started(server(), { stopTimeoutMs: 300 });
      const client = connect(port);
      const hung = request(client.session, '/hang').then(
        () => 'answered',
        () => 'reset',
      );
      await waitFor(() => inFlight.active === 1);
      const [report, ms] = await timed(() => app.shutdown());
      expect(report.node('http')?.status).toBe('timedOut');
      expect(ms).toBeGreaterThanOrEqual(290);
      expect(await within(hung, 1_000, 'hung stream ended')).toBe('reset');
      await waitFor(() => inFlight.active === 0, 1_000);
    });

    if (secure) {
      it('allowHTTP1: an HTTP/1.1 request in flight is counted, answered whole with Connection: close, and not cut by the grace', async () => {
        const h1 = http2.createSecureServer({ key: fixture('key.pem'), cert, allowHTTP1: true }, handler);
        const { app, port, inFlight } = await started(h1, { headerGraceMs: 100 });
        const agent = new https.Agent({ keepAlive: true, ca: cert });
        cleanup.push(() => agent.destroy());
        const reply = get(port, '/?id=h1&ms=400', agent);
        await waitFor(() => inFlight.active === 1);
        const [report, ms] = await timed(() => app.shutdown());
        const r = await reply;
        expect([r.status, r.body.slice(0, 6), r.headers.connection]).toEqual([200, 'ok:h1:', 'close']);
        expect(report.node('http')?.status).toBe('stopped');
        expect(ms).toBeGreaterThanOrEqual(350);
      });

      it('a TCP connection that never starts its TLS handshake is closed after the header grace', async () => {
        const { app, port } = await started(server(), { stopTimeoutMs: 5_000, headerGraceMs: 200 });
        const silent = await rawClient(port);
        await waitFor(() => (app.get('http') as unknown as { _connections: number })._connections === 1);
        const [report, ms] = await timed(() => app.shutdown());
        expect(report.node('http')?.status).toBe('stopped');
        expect(ms).toBeGreaterThanOrEqual(180);
        expect(ms).toBeLessThan(1_500);
        await within(silent.closed, 500, 'half-open connection closed');
      });
    }
  });
}
