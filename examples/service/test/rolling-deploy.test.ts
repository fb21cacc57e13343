import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { failed } from '../src/rolling/paced-load.js';
import { runRollingDeploy, type RollingResult } from '../src/rolling/scenario.js';
import { auditedItemIds, effectsFor, pgConnectionsOf, redisConnectionsOf, servers, sql } from './support/backends.js';

// Three replicas behind a real HAProxy, each replaced twice under a paced keep-alive load while
// orders flow through the shared queue. ~20 s per variant on an idle 2-core machine.
const SHUTDOWN_TIMEOUT_MS = 8_000;

function run(variant: 'quiesce' | 'naive'): Promise<RollingResult> {
  const s = servers();
  return runRollingDeploy({
    urls: { DATABASE_URL: s.pg.url, REDIS_URL: s.redis.url, AMQP_URL: s.amqp.url },
    variant,
    rounds: 2,
    shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
    entry: fileURLToPath(new URL('../dist/main.js', import.meta.url)),
  });
}

/** The rows in `items` for each POST sent, by name: exactly one per accepted POST. */
async function itemRows(names: readonly string[]): Promise<Map<string, number>> {
  const rows = await sql<{ name: string; n: string }>('SELECT name, count(*) AS n FROM items WHERE name = ANY($1) GROUP BY name', [names]);
  return new Map(rows.map((r) => [r.name, Number(r.n)]));
}

function summary(r: RollingResult, lostAudit: number, duplicated: number): string {
  const errors = r.failed.reduce<Record<string, number>>((acc, f) => {
    const key = f.error ?? String(f.status);
    return { ...acc, [key]: (acc[key] ?? 0) + 1 };
  }, {});
  const lines = [
    `${r.variant}: ${r.requests.length} requests, ${r.failed.length} failed ${JSON.stringify(errors)}, ${r.orderIds.length} orders, lost audit entries ${lostAudit}, duplicated items ${duplicated}, wall ${Math.round(r.wallMs)} ms (drain delay ${r.drainDelayMs} ms)`,
    ...r.replacements.map((p) => `  replace ${p.replica}: exit ${p.exit.code} after ${Math.round(p.exitMs)} ms, UP again after ${Math.round(p.replaceMs)} ms, ${p.requests} requests, ${p.failed} failed, worst latency ${Math.round(p.worstLatencyMs)} ms`),
  ];
  return lines.join('\n');
}

describe('rolling deploy of 3 replicas behind HAProxy under load', () => {
  it('quiesce: no failed request, every order and item applied exactly once, every audit entry flushed, every replica exits 0 in time, no connection left', async () => {
    const r = await run('quiesce');
    const audited = await auditedItemIds(r.createdIds);
    const lostAudit = r.createdIds.filter((id) => !audited.has(id)).length;
    const items = await itemRows(r.postNames);
    const duplicated = [...items.values()].filter((n) => n > 1).length;
    console.log(summary(r, lostAudit, duplicated));

    expect(r.replacements).toHaveLength(6);
    expect(r.requests.length).toBeGreaterThan(1_000);
    expect(r.failed.slice(0, 5)).toEqual([]);
    // Each replacement saw traffic: the deploy really happened under load.
    for (const p of r.replacements) expect(p.requests).toBeGreaterThan(0);

    for (const e of [...r.replacements, ...r.finalExits]) {
      expect(e.exit, `replica ${e.replica}`).toMatchObject({ code: 0, signal: null });
      expect(e.exitMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
      expect(e.reportOk, `replica ${e.replica}'s shutdown report`).toBe(true);
    }
    // Every POST sent is exactly one row (none lost, none retried into a second row).
    expect(r.postNames.filter((n) => items.get(n) !== 1)).toEqual([]);
    expect(lostAudit).toBe(0);
    const effects = await effectsFor(r.orderIds);
    expect(effects.size).toBe(r.orderIds.length);
    expect([...effects.values()].every((n) => n === 1)).toBe(true);
    for (const pid of r.pids) {
      expect(await pgConnectionsOf(pid)).toBe(0);
      expect(await redisConnectionsOf(pid)).toBe(0);
    }
  });

  it('naive process.exit(): the same deploy fails requests and loses audit entries', async () => {
    const r = await run('naive');
    const audited = await auditedItemIds(r.createdIds);
    const lostAudit = r.createdIds.filter((id) => !audited.has(id)).length;
    const items = await itemRows(r.postNames);
    const duplicated = [...items.values()].filter((n) => n > 1).length;
    console.log(summary(r, lostAudit, duplicated));

    expect(r.failed.length).toBeGreaterThan(0);
    expect(r.failed.every(failed)).toBe(true);
    expect(lostAudit).toBeGreaterThan(0);
    // The queue still delivers every order (unacked messages are requeued, the effect is idempotent):
    // the damage is in requests and in-memory state.
    expect((await effectsFor(r.orderIds)).size).toBe(r.orderIds.length);
  });
});
