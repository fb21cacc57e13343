import { LifecycleContainer } from '@quiesce/core';
import type { RawData } from 'ws';
import { activeHandles, leftoverHandles } from '@quiesce/test-servers';
import { afterEach, describe, expect, it } from 'vitest';
import { wsServer, type WebSocketService } from '../src/index.js';
import { connect, connectMany, deafClient, memoryLogger, portOf, sleep, timed, upgradeStatus, waitFor } from './support.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

/** A container with one WebSocket server on its own port whose handler answers after `handlerMs`. */
async function started(options: { stopTimeoutMs: number; handlerMs?: number; drainDelayMs?: number }) {
  const logger = memoryLogger();
  const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000, drainDelayMs: options.drainDelayMs ?? 0 });
  app.resource(
    'ws',
    wsServer({
      port: 0,
      stopTimeoutMs: options.stopTimeoutMs,
      logger,
      onConnection: (socket, _req, service) =>
        service.onMessage(socket, async (data) => {
          await sleep(options.handlerMs ?? 0);
          socket.send(`done:${String(data)}`);
        }),
    }),
  );
  await app.start();
  cleanup.push(() => app.shutdown());
  const service = app.get<WebSocketService>('ws');
  return { app, service, logger, port: portOf(service.server) };
}

describe('stop: close frames, handshakes, handlers', () => {
  // Client and server share this process's event loop: 990 close handshakes take ~1 s here, under load.
  it('1,000 clients: every one that answers closes with 1001 after the replies of its messages in progress; the deaf ones are terminated at the timeout and counted', async () => {
    const before = activeHandles();
    const { app, service, logger, port } = await started({ stopTimeoutMs: 3_000, handlerMs: 300 });
    const clients = await connectMany(port, 990);
    const deaf = await Promise.all(Array.from({ length: 10 }, () => deafClient(port)));
    const busy = clients.slice(0, 20);
    busy.forEach((c, i) => c.ws.send(`m${i}`));
    await waitFor(() => app.inFlight('ws').active === 20);

    // What the report would say once only the deaf ones are left.
    const pendingMidStop = waitFor(() => service.outcome.closedCleanly === 990, 10_000).then(() => service.pending());
    const [report, ms] = await timed(() => app.shutdown());

    expect(report.node('ws')?.status).toBe('timedOut');
    expect(ms).toBeGreaterThanOrEqual(2_950);
    expect(ms).toBeLessThan(6_000);
    const closes = await Promise.all(clients.map((c) => c.closed));
    expect(closes.filter((c) => c.code === 1001 && c.reason === 'Going Away')).toHaveLength(990);
    // The handlers in progress finished and their replies went out ahead of the close frame.
    busy.forEach((c, i) => expect(c.received).toEqual([`done:m${i}`]));
    // The deaf clients got the close frame too (0x88, code 1001), never answered, and were cut.
    await Promise.all(deaf.map((d) => d.closed));
    for (const d of deaf) expect(d.received().includes(Buffer.from([0x88, 0x0c, 0x03, 0xe9]))).toBe(true);
    // The server side of a terminated socket reports its close a tick after the client saw it.
    await waitFor(() => service.outcome.open === 0);
    expect(service.outcome).toMatchObject({ closedCleanly: 990, closedAbnormally: 0, terminated: 10, open: 0 });
    expect(await pendingMidStop).toEqual(['10 WebSocket clients still open (close frame sent, not answered)']);
    // Core read the same through pending() when the time was up, before the force path ran.
    expect(report.node('ws')?.cut?.open).toEqual(['10 WebSocket clients still open (close frame sent, not answered)']);
    const warn = logger.lines.find((l) => l.level === 'warn');
    expect(warn?.msg).toBe('ws: 990 clients closed cleanly, 10 terminated at the timeout (close frame not answered)');
    expect(warn?.obj).toMatchObject({ node: 'ws', closedCleanly: 990, terminated: 10 });
    // Every client (this process's own) closed: nothing of the server's is left, no close timer either.
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('one slow message handler holds only its own client: every other client gets its close frame at the drain (after its own replies) and closes 1001; only the slow one is cut at the timeout', async () => {
    const before = activeHandles();
    const logger = memoryLogger();
    const release: Array<() => void> = [];
    cleanup.push(() => release.forEach((r) => r()));
    const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000 });
    app.resource(
      'ws',
      wsServer({
        port: 0,
        stopTimeoutMs: 2_500,
        logger,
        onConnection: (socket, _req, service) =>
          service.onMessage(socket, async (data: RawData) => {
            // 'slow' outlasts the node's time; the others answer after 300 ms.
            await (String(data) === 'slow' ? new Promise<void>((r) => release.push(r)) : sleep(300));
            socket.send(`done:${String(data)}`);
          }),
      }),
    );
    await app.start();
    cleanup.push(() => app.shutdown());
    const service = app.get<WebSocketService>('ws');
    const clients = await connectMany(portOf(service.server), 30);
    const [slow, ...others] = clients as [(typeof clients)[0], ...typeof clients];
    slow.ws.send('slow');
    others.slice(0, 5).forEach((c, i) => c.ws.send(`m${i}`));
    await waitFor(() => app.inFlight('ws').active === 6);
    let pendingMidStop: string[] | undefined;
    // What the report would say once every other client has closed (after 300 ms of handlers, well before the 2.5 s).
    const othersClosed = waitFor(() => service.outcome.closedCleanly === 29, 10_000).then(() => (pendingMidStop = service.pending()));

    const [report, ms] = await timed(() => app.shutdown());
    expect(report.node('ws')?.status).toBe('timedOut');
    expect(ms).toBeGreaterThanOrEqual(2_450);
    expect(ms).toBeLessThan(5_000);
    expect((await Promise.all(others.map((c) => c.closed))).map((c) => c.code)).toEqual(others.map(() => 1001));
    // Their replies went out ahead of the close frame.
    others.slice(0, 5).forEach((c, i) => expect(c.received).toEqual([`done:m${i}`]));
    await othersClosed;
    expect(pendingMidStop).toEqual(['1 message handler still running', '1 WebSocket client still open (its close frame held back: a handler of its is still running)']);
    expect(report.node('ws')?.cut?.open).toEqual(['1 in-flight unit of work', '1 message handler still running', '1 WebSocket client still open (its close frame held back: a handler of its is still running)']);
    // The slow one alone was cut.
    expect((await slow.closed).code).toBe(1006);
    expect(service.outcome).toMatchObject({ closedCleanly: 29, closedAbnormally: 0, terminated: 1, open: 0 });
    expect(logger.lines.find((l) => l.level === 'warn')?.msg).toBe('ws: 29 clients closed cleanly, 1 terminated at the timeout (close frame not answered)');
    release.forEach((r) => r());
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('every client answers: stopped well inside the timeout, the log says how many closed cleanly', async () => {
    const before = activeHandles();
    const { app, service, logger, port } = await started({ stopTimeoutMs: 5_000 });
    const clients = await connectMany(port, 50);
    const [report, ms] = await timed(() => app.shutdown());
    expect(report.ok).toBe(true);
    expect(report.node('ws')?.status).toBe('stopped');
    expect(ms).toBeLessThan(2_000);
    expect((await Promise.all(clients.map((c) => c.closed))).every((c) => c.code === 1001)).toBe(true);
    expect(service.outcome).toMatchObject({ closedCleanly: 50, terminated: 0, closedAbnormally: 0 });
    expect(logger.lines).toEqual([{ level: 'info', obj: expect.objectContaining({ node: 'ws', closedCleanly: 50 }), msg: 'ws: 50 clients closed cleanly' }]);
    expect(service.pending()).toBeUndefined();
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('from the shutdown request on (drain delay included) new upgrades get 503 while open clients are still served; a handler running when the stop begins holds the close frame back; messages arriving once stopping are not handled and are counted', async () => {
    const before = activeHandles();
    const { app, service, port } = await started({ stopTimeoutMs: 5_000, drainDelayMs: 600, handlerMs: 1_200 });
    const client = await connect(port);
    const stopping = app.shutdown();
    client.ws.send('during-drain');
    expect(await upgradeStatus(port)).toBe('HTTP/1.1 503 Service Unavailable');
    await waitFor(() => app.inFlight('ws').closed, 2_000);
    expect(app.inFlight('ws').active).toBe(1);
    client.ws.send('too-late');
    const report = await stopping;
    expect(report.node('ws')?.status).toBe('stopped');
    expect(client.received).toEqual(['done:during-drain']);
    expect((await client.closed).code).toBe(1001);
    expect(service.outcome).toMatchObject({ refusedUpgrades: 1, refusedMessages: 1, closedCleanly: 1 });
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('a close code and reason of your own', async () => {
    const before = activeHandles();
    const app = new LifecycleContainer();
    app.resource('ws', wsServer({ port: 0, closeCode: 4000, closeReason: 'deploy' }));
    await app.start();
    const client = await connect(portOf(app.get<WebSocketService>('ws').server));
    await app.shutdown();
    expect(await client.closed).toEqual({ code: 4000, reason: 'deploy' });
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('its own server answers plain HTTP with 426 and refuses the port once stopped', async () => {
    const before = activeHandles();
    const { app, port } = await started({ stopTimeoutMs: 2_000 });
    const res = await fetch(`http://127.0.0.1:${port}/`);
    expect(res.status).toBe(426);
    await app.shutdown();
    expect(await upgradeStatus(port)).toBe('ECONNREFUSED');
    expect(await leftoverHandles(before)).toEqual({});
  });
});
