// `pnpm example`: start PostgreSQL, Redis and RabbitMQ on loopback (or use QUIESCE_*_URL), run the
// service as a child process, send it a little work, and let Ctrl-C show the shutdown report.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startAllServers } from '@quiesce/test-servers';
import amqp from 'amqplib';

const main = fileURLToPath(new URL('./main.js', import.meta.url));

if (process.argv.includes('--graph')) {
  // The graph needs no servers: placeholder URLs are never connected to.
  const env = { ...process.env, DATABASE_URL: 'postgres://localhost/x', REDIS_URL: 'redis://localhost', AMQP_URL: 'amqp://localhost' };
  spawn(process.execPath, [main, '--graph'], { env, stdio: 'inherit' }).on('exit', (code) => (process.exitCode = code ?? 1));
} else {
  await demo();
}

async function demo(): Promise<void> {
  console.log('starting PostgreSQL, Redis and RabbitMQ on 127.0.0.1 (installing them first if missing)…');
  const servers = await startAllServers();
  console.log(`  postgres ${servers.pg.url}\n  redis    ${servers.redis.url}\n  rabbitmq ${servers.amqp.url}\n`);
  const queue = 'orders';
  const child = spawn(process.execPath, [main], {
    stdio: 'inherit',
    // Its own process group: Ctrl-C reaches only us, and we pass each signal on exactly once
    // (a second Ctrl-C is then a second signal for the service: its force path).
    detached: true,
    env: { ...process.env, DATABASE_URL: servers.pg.url, REDIS_URL: servers.redis.url, AMQP_URL: servers.amqp.url, QUEUE: queue, PORT: process.env.PORT ?? '8080' },
  });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  await publishSomeOrders(servers.amqp.url, queue, 20).catch((e: unknown) => console.error(`could not publish demo orders: ${String(e)}`));
  console.log('\npublished 20 order messages; try: curl -XPOST localhost:8080/items -d \'{"name":"x"}\' — press Ctrl-C to shut down\n');
  const code = await new Promise<number>((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 128 : 1))));
  console.log(`\nservice exited with code ${code}; stopping the servers…`);
  await servers.stop();
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
