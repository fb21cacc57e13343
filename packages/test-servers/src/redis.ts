import { findRedis, type RedisBinaries } from './binaries.js';
import { redisFromEnv } from './env-override.js';
import { LogTail } from './log-tail.js';
import { getFreePort } from './ports.js';
import { exchange, probeRedis } from './probes.js';
import { launch, type ManagedProcess } from './process.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';
import type { RedisServer, StartOptions } from './types.js';
import { startOrReuse } from './start-or-reuse.js';
import { waitUntilReady } from './wait.js';

export interface RedisOptions extends StartOptions {
  /** Extra redis-server arguments, e.g. ['--maxmemory', '10mb']. */
  args?: string[];
}

const HOST = '127.0.0.1';

/**
 * Starts a redis-server on 127.0.0.1 with persistence off and its working dir in
 * a temp dir. QUIESCE_REDIS_URL, when set, is returned instead.
 */
export function startRedis(opts: RedisOptions = {}): Promise<RedisServer> {
  return startOrReuse('redis', opts, redisFromEnv, findRedis, (bins) => startOnce(bins, opts));
}

async function startOnce(bins: RedisBinaries, opts: RedisOptions): Promise<RedisServer> {
  const port = opts.port ?? (await getFreePort());
  const log = new LogTail();
  const dir = await makeTempDir('redis');
  let proc: ManagedProcess | undefined;
  try {
    const args = [
      '--port', String(port),
      '--bind', HOST,
      '--save', '',
      '--appendonly', 'no',
      '--dir', dir,
      '--daemonize', 'no',
      ...(opts.args ?? []),
    ];
    proc = await launch('redis', bins.redisServer, args, { log, cwd: dir, deathSignal: 'SIGKILL' });
    const running = proc;
    await waitUntilReady(running, () => probeRedis(port, HOST), {
      timeoutMs: opts.startTimeoutMs ?? 10_000,
      what: `PONG on ${HOST}:${port}`,
    });
    let stopping: Promise<void> | undefined;
    return {
      host: HOST,
      port,
      url: `redis://${HOST}:${port}`,
      pid: running.pid,
      external: false,
      stop: () => (stopping ??= (async () => {
        await running.stop({
          // The server closes the connection without a reply when it shuts down.
          request: async () => void (await exchange(port, HOST, Buffer.from('SHUTDOWN NOSAVE\r\n'), () => false)),
          signal: 'SIGTERM',
          graceMs: 5_000,
        });
        await removeTempDir(dir);
      })()),
    };
  } catch (error) {
    await proc?.stop({ signal: 'SIGKILL', graceMs: 2_000 });
    await removeTempDir(dir);
    throw error;
  }
}
