import { describe, expect, it } from 'vitest';
import { LifecycleContainer, ShutdownReport } from '../src/index.js';

// ctx.note(text): what a node's stop did or waited for, on its report line (#30: "every adapter's
// row says what it waited for").
describe('ctx.note: a remark on the node that made it', () => {
  it("joins a node's notes with '; ', shows them in the table's why column, keeps the report ok and survives JSON", async () => {
    const app = new LifecycleContainer()
      .resource('db', { value: 1, start: (_v, ctx) => ctx.note('adopted a pool of 10'), stop: (_v, ctx) => ctx.note('waited for 2 checkouts') })
      .resource('jobs', { value: 2, dependsOn: ['db'], quiesce: (_v, ctx) => ctx.note('waited for 3 active jobs') })
      .resource('cache', { value: 3 });
    await app.start();
    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    expect(report.node('db')?.note).toBe('adopted a pool of 10; waited for 2 checkouts');
    expect(report.node('jobs')?.note).toBe('waited for 3 active jobs');
    expect(report.node('cache')?.note).toBeUndefined();
    expect(report.toTable().split('\n').find((l) => l.includes(' jobs '))).toMatch(/stopped.*waited for 3 active jobs$/);
    expect(ShutdownReport.fromJSON(JSON.parse(JSON.stringify(report))).node('db')?.note).toBe('adopted a pool of 10; waited for 2 checkouts');
  });

  it('a note beside the engine\'s own remark (one instance bound twice) keeps both', async () => {
    const shared = { stop: () => {} };
    const app = new LifecycleContainer()
      .resource('a', { value: shared, stop: (_v, ctx) => ctx.note('closed') })
      .resource('b', { value: shared });
    await app.start();
    const report = await app.shutdown();
    const notes = [report.node('a')?.note, report.node('b')?.note].filter(Boolean).join(' | ');
    expect(notes).toMatch(/the same instance as/);
    expect(notes).toMatch(/closed/);
  });
});
