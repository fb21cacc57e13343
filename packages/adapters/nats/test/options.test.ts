import { LifecycleContainer, StartError } from '@quiesce/core';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { activeHandles, closedPort, invalidOptions, leftoverHandles } from '@quiesce/test-servers';
import { describe, expect, inject, it } from 'vitest';
import { natsConnection, natsModule, natsSubscription, type NatsSubscriber } from '../src/index.js';

const server = () => inject('servers').nats;
const invalid = invalidOptions;
const handler = (): void => {};

describe('nats options', () => {
  it('names the offending field', () => {
    expect(invalid(() => natsConnection({})).issues).toEqual([{ field: 'connection', message: expect.stringMatching(/give `connection`.*or `create`/) }]);
    expect(invalid(() => natsConnection({ connection: {} as NatsConnection })).issues.map((i) => i.field)).toEqual(['connection']);
    expect(invalid(() => natsConnection({ create: 'nats://x' as never })).issues.map((i) => i.field)).toEqual(['create']);
    expect(invalid(() => natsConnection({ create: () => connect(), stopTimeoutMs: 0 })).issues.map((i) => i.field)).toEqual(['stopTimeoutMs']);
    expect(invalid(() => natsSubscription({ connectionToken: 'nats', subject: '', handler })).issues.map((i) => i.field)).toEqual(['subject']);
    expect(invalid(() => natsSubscription({ connectionToken: 'nats', subject: 'a b', handler })).message).toMatch(/^Invalid options for natsSubscription: subject: must not contain whitespace/);
    expect(invalid(() => natsSubscription({ connectionToken: 42 as never, subject: 'a', handler: 'no' as never })).issues.map((i) => i.field)).toEqual(['connectionToken', 'handler']);
    expect(invalid(() => natsModule({ connection: {} })).message).toMatch(/^Invalid options for natsModule: connection: /);
    expect(invalid(() => natsModule({ connection: { create: () => connect() }, subscriptions: [{ subject: 'x', handler, queue: ' ' }] })).issues.map((i) => i.field)).toEqual(['queue']);
  });

  // #27: `connection | create` and `connectionToken`; the 0.x names are refused saying the new one.
  it.each([
    ['natsConnection', 'connect', 'create', () => natsConnection({ connect: () => connect() } as never)],
    ['natsSubscription', 'connection', 'connectionToken', () => natsSubscription({ connection: 'nats', subject: 'a', handler } as never)],
    ['natsModule', 'connect', 'create', () => natsModule({ connection: { connect: () => connect() } as never })],
  ])('%s refuses `%s`, saying it is now `%s`', (_subject, old, now, build) => {
    expect(invalid(build).issues).toContainEqual({ field: old, message: `\`${old}\` was renamed to \`${now}\` in 0.x` });
  });

  it('`create` is a function of the resolver, called when the node is resolved', async () => {
    const app = new LifecycleContainer();
    app.resource('servers', { value: server().url });
    app.resource('nats', natsConnection({ dependsOn: ['servers'], create: ({ get }) => connect({ servers: get<string>('servers') }) }));
    await app.start();
    expect(app.get<NatsConnection>('nats').getServer()).toBe(new URL(server().url).host);
    expect((await app.shutdown()).ok).toBe(true);
  });

  it('a server that cannot be reached fails start(), naming the node', async () => {
    const port = await closedPort();
    const before = activeHandles();
    const app = new LifecycleContainer();
    app.resource('nats', natsConnection({ create: () => connect({ servers: `nats://127.0.0.1:${port}` }) }));
    await expect(app.start()).rejects.toThrow(StartError);
    // The failed connect left no socket or reconnect timer behind.
    expect(await leftoverHandles(before)).toEqual({});
  });
});

describe('natsModule', () => {
  it('binds the connection and its subscriptions; subscriptions depend on the connection and stop first', async () => {
    const before = activeHandles();
    const events: string[] = [];
    const app = new LifecycleContainer();
    app.load(natsModule({ connection: { create: () => connect({ servers: server().url }) }, subscriptions: [{ subject: 'm.a', handler }, { subject: 'm.b', queue: 'workers', handler }] }));
    app.on('stopped', (e) => events.push(e.node));
    await app.start();
    expect(app.get<NatsSubscriber>('nats.subscription.m.b').queue).toBe('workers');
    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    expect(report.node('nats.subscription.m.a')).toMatchObject({ status: 'stopped', dependsOn: ['nats'] });
    expect(events.at(-1)).toBe('nats');
    expect(app.get<NatsConnection>('nats').isClosed()).toBe(true);
    expect(await leftoverHandles(before)).toEqual({});
  });
});
