import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { LifecycleContainer, QuiesceError, StartError, type HookContext } from '@quiesce/core';
import { activeHandles, getFreePort, invalidOptions, isPortOpen, leftoverHandles } from '@quiesce/test-servers';
import { describe, expect, it } from 'vitest';
import { GrpcForeignServiceError, GrpcMisuseError, GrpcNotAServerError, GrpcServerAlreadyBoundError, GrpcServerShutDownError, grpcModule, grpcServer, type GrpcService } from '../src/index.js';
import { client, healthCheckOf, memoryLogger, OrdersDefinition, ordersImplementation, unary } from './support.js';

describe('options', () => {
  it('names the offending field', () => {
    const fields = (fn: () => unknown) => invalidOptions(fn).issues.map((i) => i.field);
    const server = new grpc.Server();
    expect(invalidOptions(() => grpcServer({ port: 0 })).message).toMatch(/^Invalid options for grpcServer: server: give `server` \(a grpc.Server\) or `create`/);
    expect(fields(() => grpcServer({ server, create: () => server, port: 0 }))).toEqual(['create']);
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

describe('misuse: typed errors with stable codes, naming the node', () => {
  const bind = (server: grpc.Server): Promise<number> =>
    new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, port) => (e ? reject(e) : resolve(port))));

  it('an adopted server that is already bound is refused at start(), before anything is bound or added to it', async () => {
    const before = activeHandles();
    const server = new grpc.Server();
    const boundPort = await bind(server);
    const port = await getFreePort();
    const app = new LifecycleContainer();
    app.resource('rpc', grpcServer({ server, port }));
    const error = await app.start().then(() => undefined, (e: unknown) => e);
    try {
      expect(error).toBeInstanceOf(StartError);
      const cause = (error as StartError).cause;
      expect(cause).toBeInstanceOf(GrpcServerAlreadyBoundError);
      expect(cause).toBeInstanceOf(GrpcMisuseError);
      expect(cause).toBeInstanceOf(QuiesceError);
      expect(cause).toMatchObject({ name: 'GrpcServerAlreadyBoundError', code: 'QUIESCE_GRPC_ALREADY_BOUND', node: 'rpc', boundTo: [`dns:127.0.0.1:${boundPort}`] });
      expect((cause as Error).message).toBe(`rpc: the grpc.Server is already bound (bindAsync was called on it: dns:127.0.0.1:${boundPort}); pass it unbound, quiesce calls bindAsync() at start`);
      expect((error as Error).message).toMatch(/^Start failed at "rpc": rpc: the grpc\.Server is already bound/);
      // Nothing bound on the port asked for, no health service added to the user's server.
      expect(await isPortOpen(port)).toBe(false);
      expect(await healthCheckOf(boundPort)).toBe(`error ${grpc.status.UNIMPLEMENTED}`);
    } finally {
      if (error === undefined) await app.shutdown();
      server.forceShutdown();
    }
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('a bind still in progress counts as bound (grpc-js records one to a given port at once), for a server from `create` too', async () => {
    const before = activeHandles();
    const servers: grpc.Server[] = [];
    const bindings: Array<Promise<unknown>> = [];
    /** A new server, bindAsync called on it (to a free port), the bind not completed yet. */
    const binding = async (): Promise<grpc.Server> => {
      const server = new grpc.Server();
      servers.push(server);
      const port = await getFreePort();
      bindings.push(new Promise((resolve) => server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), resolve)));
      return server;
    };
    try {
      for (const given of ['server', 'create'] as const) {
        const server = await binding();
        const app = new LifecycleContainer();
        app.resource('rpc', grpcServer(given === 'server' ? { server, port: 0 } : { create: () => server, port: 0 }));
        const error = await app.start().then(() => undefined, (e: unknown) => e);
        if (error === undefined) await app.shutdown();
        expect((error as StartError).cause, given).toMatchObject({ code: 'QUIESCE_GRPC_ALREADY_BOUND', node: 'rpc' });
      }
    } finally {
      await Promise.all(bindings);
      for (const s of servers) s.forceShutdown();
    }
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('a server shut down already is refused at start()', async () => {
    const before = activeHandles();
    const server = new grpc.Server();
    server.forceShutdown();
    const app = new LifecycleContainer();
    app.resource('rpc', grpcServer({ server, port: 0 }));
    const error = await app.start().then(() => undefined, (e: unknown) => e);
    if (error === undefined) await app.shutdown();
    expect((error as StartError).cause).toBeInstanceOf(GrpcServerShutDownError);
    expect((error as StartError).cause).toMatchObject({ code: 'QUIESCE_GRPC_SERVER_SHUT_DOWN', node: 'rpc', message: 'rpc: the grpc.Server was shut down already (tryShutdown or forceShutdown); pass a new one', fix: 'pass a new one' });
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('`create` returning something else, a start hook handed a value that is not ours', async () => {
    const app = new LifecycleContainer();
    app.resource('rpc', grpcServer({ name: 'rpc', create: () => ({}) as grpc.Server, port: 0 }));
    let thrown: unknown;
    try {
      app.get('rpc');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(GrpcNotAServerError);
    expect(thrown).toMatchObject({ code: 'QUIESCE_GRPC_NOT_A_SERVER', node: 'rpc', message: 'rpc: create() returned a plain object; return a grpc.Server of the @grpc/grpc-js @quiesce/grpc uses', what: 'create() returned a plain object' });

    const definition = grpcServer({ server: new grpc.Server(), port: 0 });
    let foreign: unknown;
    try {
      await definition.start!({} as GrpcService, { name: 'rpc' } as HookContext);
    } catch (e) {
      foreign = e;
    }
    expect(foreign).toBeInstanceOf(GrpcForeignServiceError);
    expect(foreign).toMatchObject({ code: 'QUIESCE_GRPC_FOREIGN_SERVICE', node: 'rpc', message: 'rpc: the start hook was handed a value this grpcServer definition did not create; use one definition per node; its value is the GrpcService it created' });
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
