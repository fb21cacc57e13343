import { spawn } from 'node:child_process';
import { runLoad, serviceEntry } from '@quiesce/example-service';
import { startAllServers } from '@quiesce/test-servers';
import { round } from './race.js';

export interface E2eRow {
  idleExitMs: number;
  drainDelayMs: number;
  underLoadExitMs: number;
  failedRequests: number;
  requestsUnderLoad: number;
}

const DRAIN_DELAY_MS = 200;

/** Start the example service, optionally put load on it, SIGTERM it; ms from signal to exit. */
async function signalToExit(env: Record<string, string>, load: boolean): Promise<{ exitMs: number; code: number | null; failed: number; requests: number }> {
  const child = spawn(process.execPath, [serviceEntry], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.on('exit', (code) => resolve({ code, at: performance.now() })));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
      if (match) {
        clearInterval(timer);
        resolve(Number(match[1]));
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`service exited before listening:\n${stdout}`));
      }
    }, 20);
  });
  const loading = load ? runLoad(port, 4, 1_500) : undefined;
  if (loading) await new Promise((r) => setTimeout(r, 500));
  const signalledAt = performance.now();
  child.kill('SIGTERM');
  const [exit, result] = await Promise.all([exited, loading]);
  return { exitMs: exit.at - signalledAt, code: exit.code, failed: result ? result.resets + result.failedStatus : 0, requests: result?.outcomes.length ?? 0 };
}

/** The example service on real servers: SIGTERM → exit, idle (median of 5) and under light load. */
export async function e2e(): Promise<E2eRow> {
  const servers = await startAllServers();
  try {
    const env = {
      DATABASE_URL: servers.pg.url,
      REDIS_URL: servers.redis.url,
      AMQP_URL: servers.amqp.url,
      QUEUE: `bench-${Date.now()}`,
      PORT: '0',
      DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
      WORK_MS: '20',
    };
    const idle: number[] = [];
    for (let k = 0; k < 5; k++) {
      const run = await signalToExit(env, false);
      if (run.code !== 0) throw new Error(`idle run exited with ${run.code}`);
      idle.push(run.exitMs - DRAIN_DELAY_MS);
    }
    idle.sort((a, b) => a - b);
    const loaded = await signalToExit(env, true);
    if (loaded.code !== 0) throw new Error(`loaded run exited with ${loaded.code}`);
    return {
      idleExitMs: round(idle[2]!),
      drainDelayMs: DRAIN_DELAY_MS,
      underLoadExitMs: round(loaded.exitMs - DRAIN_DELAY_MS),
      failedRequests: loaded.failed,
      requestsUnderLoad: loaded.requests,
    };
  } finally {
    await servers.stop();
  }
}
