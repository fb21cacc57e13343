import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
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

describe('calls are counted whichever key the implementation uses (as grpc-js resolves it: implementation[name], then originalName)', () => {
  // @grpc/proto-loader keys the definition by the method's name (`Echo`), originalName its camelCase (`echo`).
  const Echoes = grpc.loadPackageDefinition(protoLoader.loadSync(fileURLToPath(new URL('echo.proto', import.meta.url)))).test as { Echoes: grpc.ServiceClientConstructor };
  type EchoClient = grpc.Client & Record<'echo' | 'hang', (r: { text: string }, cb: (e: grpc.ServiceError | null, v: { text: string }) => void) => void>;

  /** Starts a server with `implementation`, calls Echo (answered after 300 ms) and Hang (never answered), shuts down at 800 ms. */
  async function stuckCallStop(implementation: object, arrived: () => number) {
    const before = activeHandles();
    const logger = memoryLogger();
    const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000 });
    app.resource('grpc', grpcServer({ create: () => new grpc.Server(), port: 0, stopTimeoutMs: 800, logger }));
    const service = app.get<GrpcService>('grpc');
    service.addService(Echoes.Echoes.service, implementation as grpc.UntypedServiceImplementation);
    await app.start();
    const c = new Echoes.Echoes(`127.0.0.1:${service.port}`, grpc.credentials.createInsecure()) as unknown as EchoClient;
    clients.push(c);
    const call = (name: 'echo' | 'hang') => new Promise((resolve) => c[name]({ text: 'hi' }, (e, v) => resolve(e ? { code: e.code } : v)));
    const echo = call('echo');
    const hang = call('hang');
    await waitFor(() => arrived() === 2);
    const inFlight = app.inFlight('grpc').active;
    const report = await app.shutdown();
    return { report, logger, inFlight, echo: await echo, hang: await hang, expectNothingLeft: () => expectNothingLeft(before) };
  }

  it('camelCase keys (`{ echo, hang }` for `rpc Echo`, `rpc Hang`): both calls counted, the stuck one named in the report and the log', async () => {
    let arrived = 0;
    const r = await stuckCallStop(
      {
        echo: (call: grpc.ServerUnaryCall<{ text: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => (arrived++, setTimeout(() => cb(null, { text: `got ${call.request.text}` }), 300)),
        hang: () => void arrived++,
      },
      () => arrived,
    );
    expect(r.report.node('grpc')?.status).toBe('timedOut');
    expect(r.report.node('grpc')?.cut?.open).toEqual(['1 in-flight unit of work', '1 call of /test.Echoes/Hang still running']);
    expect(r.inFlight).toBe(2);
    expect(r.echo).toEqual({ text: 'got hi' });
    expect(r.hang).toEqual({ code: grpc.status.CANCELLED });
    expect(r.logger.lines.map((l) => l.msg)).toEqual(['grpc: forceShutdown at the timeout cancelled 1 call of /test.Echoes/Hang']);
    await r.expectNothingLeft();
  });

  it('a class instance (methods on its prototype, using `this`), keys of both styles: every call reaches its method, bound to the instance, and is counted', async () => {
    class Impl {
      arrived = 0;
      Echo(call: grpc.ServerUnaryCall<{ text: string }, unknown>, cb: grpc.sendUnaryData<unknown>): void {
        this.arrived++;
        setTimeout(() => cb(null, { text: `got ${call.request.text}` }), 300);
      }
      hang(): void {
        this.arrived++;
      }
    }
    const impl = new Impl();
    const r = await stuckCallStop(impl, () => impl.arrived);
    expect(r.inFlight).toBe(2);
    expect(r.echo).toEqual({ text: 'got hi' });
    expect(r.hang).toEqual({ code: grpc.status.CANCELLED });
    expect(r.report.node('grpc')?.cut?.open).toEqual(['1 in-flight unit of work', '1 call of /test.Echoes/Hang still running']);
    await r.expectNothingLeft();
  });
});
