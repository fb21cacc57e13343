import { afterAll, describe, expect, it } from 'vitest';
import { deleteQueue, pgConnectionsOf, redisConnectionsOf, serviceEnv, waitUntil } from './support/backends.js';
import { ServiceProcess } from './support/service-process.js';

const queues: string[] = [];
function queueName(what: string): string {
  const q = `orders-${what}-${Date.now()}-${Math.random().toString(36).slice(2, 7)}`;
  queues.push(q);
  return q;
}
afterAll(async () => {
  for (const q of queues) await deleteQueue(q).catch(() => undefined);
});

describe('failure modes of a real service process', () => {
  it('a hung dependency: the process still exits within the global deadline, exit 1, the report names the timed-out node', async () => {
    const service = ServiceProcess.spawn({ ...serviceEnv(queueName('hung')), FAULT_HANG_STOP: '1', SHUTDOWN_TIMEOUT_MS: '2500', DRAIN_DELAY_MS: '100' });
    try {
      await service.port();
      const signalledAt = service.signal('SIGTERM');
      const exit = await service.exited;
      expect(exit.code).toBe(1);
      expect(exit.at - signalledAt).toBeLessThan(2_500 + 1_500);
      const report = service.report();
      const byName = new Map(report.nodes.map((n) => [n.name, n]));
      expect(byName.get('audit-log')!.status).toBe('timedOut');
      expect(byName.get('audit-log')!.limitedBy).toBe('budget');
      // Everything else stopped cleanly, the database after the hung node, within the deadline.
      for (const [name, node] of byName) if (name !== 'audit-log') expect(node.status, name).toBe('stopped');
      expect(report.deadlinePassed).toBe(false);
      expect(service.stderr).toMatch(/audit-log\s+timedOut/);
      expect(await pgConnectionsOf(service.child.pid!)).toBe(0);
    } finally {
      service.kill();
    }
  });

  it('a second SIGINT exits at once with 130 and says what was pending', async () => {
    const service = ServiceProcess.spawn({ ...serviceEnv(queueName('twice')), DRAIN_DELAY_MS: '3000' });
    try {
      await service.port();
      const signalledAt = service.signal('SIGINT');
      await new Promise((r) => setTimeout(r, 300));
      service.signal('SIGINT');
      const exit = await service.exited;
      expect(exit.code).toBe(130);
      expect(exit.at - signalledAt).toBeLessThan(2_000);
      expect(service.stderr).toMatch(/second signal \(SIGINT\) during shutdown: exiting now with code 130/);
    } finally {
      service.kill();
    }
  });

  it('a SIGTERM during startup stops what started, exits non-zero, and leaves no connection open', async () => {
    const service = ServiceProcess.spawn({ ...serviceEnv(queueName('startup')), FAULT_SLOW_START_MS: '20000' });
    try {
      await service.waitFor(/dependency graph/);
      const pid = service.child.pid!;
      // Wait until the stores are up (the cache warmer is then stuck in its slow start).
      await waitUntil(async () => (await pgConnectionsOf(pid)) > 0 && (await redisConnectionsOf(pid)) > 0, 20_000, 'pg and redis connections');
      service.signal('SIGTERM');
      const exit = await service.exited;
      expect(exit.code).toBe(1);
      expect(service.stdout).not.toContain('listening on');
      const report = service.report();
      const byName = new Map(report.nodes.map((n) => [n.name, n]));
      expect(byName.get('http')).toMatchObject({ status: 'skipped', reason: 'not started' });
      expect(byName.get('db')!.status).toBe('stopped');
      expect(byName.get('cache')!.status).toBe('stopped');
      expect(await pgConnectionsOf(pid)).toBe(0);
      expect(await redisConnectionsOf(pid)).toBe(0);
    } finally {
      service.kill();
    }
  });

  it('rejects invalid configuration naming the field, starting nothing', async () => {
    const service = ServiceProcess.spawn({ ...serviceEnv(queueName('config')), DATABASE_URL: 'mysql://nope', PREFETCH: '-3' });
    const exit = await service.exited;
    expect(exit.code).toBe(2);
    expect(service.stderr).toMatch(/Invalid configuration: .*DATABASE_URL: expected a postgres:\/\/ URL/);
    expect(service.stderr).toMatch(/PREFETCH/);
  });
});
