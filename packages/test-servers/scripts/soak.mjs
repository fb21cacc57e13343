// Soak (not in CI): N start → load → shutdown cycles of one app using all three adapters, in one
// process, against real servers; asserts every report is ok and that the servers' connection counts
// and this process' handles stay flat. After `pnpm run build`:
//   node packages/test-servers/scripts/soak.mjs [cycles=200]
// Uses QUIESCE_*_URL servers when set, else starts its own.
import { LifecycleContainer } from '../../core/dist/index.js';
import { amqpConnection, amqpConsumer, amqpPublisher } from '../../adapters/amqp/dist/index.js';
import { pgPool } from '../../adapters/pg/dist/index.js';
import { ioredisClient } from '../../adapters/redis/dist/index.js';
import { activeHandles, startAllServers } from '../dist/index.js';

const cycles = Number(process.argv[2] ?? 200);
const NAME = `quiesce-soak-${process.pid}`;
const servers = await startAllServers();
const { default: pg } = await import('../../adapters/pg/node_modules/pg/lib/index.js');
const { Redis } = await import('../../adapters/redis/node_modules/ioredis/built/index.js');

// Observers of our own, opened once: what the servers see of the app's connections.
const pgAdmin = new pg.Client({ connectionString: servers.pg.url });
await pgAdmin.connect();
const redisAdmin = new Redis(servers.redis.url);
const counts = async () => ({
  pg: Number((await pgAdmin.query('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [NAME])).rows[0].n),
  redis: String(await redisAdmin.call('CLIENT', 'LIST')).split('\n').filter((l) => l.includes(` name=${NAME} `)).length,
  amqp: servers.amqp.ctl ? (await servers.amqp.ctl(['list_connections', '-q', 'client_properties'])).split('\n').filter((l) => l.includes(NAME)).length : NaN,
  handles: Object.values(activeHandles()).reduce((a, b) => a + b, 0),
});

const queue = `${NAME}-q`;
const samples = [];
let failures = 0;
const began = Date.now();
for (let cycle = 1; cycle <= cycles; cycle++) {
  const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000 });
  app.resource('db', pgPool({ config: { connectionString: servers.pg.url, application_name: NAME, max: 4 } }));
  app.resource('cache', ioredisClient({ config: { url: servers.redis.url, connectionName: NAME } }));
  app.resource('amqp', amqpConnection({ config: servers.amqp.url, socketOptions: { clientProperties: { connection_name: NAME } } }));
  app.resource('out', amqpPublisher({ connectionToken: 'amqp' }));
  let handled = 0;
  app.resource('in', amqpConsumer({ connectionToken: 'amqp', queue, assertQueue: { durable: false }, handler: async () => void handled++ }));
  await app.start();
  const db = app.get('db');
  const cache = app.get('cache');
  const out = app.get('out');
  await Promise.all([
    ...Array.from({ length: 20 }, (_, i) => db.query('SELECT $1::int', [i])),
    ...Array.from({ length: 100 }, (_, i) => cache.set(`${NAME}:${i}`, String(cycle))),
  ]);
  for (let i = 0; i < 20; i++) out.sendToQueue(queue, Buffer.from(String(i)));
  await out.waitForConfirms();
  const sampling = cycle === 1 || cycle % 20 === 0;
  // While running the observers must see the app (else "0 after shutdown" would prove nothing).
  const live = sampling ? await counts() : undefined;
  const report = await app.shutdown();
  if (!report.ok) {
    failures++;
    console.error(`cycle ${cycle}: NOT ok\n${report.toTable()}`);
  }
  if (sampling) {
    const sample = { cycle, ...(await counts()), live, handled, ms: Date.now() - began };
    if (!(live.pg > 0 && live.redis === 1 && live.amqp === 1)) {
      failures++;
      console.error(`cycle ${cycle}: the observers did not see the running app: ${JSON.stringify(live)}`);
    }
    samples.push(sample);
    console.log(JSON.stringify(sample));
  }
}
const [first, last] = [samples[0], samples.at(-1)];
const grew = ['pg', 'redis', 'amqp', 'handles'].filter((k) => last[k] > first[k]);
console.log(`${cycles} cycles in ${Date.now() - began} ms; reports not ok: ${failures}; counts after the first/last cycle: ${JSON.stringify({ first, last })}`);
const cleanup = await (await import('../../adapters/amqp/node_modules/amqplib/channel_api.js')).connect(servers.amqp.url);
await (await cleanup.createChannel()).deleteQueue(queue);
await cleanup.close();
await pgAdmin.end();
redisAdmin.disconnect();
await servers.stop();
if (failures > 0 || grew.length > 0) {
  console.error(`FAILED: ${failures} reports not ok; grew: ${grew.join(', ') || '-'}`);
  process.exitCode = 1;
}
