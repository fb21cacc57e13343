import http from 'node:http';
import { LifecycleContainer, QuiesceError, StartError, type HookContext } from '@quiesce/core';
import { activeHandles, invalidOptions, leftoverHandles } from '@quiesce/test-servers';
import { describe, expect, it } from 'vitest';
import { WsForeignServiceError, WsMisuseError, WsNotAServerError, wsModule, wsServer, type WebSocketService } from '../src/index.js';
import { connect, memoryLogger, portOf } from './support.js';

describe('options', () => {
  it('names the offending field', () => {
    const fields = (fn: () => unknown) => invalidOptions(fn).issues.map((i) => i.field);
    expect(invalidOptions(() => wsServer({})).message).toMatch(/^Invalid options for wsServer: port: give `port` \(own server\), `server` \(an http.Server to share\) or `serverToken` \(the node of one\)/);
    expect(fields(() => wsServer({ port: 0, serverToken: 'http' }))).toEqual(['serverToken']);
    expect(fields(() => wsServer({ server: http.createServer(), serverToken: 'http' }))).toEqual(['serverToken']);
    expect(fields(() => wsServer({ server: 'http' as never }))).toEqual(['server']);
    expect(fields(() => wsServer({ port: 70_000 }))).toEqual(['port']);
    expect(fields(() => wsServer({ serverToken: 42 as never }))).toEqual(['serverToken']);
    // #27: the 0.x name is refused saying the new ones, not ignored (a strict schema would only say "Unrecognized key").
    expect(invalidOptions(() => wsServer({ httpServer: 'http' } as never)).issues).toContainEqual({ field: 'httpServer', message: '`httpServer` was renamed to `server` (an instance) or `serverToken` in 0.x' });
    expect(invalidOptions(() => wsModule({ httpServer: http.createServer() } as never)).issues).toContainEqual({ field: 'httpServer', message: expect.stringMatching(/^`httpServer` was renamed to `server`/) });
    expect(fields(() => wsServer({ port: 0, path: 'feed' }))).toEqual(['path']);
    expect(fields(() => wsServer({ port: 0, closeCode: 1006 }))).toEqual(['closeCode']);
    expect(fields(() => wsServer({ port: 0, closeReason: 'x'.repeat(124) }))).toEqual(['closeReason']);
    expect(fields(() => wsServer({ port: 0, ws: { port: 8080 } as never }))).toEqual(['ws']);
    expect(fields(() => wsServer({ port: 0, onConnection: 'nope' as never }))).toEqual(['onConnection']);
    expect(fields(() => wsServer({ port: 0, logger: console.log as never }))).toEqual(['logger']);
    expect(fields(() => wsServer({ port: 0, stopTimeoutMs: 0 }))).toEqual(['stopTimeoutMs']);
    expect(invalidOptions(() => wsServer({ port: 0, closeTimeout: 5 } as never)).message).toContain('closeTimeout');
    expect(invalidOptions(() => wsModule({ port: 0, token: 42 as never })).message).toMatch(/^Invalid options for wsModule: token: /);
    expect(invalidOptions(() => wsModule({})).message).toMatch(/^Invalid options for wsModule: port: /);
  });

  it('a port that is taken fails start(), naming the node', async () => {
    const before = activeHandles();
    const blocker = http.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const app = new LifecycleContainer();
    app.resource('feed', wsServer({ port: portOf(blocker) }));
    const error = await app.start().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(StartError);
    expect((error as Error).message).toMatch(/^Start failed at "feed": cannot listen on 127\.0\.0\.1:\d+: listen EADDRINUSE/);
    await new Promise((r) => blocker.close(r));
    // The failed listen left no server handle of the adapter's behind (the test's own blocker is closed).
    expect(await leftoverHandles(before)).toEqual({});
  });
});

describe('close codes (RFC 6455 §7.4 and the IANA registry)', () => {
  it('every code a server may send in a close frame is accepted; reserved ones (1004–1006, 1015) and codes outside the ranges are refused, naming the field', () => {
    const mayBeSent = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
    const refusedOf = (codes: number[]) =>
      codes.filter((closeCode) => {
        try {
          wsServer({ port: 0, closeCode });
          return false;
        } catch {
          return true;
        }
      });
    expect(refusedOf(mayBeSent)).toEqual([]);
    const mustNot = [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65_535, 1001.5];
    expect(refusedOf(mustNot)).toEqual(mustNot);
    for (const closeCode of mustNot) {
      const failure = invalidOptions(() => wsServer({ port: 0, closeCode }));
      expect(failure.issues.map((i) => i.field)).toEqual(['closeCode']);
    }
    expect(invalidOptions(() => wsServer({ port: 0, closeCode: 1015 })).message).toMatch(/^Invalid options for wsServer: closeCode: expected a close code a server may send: 1000–1003, 1007–1014 or 3000–4999 \(1004–1006 and 1015 are reserved/);
  });

  it('1012 "Service Restart" goes out in the close frame', async () => {
    const before = activeHandles();
    const app = new LifecycleContainer();
    app.resource('ws', wsServer({ port: 0, closeCode: 1012, closeReason: 'Service Restart' }));
    await app.start();
    const client = await connect(portOf(app.get<WebSocketService>('ws').server));
    const report = await app.shutdown();
    expect(report.node('ws')?.status).toBe('stopped');
    expect(await client.closed).toEqual({ code: 1012, reason: 'Service Restart' });
    expect(await leftoverHandles(before)).toEqual({});
  });
});

describe('misuse: typed errors with stable codes, naming the node', () => {
  it('a shared server token that resolves to something else; a start hook handed a value that is not ours', async () => {
    const before = activeHandles();
    const app = new LifecycleContainer();
    app.value('shared', { not: 'a server' });
    app.resource('feed', wsServer({ name: 'feed', serverToken: 'shared' }));
    const error = await app.start().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(StartError);
    const cause = (error as StartError).cause;
    expect(cause).toBeInstanceOf(WsNotAServerError);
    expect(cause).toBeInstanceOf(WsMisuseError);
    expect(cause).toBeInstanceOf(QuiesceError);
    expect(cause).toMatchObject({ name: 'WsNotAServerError', code: 'QUIESCE_WS_NOT_A_SERVER', node: 'feed', message: 'feed: serverToken shared resolved to a plain object; bind an http.Server or https.Server under it (the value of an @quiesce/http node)', fix: 'bind an http.Server or https.Server under it (the value of an @quiesce/http node)' });

    const definition = wsServer({ port: 0 });
    let foreign: unknown;
    try {
      await definition.start!({} as WebSocketService, { name: 'feed' } as HookContext);
    } catch (e) {
      foreign = e;
    }
    expect(foreign).toBeInstanceOf(WsForeignServiceError);
    expect(foreign).toMatchObject({ code: 'QUIESCE_WS_FOREIGN_SERVICE', node: 'feed', message: 'feed: the start hook was handed a value this wsServer definition did not create; use one definition per node; its value is the WebSocketService it created' });
    expect(await leftoverHandles(before)).toEqual({});
  });
});

describe('wsModule', () => {
  it('binds the service under its name, on the server of an http node given by token, and logs to the container logger', async () => {
    const before = activeHandles();
    const logger = memoryLogger();
    const server = http.createServer();
    const app = new LifecycleContainer({ logger });
    app.value('shared', server);
    app.load(wsModule({ name: 'feed', serverToken: 'shared', onConnection: (socket) => socket.send('hello') }));
    await app.start();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client = await connect(portOf(server));
    const service = app.get<WebSocketService>('feed');
    expect(service.server).toBe(server);
    expect(service.wss.clients.size).toBe(1);
    const report = await app.shutdown();
    expect(report.node('feed')?.status).toBe('stopped');
    expect((await client.closed).code).toBe(1001);
    expect(client.received).toEqual(['hello']);
    expect(logger.lines.map((l) => l.msg)).toContain('feed: 1 client closed cleanly');
    // The shared server is the test's own: once it is closed, nothing of the ws node's is left.
    await new Promise((r) => server.close(r));
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('a token that resolves to something other than an http server is refused when the node is created', async () => {
    const before = activeHandles();
    const app = new LifecycleContainer();
    app.value('shared', { not: 'a server' });
    app.load(wsModule({ serverToken: 'shared' }));
    await expect(app.start()).rejects.toThrow(/serverToken shared resolved to a plain object; bind an http\.Server/);
    expect(await leftoverHandles(before)).toEqual({});
  });
});
