import { describe, expect, it } from 'vitest';
import { LifecycleContainer } from '../src/index.js';
import { sleep } from './support/timeline.js';

describe('the shutdown report', () => {
  it('has per-node status, offsets and durations, a critical path, JSON and a table', async () => {
    const app = new LifecycleContainer({ shutdownTimeoutMs: 2_000 })
      .resource('db', { value: 1, stop: () => sleep(40) })
      .resource('cache', { value: 2, stop: () => sleep(5) })
      .resource('api', { value: 3, dependsOn: ['db', 'cache'], stop: () => sleep(30) })
      .resource('jobs', { value: 4, dependsOn: ['db'], stop: () => sleep(80) });
    await app.start();
    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    // jobs (80) → db (40) is the longest chain; api (30) → db would be shorter.
    expect(report.criticalPath).toEqual(['jobs', 'db']);
    const db = report.node('db')!;
    expect(db.startOffsetMs!).toBeGreaterThanOrEqual(report.node('jobs')!.endOffsetMs! - 1);
    expect(db.durationMs!).toBeGreaterThanOrEqual(35);
    expect(db.dependsOn).toEqual([]);
    expect(report.node('api')!.dependsOn).toEqual(['db', 'cache']);
    const json = JSON.parse(JSON.stringify(report));
    expect(json).toMatchObject({ schema: 'quiesce.shutdown-report/1', ok: true, deadlineMs: 2_000, criticalPath: ['jobs', 'db'] });
    expect(json.nodes).toHaveLength(4);
    const table = report.toTable().split('\n');
    expect(table[0]).toMatch(/^shutdown ok in \d+(\.\d)? ms \(deadline 2\.00 s\)$/);
    expect(table[1]).toMatch(/node\s+status\s+start\s+duration\s+timeout\s+after\s+parts \/ why/);
    expect(table.at(-1)).toBe('critical path: jobs → db');
    expect(report.toSummary()).toMatch(/^shutdown ok in \d+(\.\d)? ms \(deadline 2\.00 s\); critical path: jobs → db$/);
    expect(table.find((l) => l.includes(' db '))).toMatch(/^\* db\s+stopped/);
    expect(table.find((l) => l.includes(' cache '))).toMatch(/^ {2}cache\s+stopped/);
  });
});
