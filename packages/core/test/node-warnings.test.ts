import { describe, expect, it } from 'vitest';
import { LifecycleContainer, ShutdownReport } from '../src/index.js';
import { readReport } from '../src/cli/read-report.js';

// The per-node warning seam: ctx.warn(code, message) from any hook lands on the node's report line,
// in report.warnings (named by the node, after the best-effort lines), in the text table and the JSON.
describe('ctx.warn: a warning on the node that gave it', () => {
  async function warnedReport(): Promise<ShutdownReport> {
    const app = new LifecycleContainer()
      .resource('db', { value: 1, start: (_v, ctx) => ctx.warn('QUIESCE_EARLY', 'seen at start') })
      .resource('cache', { value: 2, policy: 'bestEffort', stop: () => Promise.reject(new Error('flush failed')) })
      .resource('api', { value: 3, dependsOn: ['db'], quiesce: (_v, ctx) => ctx.warn('QUIESCE_DRAIN_TOO_SHORT', '3 requests arrived in the last 200 ms of the 1000 ms drain') });
    await app.start();
    return app.shutdown();
  }

  it('is on the node, keeps the report ok, and follows the best-effort lines in report.warnings', async () => {
    const report = await warnedReport();
    expect(report.ok).toBe(true);
    expect(report.node('db')?.warnings).toEqual([{ code: 'QUIESCE_EARLY', message: 'seen at start' }]);
    expect(report.node('api')?.warnings).toEqual([{ code: 'QUIESCE_DRAIN_TOO_SHORT', message: '3 requests arrived in the last 200 ms of the 1000 ms drain' }]);
    expect(report.node('cache')?.warnings).toBeUndefined();
    expect(report.warnings).toEqual([
      'cache (best effort) failed: flush failed',
      'db QUIESCE_EARLY: seen at start',
      'api QUIESCE_DRAIN_TOO_SHORT: 3 requests arrived in the last 200 ms of the 1000 ms drain',
    ]);
  });

  it('is printed under the table, and survives JSON, the CLI reader and fromJSON', async () => {
    const report = await warnedReport();
    const table = report.toTable().split('\n');
    expect(table.at(-1)).toBe('warning: api QUIESCE_DRAIN_TOO_SHORT: 3 requests arrived in the last 200 ms of the 1000 ms drain');
    const read = readReport(JSON.stringify(report), 'report.json');
    expect(read.nodes.find((n) => n.name === 'api')?.warnings).toHaveLength(1);
    expect(ShutdownReport.fromJSON(read).warnings).toEqual(report.warnings);
    expect(ShutdownReport.fromJSON(read).toTable()).toBe(report.toTable());
  });

  it('a report with no warning has no warnings field on any node', async () => {
    const app = new LifecycleContainer().resource('db', { value: 1, stop: () => undefined });
    await app.start();
    const json = (await app.shutdown()).toJSON();
    expect(json.nodes.every((n) => !('warnings' in n))).toBe(true);
    expect(json.warnings).toEqual([]);
  });
});
