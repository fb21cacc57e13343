import http from 'node:http';
import http2 from 'node:http2';
import { LifecycleContainer } from '@quiesce/core';
import { ConnectionsLostError } from '@quiesce/core/kit';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpResponsesLostError, httpServer } from '../src/index.js';
import { get, portOf, rawClient, sleep, waitFor } from './helpers.js';

/**
 * DESIGN promise 3: `stopped` means nothing the node owned was cut. A client that goes away while
 * the node stops cuts the responses begun for it: the node says so (failed, with a count), not a
 * clean `stopped`. What the force path cuts is the timeout's to report; 503s to connections
 * accepted while stopping are refusals, not accepted work.
 */
describe('httpServer: responses a vanishing client cut during the stop', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0)) await fn();
  });

  /** A server whose handler answers `/slow` after 300 ms (a 1 MiB body) and everything else at once. */
  async function started(policy?: 'bestEffort') {
    let arrived = 0;
    const server = http.createServer((req, res) => {
      arrived++;
      const delay = req.url === '/slow' ? 300 : 0;
      setTimeout(() => {
        if (res.destroyed) return;
        res.end(Buffer.alloc(1024 * 1024, 'x'));
      }, delay);
    });
    const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000 });
    app.resource('api', httpServer({ server, port: 0, stopTimeoutMs: 3_000, ...(policy ? { policy } : {}) }));
    await app.start();
    cleanup.push(() => app.shutdown());
    return { app, port: portOf(server), arrived: () => arrived };
  }

  it('two clients gone mid-stop (one by FIN, one by RST) while their requests run: the node is failed with HttpResponsesLostError counting 2; the others are answered', async () => {
    const { app, port, arrived } = await started();
    const kept = get(port, '/slow');
    const gone = await Promise.all([rawClient(port), rawClient(port)]);
    for (const c of gone) c.socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => arrived() === 3);
    const shutdown = app.shutdown();
    await sleep(50);
    gone[0]!.socket.end();
    gone[1]!.socket.resetAndDestroy();
    const report = await shutdown;

    expect((await kept).status).toBe(200);
    const row = report.node('api')!;
    expect(row.status).toBe('failed');
    expect(report.ok).toBe(false);
    expect(row.error).toMatchObject({ name: 'HttpResponsesLostError', code: 'QUIESCE_HTTP_RESPONSES_LOST' });
    expect(row.error!.message).toMatch(/^api: http server: 2 connections were lost during shutdown/);
    expect(row.error!.message).toContain('2 not begun, 0 cut partway');
  });

  it('a client that went away before the shutdown request costs nothing: the node is stopped', async () => {
    const { app, port, arrived } = await started();
    const early = await rawClient(port);
    early.socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => arrived() === 1);
    early.socket.resetAndDestroy();
    await early.closed;
    await sleep(20);
    const report = await app.shutdown();
    expect(report.node('api')).toMatchObject({ status: 'stopped' });
    expect(report.ok).toBe(true);
  });

  it("policy 'bestEffort': the same loss is a warning and the report stays ok", async () => {
    const { app, port, arrived } = await started('bestEffort');
    const gone = await rawClient(port);
    gone.socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => arrived() === 1);
    const shutdown = app.shutdown();
    await sleep(50);
    gone.socket.resetAndDestroy();
    const report = await shutdown;
    expect(report.ok).toBe(true);
    expect(report.node('api')?.status).toBe('failed');
    expect(report.warnings).toEqual([expect.stringContaining('api (best effort) failed: api: http server: 1 connection was lost during shutdown')]);
  });

  it('the error is a ConnectionsLostError carrying the node and the counts', () => {
    const error = new HttpResponsesLostError('api', 3, 1);
    expect(error).toBeInstanceOf(ConnectionsLostError);
    expect(error).toMatchObject({ node: 'api', lost: 3, unanswered: 1, code: 'QUIESCE_HTTP_RESPONSES_LOST' });
    expect(error.message).toContain('1 not begun, 2 cut partway');
  });

  it('HTTP/2: a session its client destroys mid-stop with a stream running: the node is failed, counting 1', async () => {
    let arrived = 0;
    const server = http2.createServer();
    server.on('stream', (stream) => {
      arrived++;
      setTimeout(() => {
        if (stream.destroyed) return;
        stream.respond({ ':status': 200 });
        stream.end('done');
      }, 300);
    });
    const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000 });
    app.resource('h2', httpServer({ server, port: 0, stopTimeoutMs: 3_000 }));
    await app.start();
    cleanup.push(() => app.shutdown());
    const client = http2.connect(`http://127.0.0.1:${portOf(server)}`);
    client.on('error', () => {});
    const req = client.request({ ':path': '/slow' });
    req.on('error', () => {});
    req.end();
    await waitFor(() => arrived === 1);
    const shutdown = app.shutdown();
    await sleep(50);
    client.destroy();
    const report = await shutdown;
    expect(report.node('h2')).toMatchObject({ status: 'failed', error: { code: 'QUIESCE_HTTP_RESPONSES_LOST' } });
  });
});
