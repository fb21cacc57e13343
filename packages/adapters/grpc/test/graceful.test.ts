import * as grpc from '@grpc/grpc-js';
import { LifecycleContainer } from '@quiesce/core';
import { activeHandles, leftoverHandles } from '@quiesce/test-servers';
import { afterEach, describe, expect, it } from 'vitest';
import { grpcServer, type GrpcService } from '../src/index.js';
import { client, clientStream, healthCheckOf, HealthClient, memoryLogger, OrdersDefinition, ordersImplementation, sleep, stream, timed, unary, waitFor } from './support.js';

const clients: Array<{ close(): void }> = [];
const closeClients = (): void => {
  for (const c of clients.splice(0)) c.close();
};
afterEach(closeClients);

/** Once the test's own clients are closed, nothing of the server's (nor of theirs) is left. */
async function expectNothingLeft(before: ReturnType<typeof activeHandles>): Promise<void> {
  closeClients();
  expect(await leftoverHandles(before)).toEqual({});
}

async function started(options: { stopTimeoutMs: number; drainDelayMs?: number }) {
  const logger = memoryLogger();
  const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000, drainDelayMs: options.drainDelayMs ?? 0 });
  app.resource('grpc', grpcServer({ create: () => new grpc.Server(), port: 0, stopTimeoutMs: options.stopTimeoutMs, logger, health: { services: ['test.Orders'] } }));
  const service = app.get<GrpcService>('grpc');
  service.addService(OrdersDefinition, ordersImplementation(() => service));
  await app.start();
  const c = client(service.port!);
  clients.push(c);
  return { app, service, logger, port: service.port!, client: c };
}

describe('graceful stop', () => {
  it('unary, server-streaming and client-streaming calls in flight all complete; health says NOT_SERVING from the shutdown request on; new calls after the stop get UNAVAILABLE', async () => {
    const before = activeHandles();
    const { app, port, client: c } = await started({ stopTimeoutMs: 5_000, drainDelayMs: 300 });
    expect(await healthCheckOf(port)).toBe('SERVING');
    expect(await healthCheckOf(port, 'test.Orders')).toBe('SERVING');
    const health = new HealthClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as { watch(r: unknown): grpc.ClientReadableStream<{ status: string }>; close(): void };
    clients.push(health);
    const watched: string[] = [];
    const watch = health.watch({ service: '' });
    watch.on('data', (m) => watched.push(m.status));
    const watchEnded = new Promise<number>((r) => watch.on('status', (s: grpc.StatusObject) => r(s.code)));
    const feed = stream(c, {});
    const upload = clientStream(c);
    await waitFor(() => feed.items.length >= 2 && watched.length === 1);
    const places = Array.from({ length: 10 }, (_, id) => unary(c, 'place', { id, ms: 500 }));
    await waitFor(() => app.inFlight('grpc').active === 12);

    const stopping = app.shutdown();
    expect(await healthCheckOf(port)).toBe('NOT_SERVING');
    // The client stream goes on through the drain and ends after the stop began.
    for (let i = 0; i < 5; i++) upload.writer.write({ i }), await sleep(60);
    upload.writer.end();
    const report = await stopping;

    expect(report.ok).toBe(true);
    expect(report.node('grpc')?.status).toBe('stopped');
    expect(await Promise.all(places)).toEqual(Array.from({ length: 10 }, (_, id) => ({ ok: { placed: id } })));
    expect(await feed.ended).toBe(grpc.status.OK);
    expect(feed.items.at(-1)).toMatchObject({ end: 'draining' });
    expect(await upload.answer).toEqual({ items: 5 });
    expect(await watchEnded).toBe(grpc.status.OK);
    expect(watched).toEqual(['SERVING', 'NOT_SERVING']);

    expect(await unary(c, 'place', { id: 99, ms: 0 })).toMatchObject({ code: grpc.status.UNAVAILABLE });
    const fresh = client(port);
    clients.push(fresh);
    expect(await unary(fresh, 'place', { id: 100, ms: 0 })).toMatchObject({ code: grpc.status.UNAVAILABLE });
    await expectNothingLeft(before);
  });

  it('a hung handler is cut at the timeout: forceShutdown, its client sees CANCELLED, the node is timedOut and the log and pending() name the call', async () => {
    const before = activeHandles();
    const { app, service, logger, client: c } = await started({ stopTimeoutMs: 600 });
    const hung = unary(c, 'hang', {});
    const quick = unary(c, 'place', { id: 1, ms: 100 });
    await waitFor(() => app.inFlight('grpc').active === 2);
    let pendingMidStop: string[] | undefined;
    setTimeout(() => (pendingMidStop = service.pending()), 400);

    const [report, ms] = await timed(() => app.shutdown());
    expect(report.node('grpc')?.status).toBe('timedOut');
    expect(ms).toBeGreaterThanOrEqual(580);
    expect(ms).toBeLessThan(2_000);
    expect(await quick).toEqual({ ok: { placed: 1 } });
    expect(await hung).toMatchObject({ code: grpc.status.CANCELLED });
    expect(pendingMidStop).toEqual(['1 call of /test.Orders/Hang still running']);
    expect(report.node('grpc')?.cut?.open).toEqual(['1 in-flight unit of work', '1 call of /test.Orders/Hang still running']);
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'warn', msg: 'grpc: forceShutdown at the timeout cancelled 1 call of /test.Orders/Hang' })]);
    await expectNothingLeft(before);
  });

  it('a streaming handler that ignores the draining signal holds the stop until the timeout, then is cancelled', async () => {
    const before = activeHandles();
    const { app, client: c } = await started({ stopTimeoutMs: 500 });
    const feed = stream(c, { ignoreDrain: true });
    await waitFor(() => feed.items.length >= 1);
    const [report, ms] = await timed(() => app.shutdown());
    expect(report.node('grpc')?.status).toBe('timedOut');
    expect(ms).toBeLessThan(2_000);
    expect(await feed.ended).toBe(grpc.status.CANCELLED);
    await expectNothingLeft(before);
  });
});
