import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { LifecycleContainer, StartError } from '@quiesce/core';
import { activeHandles, invalidOptions, leftoverHandles } from '@quiesce/test-servers';
import { describe, expect, it } from 'vitest';
import { grpcModule, grpcServer, type GrpcService } from '../src/index.js';
import { client, healthCheckOf, memoryLogger, OrdersDefinition, ordersImplementation, unary } from './support.js';

describe('options', () => {
  it('names the offending field', () => {
    const fields = (fn: () => unknown) => invalidOptions(fn).issues.map((i) => i.field);
    const server = new grpc.Server();
    expect(invalidOptions(() => grpcServer({ port: 0 })).message).toMatch(/^Invalid options for grpcServer: server: give exactly one of `server` and `create`/);
    expect(fields(() => grpcServer({ server, create: () => server, port: 0 }))).toEqual(['server']);
    expect(fields(() => grpcServer({ server: {} as never, port: 0 }))).toEqual(['server']);
    expect(fields(() => grpcServer({ server, port: -1 }))).toEqual(['port']);
    expect(fields(() => grpcServer({ server } as never))).toEqual(['port']);
    expect(fields(() => grpcServer({ server, port: 0, credentials: {} as never }))).toEqual(['credentials']);
    expect(fields(() => grpcServer({ server, port: 0, health: { services: [''] } }))).toEqual(['health.services.0']);
    expect(fields(() => grpcServer({ server, port: 0, logger: {} as never }))).toEqual(['logger']);
    expect(fields(() => grpcServer({ server, port: 0, stopTimeoutMs: 1.5 }))).toEqual(['stopTimeoutMs']);
    expect(invalidOptions(() => grpcServer({ server, port: 0, adress: 'x' } as never)).message).toContain('adress');
    expect(invalidOptions(() => grpcModule({ server, port: 0, token: 1 as never })).message).toMatch(/^Invalid options for grpcModule: token: /);
  });

  it('a port that is taken fails start(), naming the node', async () => {
    const before = activeHandles();
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const app = new LifecycleContainer();
    app.resource('rpc', grpcServer({ server: new grpc.Server(), port: (blocker.address() as net.AddressInfo).port }));
    const error = await app.start().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(StartError);
    expect((error as Error).message).toMatch(/^Start failed at "rpc": cannot bind 127\.0\.0\.1:\d+: /);
    await new Promise((r) => blocker.close(r));
    // The failed bind left no listener or timer of the grpc server's behind (the test's own blocker is closed).
    expect(await leftoverHandles(before)).toEqual({});
  });
});

describe('grpcModule', () => {
  it('binds the service under its name; without health the health service is not there; the force path logs to the container logger', async () => {
    const before = activeHandles();
    const logger = memoryLogger();
    const app = new LifecycleContainer({ logger });
    app.load(grpcModule({ name: 'rpc', server: new grpc.Server(), port: 0, health: false, stopTimeoutMs: 300 }));
    const service = app.get<GrpcService>('rpc');
    service.addService(OrdersDefinition, ordersImplementation(() => service));
    await app.start();
    expect(await healthCheckOf(service.port!)).toBe(`error ${grpc.status.UNIMPLEMENTED}`);
    const c = client(service.port!);
    const hung = unary(c, 'hang', {});
    await new Promise((r) => setTimeout(r, 100));
    const report = await app.shutdown();
    expect(report.node('rpc')?.status).toBe('timedOut');
    expect((await hung as { code: number }).code).toBe(grpc.status.CANCELLED);
    expect(logger.lines.map((l) => l.msg)).toContain('rpc: forceShutdown at the timeout cancelled 1 call of /test.Orders/Hang');
    c.close();
    expect(await leftoverHandles(before)).toEqual({});
  });
});
