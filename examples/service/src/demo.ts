// `pnpm example`: start PostgreSQL, Redis and RabbitMQ on loopback (or use QUIESCE_*_URL), run the
// service as a child process, send it a little work, and let Ctrl-C show the shutdown report.
// The root script runs this file with `exec`: no shell stays between pnpm and us, since a shell
// that receives Ctrl-C twice (the terminal's and pnpm's copy) dies of SIGINT even when its child
// exits 0, and pnpm then reports a failure.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startAllServers } from '@quiesce/test-servers';
import amqp from 'amqplib';
import { relaySignals, watchListening } from './signal-relay.js';

const main = fileURLToPath(new URL('./main.js', import.meta.url));

if (process.argv.some((a) => a === '--graph' || a.startsWith('--graph='))) {
  // The graph needs no servers: placeholder URLs are never connected to.
  const env = { ...process.env, DATABASE_URL: 'postgres://localhost/x', REDIS_URL: 'redis://localhost', AMQP_URL: 'amqp://localhost' };
  spawn(process.execPath, [main, ...process.argv.slice(2)], { env, stdio: 'inherit' }).on('exit', (code) => (process.exitCode = code ?? 1));
} else {
  await demo();
}

async function demo(): Promise<void> {
  console.log('starting PostgreSQL, Redis and RabbitMQ on 127.0.0.1 (installing them first if missing)…');
  const servers = await startAllServers();
  console.log(`  postgres ${servers.pg.url}\n  redis    ${servers.redis.url}\n  rabbitmq ${servers.amqp.url}\n`);
  const queue = 'orders';
  const child = spawn(process.execPath, [main], {
    // stdout through us: the hint below waits for the service's "listening" line.
    stdio: ['inherit', 'pipe', 'inherit'],
    // Its own process group, so each Ctrl-C reaches it once, through relaySignals.
    detached: true,
    env: { ...process.env, DATABASE_URL: servers.pg.url, REDIS_URL: servers.redis.url, AMQP_URL: servers.amqp.url, QUEUE: queue, PORT: process.env.PORT ?? '8080' },
  });
  const exited = new Promise<number>((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 128 : 1))));
  const stopRelaying = relaySignals(child);
  const listening = watchListening(child);
  const published = await publishSomeOrders(servers.amqp.url, queue, 20).then(
    () => 'published 20 order messages; ',
    (e: unknown) => (console.error(`could not publish demo orders: ${String(e)}`), ''),
  );
  const url = await listening;
  if (url !== undefined) console.log(`\n${published}try: curl -XPOST ${url}/items -d '{"name":"x"}' — press Ctrl-C to shut down\n`);
  const code = await exited;
  stopRelaying();
  console.log(`\nservice exited with code ${code}; stopping the servers…`);
  await servers.stop();
  // The service's code is ours: 0 after a clean shutdown, so pnpm reports no failure.
  process.exitCode = code;
}

async function publishSomeOrders(url: string, queue: string, count: number): Promise<void> {
  const connection = await amqp.connect(url);
  const channel = await connection.createConfirmChannel();
  await channel.assertQueue(queue, { durable: true });
  for (let i = 0; i < count; i++) channel.sendToQueue(queue, Buffer.from(JSON.stringify({ id: `demo-${Date.now()}-${i}`, amount: i + 1 })), { persistent: true });
  await channel.waitForConfirms();
  await connection.close();
}
