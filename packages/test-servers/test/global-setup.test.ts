import pg from 'pg';
import { expect, inject, it } from 'vitest';
import { probeAmqp, probeMariaDB, probeNats, probeRedis } from '../src/probes.js';

// Runs with src/vitest-global-setup.ts as globalSetup (see vitest.config.ts); proves the
// provide/inject path and that `inject('servers')` is typed by the augmentation.
it('receives working servers from the global setup through inject()', async () => {
  const servers = inject('servers');
  expect(servers.pg).toMatchObject({ host: '127.0.0.1', user: 'quiesce', password: 'quiesce', database: 'quiesce' });
  expect(servers.redis.url).toBe(`redis://127.0.0.1:${servers.redis.port}`);
  expect(servers.amqp.url).toBe(`amqp://guest:guest@127.0.0.1:${servers.amqp.port}`);

  const client = new pg.Client({ connectionString: servers.pg.url });
  await client.connect();
  expect((await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0]?.db).toBe(servers.pg.database);
  await client.end();
  expect(await probeRedis(servers.redis.port)).toBe(true);
  expect(await probeAmqp(servers.amqp.port)).toBe(true);
  expect(servers.mariadb).toMatchObject({ host: '127.0.0.1', user: 'quiesce', password: 'quiesce', database: 'quiesce' });
  expect(await probeMariaDB(servers.mariadb.port)).toBe(true);
  expect(servers.nats.url).toBe(`nats://127.0.0.1:${servers.nats.port}`);
  expect(await probeNats(servers.nats.port)).toBe(true);
});
