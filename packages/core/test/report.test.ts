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

describe('the headline says where the time went', () => {
  it('leads with the drain delay when it took most of the shutdown, so the stops are not blamed for it', async () => {
    const app = new LifecycleContainer({ shutdownTimeoutMs: 3_000, drainDelayMs: 300 }).resource('db', { value: 1, stop: () => sleep(20) });
    await app.start();
    const report = await app.shutdown();
    expect(report.drain.durationMs).toBeGreaterThanOrEqual(290);
    expect(report.toTable().split('\n')[0]).toMatch(/^shutdown ok in \d+ ms: drain delay 3\d\d ms, stops \d+(\.\d)? ms \(deadline 3\.00 s\)$/);
    // A short drain beside long stops does not lead: the stops are the story.
    const slow = new LifecycleContainer({ shutdownTimeoutMs: 3_000, drainDelayMs: 20 }).resource('db', { value: 1, stop: () => sleep(300) });
    await slow.start();
    expect((await slow.shutdown()).toTable().split('\n')[0]).toMatch(/^shutdown ok in 3\d\d ms \(deadline 3\.00 s\)$/);
  });

  it('a failed shutdown names the drain beside its culprits', async () => {
    const app = new LifecycleContainer({ shutdownTimeoutMs: 3_000, drainDelayMs: 300 }).resource('db', {
      value: 1,
      stop: () => {
        throw new Error('boom');
      },
    });
    await app.start();
    expect((await app.shutdown()).toTable().split('\n')[0]).toMatch(/^shutdown NOT ok in 3\d\d ms \(drain delay 3\d\d ms, stops \d+(\.\d)? ms\): db failed$/);
  });
});
