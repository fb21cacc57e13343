import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { findRabbitMQ, type RabbitMQBinaries } from './binaries.js';
import { amqpFromEnv } from './env-override.js';
import { LogTail } from './log-tail.js';
import { getFreePort, isPortOpen } from './ports.js';
import { probeAmqp } from './probes.js';
import { launch, run, type ManagedProcess } from './process.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';
import type { RabbitMQServer, StartOptions } from './types.js';
import { startOrReuse } from './start-or-reuse.js';
import { waitUntilReady } from './wait.js';

export type RabbitMQOptions = StartOptions;

const HOST = '127.0.0.1';

/**
 * Starts a private RabbitMQ node on 127.0.0.1 (guest/guest, no plugins) with its
 * own HOME (Erlang cookie), data and log dirs, and its own epmd on a private port,
 * so it neither meets a system-wide node nor leaves an epmd behind.
 * QUIESCE_AMQP_URL, when set, is returned instead. Takes seconds, not milliseconds.
 */
export function startRabbitMQ(opts: RabbitMQOptions = {}): Promise<RabbitMQServer> {
  return startOrReuse('rabbitmq', opts, amqpFromEnv, findRabbitMQ, (bins) => startOnce(bins, opts));
}

interface Layout {
  dir: string;
  home: string;
  env: NodeJS.ProcessEnv;
  nodeName: string;
}

async function prepare(dir: string, ports: { amqp: number; dist: number; epmd: number }): Promise<Layout> {
  const home = path.join(dir, 'home');
  const mnesia = path.join(dir, 'mnesia');
  const logs = path.join(dir, 'log');
  await Promise.all([mkdir(home), mkdir(mnesia), mkdir(logs)]);
  // Written up front so that the server and rabbitmqctl share it without a race;
  // Erlang insists on owner-only permissions.
  await writeFile(path.join(home, '.erlang.cookie'), randomBytes(15).toString('hex').toUpperCase(), { mode: 0o400 });
  await writeFile(path.join(dir, 'enabled_plugins'), '[].\n');
  await writeFile(path.join(dir, 'rabbitmq-env.conf'), '');
  await writeFile(path.join(dir, 'rabbitmq.conf'), [
    '# guest may log in, from loopback only (the RabbitMQ default, stated on purpose)',
    'loopback_users.guest = true',
    '# CI disks can be nearly full; the default 50MB alarm would block publishers',
    'disk_free_limit.absolute = 1MB',
    '',
  ].join('\n'));
  const nodeName = `quiesce-${process.pid}-${randomBytes(3).toString('hex')}@localhost`;
  // Drop inherited RABBITMQ_*/ERL_* settings: they would point at a system node.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(RABBITMQ_|ERL_)/.test(k)));
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    HOME: home,
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_IP_ADDRESS: HOST,
    RABBITMQ_NODE_PORT: String(ports.amqp),
    RABBITMQ_DIST_PORT: String(ports.dist),
    RABBITMQ_MNESIA_BASE: mnesia,
    RABBITMQ_LOG_BASE: logs,
    // '-' = log to stdout, which lands in our LogTail for error messages.
    RABBITMQ_LOGS: '-',
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: path.join(dir, 'advanced.config'),
    // Keep /etc/rabbitmq/rabbitmq-env.conf (system node settings) out of it.
    RABBITMQ_CONF_ENV_FILE: path.join(dir, 'rabbitmq-env.conf'),
    // Our own epmd: the one `erl` would start by itself daemonizes on 4369 and
    // outlives everything.
    ERL_EPMD_PORT: String(ports.epmd),
    ERL_EPMD_ADDRESS: HOST,
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
  return { dir, home, env, nodeName };
}

async function startOnce(bins: RabbitMQBinaries, opts: RabbitMQOptions): Promise<RabbitMQServer> {
  const amqpPort = opts.port ?? (await getFreePort());
  const ports = { amqp: amqpPort, dist: await getFreePort(), epmd: await getFreePort() };
  const log = new LogTail(400);
  const dir = await makeTempDir('rabbitmq');
  let epmd: ManagedProcess | undefined;
  let server: ManagedProcess | undefined;
  try {
    const layout = await prepare(dir, ports);
    epmd = await launch('rabbitmq', bins.epmd, ['-port', String(ports.epmd), '-address', HOST], {
      log, env: layout.env, cwd: dir, deathSignal: 'SIGTERM',
    });
    await waitUntilReady(epmd, () => isPortOpen(ports.epmd, HOST), { timeoutMs: 5_000, what: `epmd on port ${ports.epmd}` });
    // The start script traps SIGTERM and stops the VM gracefully, so that is the
    // death signal; it keeps running as the VM's parent (no `exec`) for that reason.
    server = await launch('rabbitmq', bins.server, [], { log, env: layout.env, cwd: dir, deathSignal: 'SIGTERM' });
    const running = server;
    const ownEpmd = epmd;
    await waitUntilReady(running, () => probeAmqp(ports.amqp, HOST), {
      timeoutMs: opts.startTimeoutMs ?? 60_000,
      intervalMs: 100,
      what: `an AMQP Connection.Start on ${HOST}:${ports.amqp}`,
    });
    let stopping: Promise<void> | undefined;
    return {
      host: HOST,
      port: ports.amqp,
      url: `amqp://guest:guest@${HOST}:${ports.amqp}`,
      pid: running.pid,
      external: false,
      ctl: (args) => ctl(bins.ctl, layout, args),
      stop: () => (stopping ??= (async () => {
        await running.stop({
          request: () => run('rabbitmq', bins.ctl, ['-n', layout.nodeName, 'stop'], {
            log, env: layout.env, cwd: dir, timeoutMs: 30_000,
          }),
          signal: 'SIGTERM',
          graceMs: 15_000,
        });
        await ownEpmd.stop({ signal: 'SIGTERM', graceMs: 2_000 });
        await removeTempDir(dir);
      })()),
    };
  } catch (error) {
    await server?.stop({ signal: 'SIGKILL', graceMs: 2_000 });
    await epmd?.stop({ signal: 'SIGKILL', graceMs: 2_000 });
    await removeTempDir(dir);
    throw error;
  }
}

/** rabbitmqctl with the node's own cookie and name; its boot alone takes ~1 s (an Erlang VM). */
function ctl(command: string, layout: Layout, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, ['-n', layout.nodeName, ...args], { env: layout.env, cwd: layout.dir, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`[test-servers] rabbitmqctl ${args.join(' ')}: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}
