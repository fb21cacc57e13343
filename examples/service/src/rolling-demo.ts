// `pnpm example:rolling`: the rolling-deploy proof to watch. Starts PostgreSQL, Redis and RabbitMQ
// (as `pnpm example` does) and HAProxy on loopback, runs three replicas of the service behind it,
// replaces each of them twice under load, then does the same with replicas that call
// process.exit() on SIGTERM — each behind a balancer that never retries (as kube-proxy: the
// verdict) and one that retries a refused connect on another replica (retries hide damage). A line
// per phase; the counts at the end.
//   node dist/rolling-demo.js [--variant quiesce|naive] [--rounds N] [--retries 0|2|both]
import { parseArgs } from 'node:util';
import { startAllServers } from '@quiesce/test-servers';
import { runRollingDeploy } from './rolling/scenario.js';
import { rollingEffects } from './rolling/verify.js';

// `pnpm example:rolling -- --rounds 1` may pass the `--` on.
const args = process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--'));
const { values } = parseArgs({ args, options: { variant: { type: 'string' }, rounds: { type: 'string', default: '2' }, retries: { type: 'string', default: 'both' } } });
const variants = values.variant === undefined ? (['quiesce', 'naive'] as const) : [values.variant];
if (!variants.every((v) => v === 'quiesce' || v === 'naive')) throw new Error(`--variant: expected quiesce or naive, got ${values.variant}`);
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 10) throw new Error(`--rounds: expected an integer from 1 to 10, got ${values.rounds}`);
const retryCounts = values.retries === 'both' ? [0, 2] : [Number(values.retries)];
if (!retryCounts.every((n) => Number.isInteger(n) && n >= 0 && n <= 5)) throw new Error(`--retries: expected 0 to 5 or both, got ${values.retries}`);

console.log('starting PostgreSQL, Redis and RabbitMQ on 127.0.0.1 (installing them first if missing)…');
const servers = await startAllServers();
const counts: string[] = [];
try {
  for (const variant of variants as readonly ('quiesce' | 'naive')[]) for (const balancerRetries of retryCounts) {
    const urls = { DATABASE_URL: servers.pg.url, REDIS_URL: servers.redis.url, AMQP_URL: servers.amqp.url };
    const result = await runRollingDeploy({ urls, variant, rounds, balancerRetries, log: (line) => console.log(line) });
    const effects = await rollingEffects(servers.pg.url, result);
    const worst = Math.max(...result.replacements.map((r) => r.worstLatencyMs));
    const exits = [...result.replacements, ...result.finalExits].map((e) => e.exit.code ?? e.exit.signal);
    counts.push(
      `${variant.padEnd(7)} retries ${balancerRetries}: ${result.requests.length} requests, ${result.failed.length} failed, worst latency during a replacement ${Math.round(worst)} ms; `
        + `${effects.ordersApplied}/${result.orderIds.length} orders applied, ${effects.duplicatedItems} items created twice, ${effects.missingItems} missing, `
        + `${effects.lostAuditEntries} audit entries lost; exit codes ${[...new Set(exits)].join(',')}`,
    );
  }
} finally {
  console.log('stopping the servers…');
  await servers.stop();
}
console.log(`\n${counts.join('\n')}`);
