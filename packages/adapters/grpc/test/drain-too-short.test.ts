import * as grpc from '@grpc/grpc-js';
import { LifecycleContainer, ReportWarningCodes } from '@quiesce/core';
import { afterEach, describe, expect, it } from 'vitest';
import { grpcServer, type GrpcService } from '../src/index.js';
import { client, healthCheckOf, OrdersDefinition, ordersImplementation, sleep, unary } from './support.js';

// #29 point 3 for gRPC: calls (health checks aside) after the shutdown request are counted; one in
// the drain's last 20 % means clients were still sending here when it ended.
const clients: Array<{ close(): void }> = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

async function started(drainDelayMs: number) {
  const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000, drainDelayMs });
  app.resource('grpc', grpcServer({ create: () => new grpc.Server(), port: 0 }));
  const service = app.get<GrpcService>('grpc');
  service.addService(OrdersDefinition, ordersImplementation(() => service));
  await app.start();
  const c = client(service.port!);
  clients.push(c);
  return { app, port: service.port!, client: c };
}

/** One call `afterMs` into a 500 ms drain (health checked too, which never counts); the node's drain warnings. */
async function callDuringDrain(afterMs: number) {
  const { app, port, client: c } = await started(500);
  expect(await unary(c, 'place', { id: 1, ms: 0 })).toEqual({ ok: { placed: 1 } });
  const done = app.shutdown();
  await sleep(afterMs);
  expect(await healthCheckOf(port)).toBe('NOT_SERVING');
  expect(await unary(c, 'place', { id: 2, ms: 0 })).toEqual({ ok: { placed: 2 } });
  return ((await done).node('grpc')!.warnings ?? []).filter((w) => w.code === ReportWarningCodes.DrainTooShort);
}

describe('QUIESCE_DRAIN_TOO_SHORT: grpcServer', () => {
  it('a call early in the drain is what the drain is for: no warning', async () => {
    expect(await callDuringDrain(50)).toEqual([]);
  });

  it('a call in the last 20 % of the drain: a warning naming drainDelayMs and the counts', async () => {
    const [warning, ...more] = await callDuringDrain(430);
    expect(more).toEqual([]);
    expect(warning?.message).toMatch(/^1 call arrived in the last 1\d\d ms of the 5\d\d ms drain or after it, before the listener closed \(1 after the shutdown request\): .*raise drainDelayMs/);
  });
});
