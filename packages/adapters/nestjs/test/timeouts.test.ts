import 'reflect-metadata';
import { Injectable, Module, type OnModuleDestroy } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { shutDownWithQuiesce, sleep } from './apps.js';

const log: string[] = [];

@Injectable()
class Database implements OnModuleDestroy {
  async onModuleDestroy() {
    log.push('db closed');
  }
}

/** Its destroy never settles (a broker that never acks the close). */
@Injectable()
class HungPublisher implements OnModuleDestroy {
  constructor(readonly db: Database) {}
  onModuleDestroy() {
    log.push('publisher closing');
    return new Promise<void>(() => {});
  }
}

@Injectable()
class Cache implements OnModuleDestroy {
  async onModuleDestroy() {
    await sleep(20);
    log.push('cache flushed');
  }
}

@Module({ providers: [Database, HungPublisher, Cache] })
class AppModule {}

describe('a hung provider', () => {
  it('is cut at its own timeout while an independent one stops; what it injects stops after it; app.close() is not held', async () => {
    log.length = 0;
    const started = performance.now();
    const { report } = await shutDownWithQuiesce(AppModule, { stopTimeoutMs: 2_000, overrides: [{ token: HungPublisher, stopTimeoutMs: 150 }] });
    const elapsed = performance.now() - started;
    const hung = report.node('HungPublisher')!;
    expect(hung.status).toBe('timedOut');
    expect(hung.effectiveTimeoutMs).toBe(150);
    expect(hung.cut?.open).toContain('onModuleDestroy() still running');
    expect(report.node('Cache')!.status).toBe('stopped');
    expect(report.node('Database')!.status).toBe('stopped');
    expect(report.node('Database')!.waitedFor).toBe('HungPublisher');
    expect(report.node('nest')!.status).toBe('stopped');
    expect(report.ok).toBe(false);
    expect(report.failedNodes).toEqual(['HungPublisher']);
    expect(log).toEqual(['publisher closing', 'cache flushed', 'db closed']);
    expect(elapsed).toBeLessThan(1_500);
  });

  it('is cut by the global deadline when it is shorter than its timeout', async () => {
    log.length = 0;
    const { report } = await shutDownWithQuiesce(AppModule, { shutdownTimeoutMs: 200, stopTimeoutMs: 5_000 });
    expect(report.node('HungPublisher')!.status).toBe('timedOut');
    expect(report.node('HungPublisher')!.limitedBy).toMatch(/global deadline|budget/);
    expect(report.durationMs).toBeLessThan(600);
  });
});

describe('a failing hook', () => {
  @Injectable()
  class Broken implements OnModuleDestroy {
    constructor(readonly db: Database) {}
    async onModuleDestroy() {
      throw new Error('broker refused the close');
    }
  }
  @Module({ providers: [Database, Broken] })
  class BrokenModule {}

  it('fails its node (Nest only logs it) and what it injects still stops after it', async () => {
    log.length = 0;
    const { report } = await shutDownWithQuiesce(BrokenModule);
    expect(report.node('Broken')!.status).toBe('failed');
    expect(report.node('Broken')!.error?.message).toMatch(/broker refused the close/);
    expect(report.node('Database')!.status).toBe('stopped');
    expect(report.ok).toBe(false);
    expect(log).toEqual(['db closed']);
  });

  it('bestEffort by override: reported, the shutdown stays ok', async () => {
    const { report } = await shutDownWithQuiesce(BrokenModule, { overrides: [{ token: Broken, policy: 'bestEffort', name: 'broker' }] });
    expect(report.node('broker')!.status).toBe('failed');
    expect(report.ok).toBe(true);
  });
});
