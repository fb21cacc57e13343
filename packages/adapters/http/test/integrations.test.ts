import http from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { LifecycleContainer } from '@quiesce/core';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { httpServer } from '../src/index.js';
import { get, lifecycleHarness, portOf, waitFor } from './helpers.js';

const later = <T>(ms: number, value: T): Promise<T> => new Promise((r) => setTimeout(() => r(value), ms));

/** One request 300 ms from done when shutdown begins: answered whole with Connection: close, the node stopped. */
async function inFlightAcrossShutdown(app: LifecycleContainer, server: http.Server, expected: string): Promise<void> {
  const inFlight = app.inFlight('http');
  const reply = get(portOf(server), '/slow');
  await waitFor(() => inFlight.active === 1);
  const report = await app.shutdown();
  const r = await reply;
  expect([r.status, r.body, r.headers.connection]).toEqual([200, expected, 'close']);
  expect(report.node('http')?.status).toBe('stopped');
  expect(report.ok).toBe(true);
}

describe('the servers users run, each with a real client', () => {
  const { started } = lifecycleHarness();

  it('express 5: http.createServer(app); routes get their services through create({ get })', async () => {
    class Orders {
      list = (): Promise<string> => later(300, 'orders');
    }
    const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000 });
    app.value(Orders, new Orders());
    app.resource(
      'http',
      httpServer({
        create: ({ get: resolve }) => {
          const orders = resolve(Orders);
          return http.createServer(express().get('/slow', async (_req, res) => void res.send(await orders.list())));
        },
        port: 0,
      }),
    );
    await app.start();
    await inFlightAcrossShutdown(app, app.get<http.Server>('http'), 'orders');
  });

  it('fastify 5: its own server, ready() before listen, close() after the drain so onClose hooks run', async () => {
    const order: string[] = [];
    const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000 });
    app.resource('fastify', {
      create: async () => {
        const api = Fastify();
        api.get('/slow', () => later(300, 'fastify'));
        api.addHook('onClose', async () => void order.push('fastify onClose'));
        await api.ready();
        return api;
      },
      stop: (api: FastifyInstance) => api.close(),
    });
    app.resource('http', httpServer({ create: ({ get: resolve }) => resolve<FastifyInstance>('fastify').server, port: 0, dependsOn: ['fastify'] }));
    app.on('stopped', ({ node }) => order.push(`${node} stopped`));
    await app.start();
    await inFlightAcrossShutdown(app, app.get<FastifyInstance>('fastify').server, 'fastify');
    expect(order).toEqual(['http stopped', 'fastify onClose', 'fastify stopped']);
  });

  it('koa: http.createServer(koa.callback())', async () => {
    const koa = new Koa().use(async (ctx) => {
      ctx.body = await later(300, 'koa');
    });
    const server = http.createServer(koa.callback());
    const { app } = await started(server);
    await inFlightAcrossShutdown(app, server, 'koa');
  });

  it('@hono/node-server: createAdaptorServer({ fetch }) (unstarted; quiesce listens)', async () => {
    const hono = new Hono().get('/slow', async (c) => c.text(await later(300, 'hono')));
    const server = createAdaptorServer({ fetch: hono.fetch }) as http.Server;
    const { app } = await started(server);
    await inFlightAcrossShutdown(app, server, 'hono');
  });
});
