import http from 'node:http';
import net from 'node:net';
import { InvalidOptionsError, LifecycleContainer, StartError } from '@quiesce/core';
import { AdapterError, AdapterMisuseError } from '@quiesce/core/kit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  HttpListenError,
  httpModule,
  HttpNotAServerError,
  httpServer,
  HttpServerAlreadyListeningError,
  HttpServerAlreadyStartedError,
  livenessHandler,
  readinessHandler,
} from '../src/index.js';
import { connectError, get, portOf, sleep } from './helpers.js';

describe('readiness, liveness and the drain delay', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0)) await fn();
  });

  it('during drainDelayMs: normal requests still 200, /readyz 503, /livez 200; the listener closes only after the delay', async () => {
    const app = new LifecycleContainer({ drainDelayMs: 600, shutdownTimeoutMs: 5_000 });
    app.load(httpModule({ name: 'api', create: () => http.createServer(), port: 0, probes: { readiness: '/readyz', liveness: '/livez' } }));
    await app.start();
    const server = app.get<http.Server>('api');
    // A request listener added after start (the core README's pattern): tracked, and never sees probe paths.
    const seen: string[] = [];
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      seen.push(req.url ?? '');
      res.end('work');
    });
    const port = portOf(server);
    const before = await get(port, '/readyz');
    expect(before.status).toBe(200);
    expect(JSON.parse(before.body)).toEqual({ ready: true, state: 'running' });
    expect((await get(port, '/livez')).status).toBe(200);

    const began = performance.now();
    const shutdown = app.shutdown();
    cleanup.push(() => shutdown);
    await sleep(100);
    const work = await get(port, '/work');
    expect([work.status, work.body]).toEqual([200, 'work']);
    // Still serving during the delay, but no socket is kept alive: none is left idle when the listener closes.
    expect(work.headers.connection).toBe('close');
    const ready = await get(port, '/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toEqual({ ready: false, state: 'draining' });
    expect((await get(port, '/livez')).status).toBe(200);

    let refusedAt = 0;
    while (refusedAt === 0 && performance.now() - began < 3_000) {
      if ((await connectError(port)) === 'ECONNREFUSED') refusedAt = performance.now() - began;
      else await sleep(20);
    }
    const report = await shutdown;
    expect(refusedAt).toBeGreaterThanOrEqual(580);
    expect(refusedAt).toBeLessThan(1_500);
    expect(report.node('api')?.status).toBe('stopped');
    expect(seen).toEqual(['/work']);
    console.log(`[http] drainDelayMs 600: served 200 + readyz 503 during the delay; listener closed at ${refusedAt.toFixed(0)} ms`);
  });

  it('a probe path matches with a query string, never as a prefix: /readyz?verbose is the probe, /readyzz and /readyz/x are the app', async () => {
    const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000 });
    app.load(httpModule({ name: 'api', create: () => http.createServer(), port: 0, probes: { readiness: '/readyz', liveness: '/livez' } }));
    await app.start();
    cleanup.push(() => app.shutdown());
    const server = app.get<http.Server>('api');
    const seen: string[] = [];
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      seen.push(req.url ?? '');
      res.end('app');
    });
    const port = portOf(server);
    const probed = await get(port, '/readyz?verbose=1');
    expect(JSON.parse(probed.body)).toEqual({ ready: true, state: 'running' });
    expect(JSON.parse((await get(port, '/livez?')).body)).toEqual({ live: true, state: 'running' });
    for (const path of ['/readyzz', '/readyz/x', '/live', '/']) expect((await get(port, path)).body).toBe('app');
    expect(seen).toEqual(['/readyzz', '/readyz/x', '/live', '/']);
  });

  it('readinessHandler / livenessHandler work as plain request listeners (a separate management port, an express route)', async () => {
    const app = new LifecycleContainer();
    app.resource('http', httpServer({ server: http.createServer((_req, res) => res.end('app')), port: 0 }));
    const ready = readinessHandler(app);
    const live = livenessHandler(() => app.health());
    const management = http.createServer((req, res) => (req.url === '/ready' ? ready(req, res) : live(req, res)));
    await new Promise<void>((r) => management.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => management.close(r)));
    const port = portOf(management);
    expect((await get(port, '/ready')).status).toBe(503); // not started yet
    await app.start();
    expect((await get(port, '/ready')).status).toBe(200);
    expect((await get(port, '/live')).status).toBe(200);
    await app.shutdown();
    const after = await get(port, '/ready');
    expect([after.status, JSON.parse(after.body)]).toEqual([503, { ready: false, state: 'stopped' }]);
    expect((await get(port, '/live')).status).toBe(503);
  });
});

describe('start errors and option validation', () => {
  it('EADDRINUSE: start() rejects with StartError naming the node and the address', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    try {
      const port = portOf(blocker);
      const app = new LifecycleContainer();
      app.resource('api', httpServer({ server: http.createServer(), port, name: 'public-api' }));
      const error = await app.start().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(StartError);
      expect((error as StartError).node).toBe('public-api');
      expect((error as StartError).message).toContain('EADDRINUSE');
      expect((error as StartError).message).toContain(`public-api: cannot listen on 127.0.0.1:${port}`);
      const cause = (error as StartError).cause;
      expect(cause).toBeInstanceOf(HttpListenError);
      expect(cause).toMatchObject({ node: 'public-api', code: 'QUIESCE_HTTP_LISTEN_FAILED', host: '127.0.0.1', port, cause: { code: 'EADDRINUSE' } });
    } finally {
      blocker.close();
    }
  });

  it('two servers on taken ports: each HttpListenError names its own node (message and error.node)', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    try {
      const port = portOf(blocker);
      for (const node of ['public-api', 'admin-api']) {
        const app = new LifecycleContainer();
        app.resource(node, httpServer({ create: () => http.createServer(), port }));
        const error = await app.start().then(() => undefined, (e: unknown) => e);
        expect(error).toMatchObject({ node });
        const cause = (error as StartError).cause as HttpListenError;
        expect(cause).toBeInstanceOf(HttpListenError);
        expect(cause).toBeInstanceOf(AdapterError);
        expect(cause.node).toBe(node);
        expect(cause.message).toMatch(new RegExp(`^${node}: cannot listen on 127\\.0\\.0\\.1:${port}: listen EADDRINUSE`));
      }
    } finally {
      blocker.close();
    }
  });

  it('a server that is already listening is refused at start, naming the node', async () => {
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const app = new LifecycleContainer();
      app.resource('http', httpServer({ server, port: 0 }));
      const error = (await app.start().then(() => undefined, (e: unknown) => e)) as StartError;
      expect(error.message).toMatch(/^Start failed at "http": http: the server is already listening on 127\.0\.0\.1:\d+; pass it unstarted/);
      expect(error.cause).toBeInstanceOf(HttpServerAlreadyListeningError);
      expect(error.cause).toBeInstanceOf(AdapterMisuseError);
      expect(error.cause).toMatchObject({ node: 'http', code: 'QUIESCE_HTTP_ALREADY_LISTENING', address: `127.0.0.1:${portOf(server)}` });
    } finally {
      server.close();
    }
  });

  it('create() returning something else fails start, naming the node', async () => {
    const app = new LifecycleContainer();
    app.resource('http', httpServer({ create: () => net.createServer() as never, port: 0 }));
    const error = (await app.start().then(() => undefined, (e: unknown) => e)) as StartError;
    expect(error.message).toMatch(/^Start failed at "http": http: create\(\) returned a Server; return an http.Server, https.Server or http2 server from it/);
    expect(error.cause).toBeInstanceOf(HttpNotAServerError);
    expect(error.cause).toBeInstanceOf(AdapterMisuseError);
    expect(error.cause).toMatchObject({ node: 'http', code: 'QUIESCE_HTTP_NOT_A_SERVER' });
  });

  it('a server started once already (the definition reused by a second container) is refused, naming the node', async () => {
    const definition = httpServer({ server: http.createServer(), port: 0, name: 'web' });
    const first = new LifecycleContainer();
    first.resource('http', definition);
    await first.start();
    await first.shutdown();
    const second = new LifecycleContainer();
    second.resource('http', definition);
    const error = (await second.start().then(() => undefined, (e: unknown) => e)) as StartError;
    expect(error).toBeInstanceOf(StartError);
    expect(error.message).toMatch(/^Start failed at "web": web: this server was already started once; create a new server for a new container/);
    expect(error.cause).toBeInstanceOf(HttpServerAlreadyStartedError);
    expect(error.cause).toBeInstanceOf(AdapterMisuseError);
    expect(error.cause).toMatchObject({ node: 'web', code: 'QUIESCE_HTTP_ALREADY_STARTED' });
  });

  it.each([
    [{ port: 70_000, create: () => http.createServer() }, 'port'],
    [{ port: '80', create: () => http.createServer() }, 'port'],
    [{ port: 0 }, 'server: give `server` (an http, https or http2 server) or `create`'],
    [{ port: 0, server: http.createServer(), create: () => http.createServer() }, 'create: cannot be combined with `server`: give exactly one of them'],
    [{ port: 0, server: {} }, 'server: expected an http.Server, https.Server or http2 server'],
    [{ port: 0, server: http.createServer(), probes: { readiness: 'readyz', health: () => ({}) } }, 'probes.readiness'],
    [{ port: 0, server: http.createServer(), probes: { readiness: '/readyz' } }, 'probes.health'],
    [{ port: 0, server: http.createServer(), drainDelayMs: 500 }, 'drainDelayMs: set drainDelayMs on the LifecycleContainer'],
    [{ port: 0, server: http.createServer(), stopTimeoutMs: -1 }, 'stopTimeoutMs'],
    [{ port: 0, server: http.createServer(), prot: 80 }, 'prot'],
    [{ port: 0, server: http.createServer(), headerGraceMs: -5 }, 'headerGraceMs'],
  ])('bad options %# → InvalidOptionsError naming %s', (options, field) => {
    const error = (() => {
      try {
        httpServer(options as never);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as Error).message).toContain(field);
  });

  it('httpModule validates when it is created and fills in probes.health from the container', () => {
    expect(() => httpModule({ port: -1, create: () => http.createServer() })).toThrow(/Invalid options for httpServer\(http\): port/);
    expect(() => httpModule({ port: 0, create: () => http.createServer(), probes: { readiness: '/readyz' } })).not.toThrow();
  });
});
