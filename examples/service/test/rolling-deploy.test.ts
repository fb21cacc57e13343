import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runRollingDeploy, type RollingResult } from '../src/rolling/scenario.js';
import { rollingEffects, type RollingEffects } from '../src/rolling/verify.js';
import { effectsFor, pgConnectionsOf, redisConnectionsOf, servers } from './support/backends.js';

// Three replicas behind a real HAProxy, each replaced twice under a paced keep-alive load while
// orders flow through the shared queue. ~20 s per variant on an idle 2-core machine. HAProxy never
// retries on another replica here (as kube-proxy, which does not): a request a replica refuses or
// resets counts as failed. `pnpm example:rolling` also runs each variant behind a retrying HAProxy.
const SHUTDOWN_TIMEOUT_MS = 8_000;

function run(variant: 'quiesce' | 'naive', drainDelayMs?: number, rounds = 2): Promise<RollingResult> {
  const s = servers();
  return runRollingDeploy({
    urls: { DATABASE_URL: s.pg.url, REDIS_URL: s.redis.url, AMQP_URL: s.amqp.url },
    variant,
    rounds,
    ...(drainDelayMs !== undefined ? { drainDelayMs } : {}),
    shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
    entry: fileURLToPath(new URL('../dist/main.js', import.meta.url)),
  });
}

/** Runs the deploy, reads its effects in PostgreSQL and prints the counts. */
async function deploy(variant: 'quiesce' | 'naive', drainDelayMs?: number, rounds?: number): Promise<{ r: RollingResult; effects: RollingEffects }> {
  const r = await run(variant, drainDelayMs, rounds);
  const effects = await rollingEffects(servers().pg.url, r);
  console.log(summary(r, effects));
  return { r, effects };
}

function summary(r: RollingResult, e: RollingEffects): string {
  const errors = r.failed.reduce<Record<string, number>>((acc, f) => {
    const key = f.error ?? String(f.status);
    return { ...acc, [key]: (acc[key] ?? 0) + 1 };
  }, {});
  const lines = [
    `${r.variant} (balancer retries ${r.balancerRetries}): ${r.requests.length} requests, ${r.failed.length} failed ${JSON.stringify(errors)}, ${r.orderIds.length} orders, lost audit entries ${e.lostAuditEntries}, items created twice ${e.duplicatedItems}, missing ${e.missingItems}, wall ${Math.round(r.wallMs)} ms (drain delay ${r.drainDelayMs} ms)`,
    ...r.replacements.map((p) => `  replace ${p.replica}: exit ${p.exit.code} after ${Math.round(p.exitMs)} ms, UP again after ${Math.round(p.replaceMs)} ms, ${p.requests} requests, ${p.failed} failed, worst latency ${Math.round(p.worstLatencyMs)} ms${p.reportWarnings.map((w) => `\n    report warning: ${w}`).join('')}`),
  ];
  return lines.join('\n');
}

describe('rolling deploy of 3 replicas behind HAProxy under load, no balancer retries (the kube-proxy case)', () => {
  it('quiesce: no failed request, every order and item applied exactly once, every audit entry flushed, every replica exits 0 in time, no connection left', async () => {
    const { r, effects } = await deploy('quiesce');
    expect(r.balancerRetries).toBe(0);

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
    // The drain (1000 ms) outlasts HAProxy's detection (≤ 3 × 200 ms): no report says it was too short.
    for (const p of r.replacements) expect(p.reportWarnings, `replica ${p.replica}'s report`).toEqual([]);
    // Every POST sent got its 201 (above) and is exactly one row: none lost, none retried into a second row.
    expect(effects).toMatchObject({ missingItems: 0, duplicatedItems: 0, lostAuditEntries: 0, ordersApplied: r.orderIds.length });
    const perOrder = await effectsFor(r.orderIds);
    expect(perOrder.size).toBe(r.orderIds.length);
    expect([...perOrder.values()].every((n) => n === 1)).toBe(true);
    for (const pid of r.pids) {
      expect(await pgConnectionsOf(pid)).toBe(0);
      expect(await redisConnectionsOf(pid)).toBe(0);
    }
  });

  it('a balancer slower than the drain (100 ms drain, HAProxy needs 400–600 ms): requests fail, and the reports say so with QUIESCE_DRAIN_TOO_SHORT', async () => {
    const { r } = await deploy('quiesce', 100, 1);
    expect(r.replacements).toHaveLength(3);
    expect(r.failed.length).toBeGreaterThan(0);
    // #29: these replicas' reports said ok with no warning while requests failed; now each says why.
    for (const p of r.replacements) {
      expect(p.reportOk, `replica ${p.replica}'s shutdown report`).toBe(true);
      expect(p.reportWarnings, `replica ${p.replica}'s report`).toContainEqual(expect.stringMatching(/ QUIESCE_DRAIN_TOO_SHORT: \d+ requests? arrived in the last \d+ ms of the \d+ ms drain .*raise drainDelayMs/));
    }
  });

  it('naive process.exit(): the same deploy fails requests and loses audit entries', async () => {
    const { r, effects } = await deploy('naive');

    expect(r.failed.length).toBeGreaterThan(0);
    // …and they happen while a replica is being replaced, not at random.
    expect(r.replacements.reduce((n, p) => n + p.failed, 0)).toBeGreaterThan(0);
    expect(effects.lostAuditEntries).toBeGreaterThan(0);
    // The queue still delivers every order (unacked messages are requeued, the effect is idempotent):
    // the damage is in requests and in-memory state.
    expect((await effectsFor(r.orderIds)).size).toBe(r.orderIds.length);
  });
});
