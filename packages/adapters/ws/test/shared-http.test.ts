import http from 'node:http';
import { LifecycleContainer } from '@quiesce/core';
import { FORCED_CLOSE_WARNING, httpServer } from '@quiesce/http';
import { activeHandles, leftoverHandles } from '@quiesce/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wsServer, type WebSocketService } from '../src/index.js';
import { connect, deafClient, portOf, sleep, upgradeStatus, waitFor } from './support.js';

const forcedWarnings: string[] = [];
const onWarning = (w: Error & { code?: string }): void => void (w.code === FORCED_CLOSE_WARNING && forcedWarnings.push(w.message));
beforeAll(() => void process.on('warning', onWarning));
afterAll(() => void process.off('warning', onWarning));

/** An @quiesce/http node 'http' and a ws node 'ws' on the same server instance (no edge between them: they stop in parallel). */
async function sharedApp(options: { httpStopMs: number; wsStopMs: number; drainDelayMs?: number; handlerMs?: number; onRequest?: http.RequestListener }) {
  const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000, drainDelayMs: options.drainDelayMs ?? 0 });
  const server = http.createServer(options.onRequest ?? ((_req, res) => res.end('ok')));
  app.resource('http', httpServer({ server, port: 0, stopTimeoutMs: options.httpStopMs }));
  app.resource(
    'ws',
    wsServer({
      server,
      path: '/feed',
      stopTimeoutMs: options.wsStopMs,
      onConnection: (socket, _req, service) =>
        service.onMessage(socket, async () => {
          await sleep(options.handlerMs ?? 0);
          socket.send('done');
        }),
    }),
  );
  await app.start();
  const port = portOf(app.get<http.Server>('http'));
  return { app, port, service: app.get<WebSocketService>('ws') };
}

describe('sharing an @quiesce/http server', () => {
  it('upgrades are refused (503) from the shutdown request on while HTTP is still served; the HTTP node stops without waiting for the sockets the ws node owns', async () => {
    const before = activeHandles();
    const { app, port, service } = await sharedApp({ httpStopMs: 5_000, wsStopMs: 1_500, drainDelayMs: 800 });
    expect(service.server).toBe(app.get('http'));
    const clients = await Promise.all([1, 2, 3, 4, 5].map(() => connect(port, '/feed')));
    const deaf = await deafClient(port, '/feed');

    const stopping = app.shutdown();
    // Both inside the drain delay (generous: other test files load the machine meanwhile).
    const [upgrade, body] = await Promise.all([upgradeStatus(port, '/feed'), fetch(`http://127.0.0.1:${port}/orders`).then((r) => r.text())]);
    expect(upgrade).toBe('HTTP/1.1 503 Service Unavailable');
    expect(body).toBe('ok');
    const report = await stopping;

    // http finished long before the deaf WebSocket client was cut at the ws node's 1.5 s.
    expect(report.node('http')?.status).toBe('stopped');
    // Had it waited for the sockets the ws node owns, it would end only after the ws node's cut.
    expect(report.node('http')!.endOffsetMs!).toBeLessThan(report.node('ws')!.endOffsetMs! - 200);
    expect(report.node('ws')?.status).toBe('timedOut');
    expect((await Promise.all(clients.map((c) => c.closed))).map((c) => c.code)).toEqual([1001, 1001, 1001, 1001, 1001]);
    await deaf.closed;
    await waitFor(() => service.outcome.open === 0);
    expect(service.outcome).toMatchObject({ closedCleanly: 5, terminated: 1, refusedUpgrades: 1 });
    await sleep(10);
    expect(forcedWarnings).toEqual([]);
    expect(await leftoverHandles(before)).toEqual({});
  });

  it("the HTTP node's force path leaves the WebSocket sockets to the ws node: they still get 1001 after HTTP timed out", async () => {
    const before = activeHandles();
    const hung: http.ServerResponse[] = [];
    const { app, port } = await sharedApp({ httpStopMs: 300, wsStopMs: 5_000, handlerMs: 900, onRequest: (_req, res) => void hung.push(res) });
    const clients = await Promise.all([1, 2, 3].map(() => connect(port, '/feed')));
    const request = fetch(`http://127.0.0.1:${port}/slow`).then(() => 'answered', () => 'reset');
    await waitFor(() => hung.length === 1);
    // A message handler in progress keeps the ws node's close frames back until after HTTP's timeout.
    clients[0]!.ws.send('work');
    await waitFor(() => app.inFlight('ws').active === 1);

    const report = await app.shutdown();
    expect(report.node('http')?.status).toBe('timedOut');
    expect(report.node('ws')?.status).toBe('stopped');
    expect(await request).toBe('reset');
    expect(clients[0]!.received).toEqual(['done']);
    expect((await Promise.all(clients.map((c) => c.closed))).map((c) => c.code)).toEqual([1001, 1001, 1001]);
    await sleep(10);
    expect(forcedWarnings.splice(0)).toEqual(['http: stop did not finish in time; destroyed 1 connections with a response in progress.']);
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('given the http node by token, the ws node depends on it: started after it, stopped before it', async () => {
    const before = activeHandles();
    const app = new LifecycleContainer();
    const events: string[] = [];
    app.resource('http', httpServer({ create: () => http.createServer(), port: 0 }));
    app.resource('ws', wsServer({ serverToken: 'http' }));
    app.on('started', (e) => events.push(`${e.node} started`));
    app.on('stopped', (e) => events.push(`${e.node} stopped`));
    await app.start();
    const client = await connect(portOf(app.get<http.Server>('http')));
    const report = await app.shutdown();
    expect(report.node('ws')).toMatchObject({ status: 'stopped', dependsOn: ['http'] });
    expect(events).toEqual(['http started', 'ws started', 'ws stopped', 'http stopped']);
    expect((await client.closed).code).toBe(1001);
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('an upgrade for another path is answered 404 when no other upgrade listener is there to take it', async () => {
    const before = activeHandles();
    const { app, port } = await sharedApp({ httpStopMs: 2_000, wsStopMs: 2_000 });
    expect(await upgradeStatus(port, '/elsewhere')).toBe('HTTP/1.1 404 Not Found');
    await app.shutdown();
    expect(await leftoverHandles(before)).toEqual({});
  });
});

describe('a shared server outlives its ws nodes', () => {
  it('start → shutdown → a new container on the same server → start …: each stop (clean, cut at the timeout, or its time used up by a handler) leaves no listener of ours, and each container takes its own upgrades', async () => {
    const before = activeHandles();
    const server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = portOf(server);
    const listeners = () => Object.fromEntries(server.eventNames().map((e) => [String(e), server.listenerCount(e)]));
    const initial = listeners();
    const release: Array<() => void> = [];
    try {
      for (const round of ['clean', 'deaf client cut at the timeout', 'handler outlasting the time', 'clean again'] as const) {
        const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000 });
        app.resource(
          'ws',
          wsServer({
            server,
            path: '/feed',
            stopTimeoutMs: round.startsWith('clean') ? 5_000 : 400,
            onConnection: (socket, _req, service) => service.onMessage(socket, () => new Promise<void>((r) => release.push(r))),
          }),
        );
        await app.start();
        expect(server.listenerCount('upgrade'), round).toBe(1);
        // The previous container's listener, had it stayed, would answer this upgrade 503 first.
        const client = await connect(port, '/feed');
        const deaf = round === 'deaf client cut at the timeout' ? await deafClient(port, '/feed') : undefined;
        if (round === 'handler outlasting the time') {
          client.ws.send('hold');
          await waitFor(() => app.inFlight('ws').active === 1);
        }
        const report = await app.shutdown();
        expect(report.node('ws')?.status, round).toBe(round.startsWith('clean') ? 'stopped' : 'timedOut');
        await client.closed;
        await deaf?.closed;
        expect(listeners(), round).toEqual(initial);
      }
    } finally {
      for (const r of release) r();
      await new Promise((r) => server.close(r));
    }
    expect(await leftoverHandles(before)).toEqual({});
  });
});
