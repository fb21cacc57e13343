import { describe, expect, it } from 'vitest';
import { closeWithNest, issue14118, loggerApp, shutDownWithQuiesce } from './apps.js';

describe('nestjs/nest #14118: A (module MA) injects B (module MB, imported by MA); A.onModuleDestroy uses B', () => {
  it('plain Nest 12 (app.close()) gets the issue’s own layout right: AModule is nearer the root', async () => {
    const log: string[] = [];
    await closeWithNest(issue14118(log).AppModule);
    expect(log).toEqual(['A destroy wrote through B', 'B destroyed']);
  });

  it('plain Nest destroys B first when MA is global (module distance, not injection): A finds it closed', async () => {
    const log: string[] = [];
    await closeWithNest(issue14118(log, { global: true }).AppModule);
    expect(log).toEqual(['B destroyed', 'A destroy failed: file closed during shutdown']);
  });

  it.each([false, true])('with quiesceNest (MA global: %s), A is stopped while B still works, then B', async (global) => {
    const log: string[] = [];
    const { lifecycle, report } = await shutDownWithQuiesce(issue14118(log, { global }).AppModule);
    expect(log).toEqual(['A destroy wrote through B', 'B destroyed']);
    expect(report.ok).toBe(true);
    expect(report.node('AService')!.waitedFor).toBe(undefined);
    expect(report.node('BService')!.waitedFor).toBe('AService');
    expect(report.node('nest')!.status).toBe('stopped');
    expect(lifecycle.graph().nodes.find((n) => n.name === 'AService')!.dependsOn).toContain('BService');
  });
});

describe('a logger provider used by the others’ shutdown hooks', () => {
  it('stays alive until every hook that logs through it finished (@Inject token, factory inject, forwardRef, a hookless provider between)', async () => {
    const log: string[] = [];
    const { lifecycle, report } = await shutDownWithQuiesce(loggerApp(log).AppModule);
    expect(report.ok).toBe(true);
    expect(log.at(-1)).toBe('logger closed');
    expect(new Set(log.slice(0, -1))).toEqual(new Set(['orders flushed (no signal)', 'metrics pushed for orders', 'audit closed']));
    // (`nest`, Nest's own close, stops after everything: every node lists it.)
    const graph = Object.fromEntries(lifecycle.graph().nodes.map((n) => [n.name, n.dependsOn.filter((d) => d !== 'nest').sort()]));
    expect(graph).toMatchObject({ OrdersService: ['LOGGER'], METRICS: ['LOGGER'], Audit: ['LOGGER'], LOGGER: [] });
    // Independent of one another: the three run side by side (each began before any ended), the
    // logger after the slowest (audit, 80 ms; orders 60, metrics 40).
    expect(report.node('LOGGER')!.waitedFor).toBe('Audit');
    const users = ['OrdersService', 'METRICS', 'Audit'].map((n) => report.node(n)!);
    expect(Math.max(...users.map((n) => n.startOffsetMs!))).toBeLessThan(Math.min(...users.map((n) => n.startOffsetMs! + n.durationMs!)));
  });

  it('plain Nest: onApplicationShutdown is its last phase, so a logger closed there outlives the other phases', async () => {
    const log: string[] = [];
    await closeWithNest(loggerApp(log).AppModule);
    expect(log.indexOf('logger closed')).toBe(log.length - 1);
    expect(log).toHaveLength(4);
  });
});
