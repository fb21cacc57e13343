import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, LifecycleContainer } from '../src/index.js';
import { Timeline, fake } from './support/timeline.js';

describe('stopsLast: telemetry and log flushers outlive every other stop', () => {
  it('starts first and stops after every other node, branches included', async () => {
    const t = new Timeline();
    const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000 });
    app
      .resource('db', fake(t, 'db', 5))
      .resource('api', { ...fake(t, 'api', 5), dependsOn: ['db'] })
      .resource('worker', fake(t, 'worker', 20))
      // Declared last and depended on by nobody: only stopsLast puts it at the end.
      .resource('telemetry', { ...fake(t, 'telemetry', 5), stopsLast: true });
    await app.start();
    expect(t.order('start')[0]).toBe('telemetry');
    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    expect(t.order('stop').at(-1)).toBe('telemetry');
    const othersEnd = Math.max(...['db', 'api', 'worker'].map((n) => t.at(n, 'stop', 'end')));
    expect(t.at('telemetry', 'stop', 'begin')).toBeGreaterThanOrEqual(othersEnd);
    expect(report.node('telemetry')!.dependsOn).toEqual([]);
    expect(report.node('db')!.dependsOn).toEqual(['telemetry']);
  });

  it("a stopsLast node's own dependencies still stop after it (no cycle)", async () => {
    const t = new Timeline();
    const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000 });
    app
      .resource('config', fake(t, 'config'))
      .resource('exporter', { ...fake(t, 'exporter'), dependsOn: ['config'], stopsLast: true })
      .resource('api', fake(t, 'api'));
    await app.start();
    await app.shutdown();
    expect(t.order('stop')).toEqual(['api', 'exporter', 'config']);
  });

  it('two stopsLast nodes both outlive the rest, in their declared order', async () => {
    const t = new Timeline();
    const app = new LifecycleContainer({ shutdownTimeoutMs: 5_000 });
    app
      .resource('logs', { ...fake(t, 'logs'), stopsLast: true })
      .resource('traces', { ...fake(t, 'traces'), stopsLast: true, dependsOn: ['logs'] })
      .resource('api', fake(t, 'api'));
    await app.start();
    await app.shutdown();
    expect(t.order('stop')).toEqual(['api', 'traces', 'logs']);
  });

  it('refuses a non-boolean stopsLast, naming the field', () => {
    const app = new LifecycleContainer();
    expect(() => app.resource('x', { value: 1, stopsLast: 'yes' as never })).toThrow(InvalidOptionsError);
    expect(() => app.resource('x', { value: 1, stopsLast: 'yes' as never })).toThrow(/stopsLast/);
  });
});
