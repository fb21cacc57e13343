import { findNats, type NatsBinaries } from './binaries.js';
import { natsFromEnv } from './env-override.js';
import { LogTail } from './log-tail.js';
import { getFreePort } from './ports.js';
import { probeNats } from './probes.js';
import { launch, type ManagedProcess } from './process.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';
import type { NatsServer, StartOptions } from './types.js';
import { startOrReuse } from './start-or-reuse.js';
import { waitUntilReady } from './wait.js';

export interface NatsOptions extends StartOptions {
  /** Extra nats-server arguments, e.g. ['--max_payload', '1MB']. */
  args?: string[];
}

const HOST = '127.0.0.1';

/**
 * Starts a nats-server on 127.0.0.1 (core NATS, no JetStream, no auth) with its working dir and
 * pid file in a temp dir. QUIESCE_NATS_URL, when set, is returned instead. Ready in ~40 ms.
 */
export function startNats(opts: NatsOptions = {}): Promise<NatsServer> {
  return startOrReuse('nats', opts, natsFromEnv, findNats, (bins) => startOnce(bins, opts));
}

async function startOnce(bins: NatsBinaries, opts: NatsOptions): Promise<NatsServer> {
  const port = opts.port ?? (await getFreePort());
  const log = new LogTail();
  const dir = await makeTempDir('nats');
  let proc: ManagedProcess | undefined;
  try {
    // No monitoring port, no cluster port: only the client port on loopback.
    const args = ['--addr', HOST, '--port', String(port), '--pid', `${dir}/nats.pid`, ...(opts.args ?? [])];
    proc = await launch('nats', bins.server, args, { log, cwd: dir, deathSignal: 'SIGKILL' });
    const running = proc;
    await waitUntilReady(running, () => probeNats(port, HOST), {
      timeoutMs: opts.startTimeoutMs ?? 10_000,
      what: `INFO on ${HOST}:${port}`,
    });
    let stopping: Promise<void> | undefined;
    return {
      host: HOST,
      port,
      url: `nats://${HOST}:${port}`,
      pid: running.pid,
      external: false,
      stop: () => (stopping ??= (async () => {
        await running.stop({ signal: 'SIGTERM', graceMs: 5_000 });
        await removeTempDir(dir);
      })()),
    };
  } catch (error) {
    await proc?.stop({ signal: 'SIGKILL', graceMs: 2_000 });
    await removeTempDir(dir);
    throw error;
  }
}
