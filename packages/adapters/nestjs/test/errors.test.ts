import 'reflect-metadata';
import { Injectable, Module, type BeforeApplicationShutdown, type OnApplicationShutdown, type OnModuleDestroy } from '@nestjs/common';
import { ErrorCodes, InvalidOptionsError } from '@quiesce/core';
import { afterEach, describe, expect, it } from 'vitest';
import { NestNotAnApplicationError, NestShutdownHooksEnabledError, quiesceNest, type QuiesceNestOptions } from '../src/index.js';
import { create } from './apps.js';

const calls: string[] = [];

@Injectable()
class Store implements OnModuleDestroy, BeforeApplicationShutdown, OnApplicationShutdown {
  onModuleDestroy() { calls.push('onModuleDestroy'); }
  beforeApplicationShutdown(signal?: string) { calls.push(`beforeApplicationShutdown ${signal}`); }
  onApplicationShutdown(signal?: string) { calls.push(`onApplicationShutdown ${signal}`); }
}

@Injectable()
class Plain {}

@Module({ providers: [Store, Plain] })
class AppModule {}

const apps: { close(): Promise<void> }[] = [];
const app = async () => {
  const nest = await create(AppModule);
  apps.push(nest);
  return nest;
};
afterEach(async () => {
  // Removes what enableShutdownHooks subscribed to the process.
  await Promise.all(apps.splice(0).map((nest) => nest.close()));
  calls.length = 0;
});

describe('enableShutdownHooks and quiesceNest together', () => {
  it('are refused with a typed error when the hooks were enabled first', async () => {
    const nest = await app();
    nest.enableShutdownHooks(['SIGTERM']);
    const error = await quiesceNest(nest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NestShutdownHooksEnabledError);
    expect(error).toMatchObject({ code: 'QUIESCE_NEST_SHUTDOWN_HOOKS_ENABLED', node: 'nest', signals: ['SIGTERM'] });
    expect((error as Error).message).toMatch(/use lifecycle\.handleSignals\(\)/);
  });

  it('called afterwards, enableShutdownHooks() subscribes nothing and warns with the typed error (a throw would be process.exit(1) under Nest’s proxy)', async () => {
    const nest = await app();
    const before = process.listenerCount('SIGTERM');
    await quiesceNest(nest);
    const warned = new Promise<Error>((resolve) => process.once('warning', resolve));
    expect(nest.enableShutdownHooks(['SIGTERM'])).toBe(nest);
    const warning = await warned;
    expect(warning).toBeInstanceOf(NestShutdownHooksEnabledError);
    expect(warning).toMatchObject({ code: 'QUIESCE_NEST_SHUTDOWN_HOOKS_ENABLED', signals: ['SIGTERM'] });
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});

describe('Nest’s hooks run once, with the signal, and app.close() still closes the HTTP server', () => {
  it('quiesce runs each hook once; the app.close() it ends with and a later one run none again', async () => {
    const nest = await app();
    const lifecycle = await quiesceNest(nest);
    await lifecycle.start();
    await nest.listen(0, '127.0.0.1');
    const server = nest.getHttpServer() as import('node:http').Server;
    expect(server.listening).toBe(true);
    const report = await lifecycle.shutdown({ kind: 'signal', signal: 'SIGTERM' });
    expect(report.ok).toBe(true);
    expect(calls).toEqual(['onModuleDestroy', 'beforeApplicationShutdown SIGTERM', 'onApplicationShutdown SIGTERM']);
    expect(server.listening).toBe(false);
    await nest.close();
    expect(calls).toHaveLength(3);
  });

  it('a program that calls app.close() itself gets Nest’s run, and a shutdown after it runs no hook again', async () => {
    const nest = await app();
    const lifecycle = await quiesceNest(nest);
    await lifecycle.start();
    await nest.close();
    expect(calls).toHaveLength(3);
    expect((await lifecycle.shutdown()).ok).toBe(true);
    expect(calls).toHaveLength(3);
  });

  it('providers without hooks are no nodes', async () => {
    const lifecycle = await quiesceNest(await app());
    expect(lifecycle.graph().nodes.map((n) => n.name).sort()).toEqual(['Store', 'nest']);
  });
});

describe('bad options', () => {
  const invalid = async (options: unknown) => {
    const error = await quiesceNest(await app(), options as QuiesceNestOptions).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).code).toBe(ErrorCodes.InvalidOptionsError);
    return (error as InvalidOptionsError).issues.map((i) => i.field);
  };

  it.each([
    [{ stopTimeoutMs: 0 }, ['stopTimeoutMs']],
    [{ shutdownTimeoutMs: 1.5 }, ['shutdownTimeoutMs']],
    [{ drainDelayMs: -1 }, ['drainDelayMs']],
    [{ shutdownTimeout: 5_000 }, ['shutdownTimeout']],
    [{ overrides: [{ token: Store, stopTimeoutMs: 'soon' }] }, ['overrides.0.stopTimeoutMs']],
    [{ overrides: [{ token: Store, policy: 'never' }] }, ['overrides.0.policy']],
    [{ overrides: [{ token: 42 }] }, ['overrides.0.token']],
  ])('%o names %o', async (options, fields) => {
    expect(await invalid(options)).toEqual(fields);
  });

  it('an override naming a provider without hooks, or a dependsOn naming no provider, is refused by field', async () => {
    expect(await invalid({ overrides: [{ token: Plain }] })).toEqual(['overrides.0.token']);
    expect(await invalid({ overrides: [{ token: Store, dependsOn: [Plain, 'nothing'] }] })).toEqual(['overrides.0.dependsOn.1']);
  });

  it('a refused call leaves the app as it was: its hooks and enableShutdownHooks() are Nest’s own', async () => {
    const nest = await app();
    await expect(quiesceNest(nest, { overrides: [{ token: Plain }] })).rejects.toThrowError(InvalidOptionsError);
    expect(Object.getOwnPropertyNames(nest)).not.toContain('enableShutdownHooks');
    const before = process.listenerCount('SIGUSR2');
    nest.enableShutdownHooks(['SIGUSR2']);
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
  });

  it('something that is not a Nest application is refused with a typed error', async () => {
    const error = await quiesceNest({ get() {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NestNotAnApplicationError);
    expect(error).toMatchObject({ code: 'QUIESCE_NEST_NOT_AN_APPLICATION' });
  });
});

describe('an application context (NestFactory.createApplicationContext, no HTTP server)', () => {
  it('is adopted the same way', async () => {
    const { NestFactory } = await import('@nestjs/core');
    const context = await NestFactory.createApplicationContext(AppModule, { logger: false, abortOnError: false });
    const lifecycle = await quiesceNest(context);
    await lifecycle.start();
    expect((await lifecycle.shutdown()).ok).toBe(true);
    expect(calls).toEqual(['onModuleDestroy', 'beforeApplicationShutdown undefined', 'onApplicationShutdown undefined']);
  });
});
