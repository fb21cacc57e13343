import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ProvidedServers } from '@quiesce/test-servers';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { inject } from 'vitest';

export const server = (): ProvidedServers['redis'] => inject('servers').redis;
export const connectionTo = (s: { host: string; port: number }) => ({ host: s.host, port: s.port });

export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** The effects each job's processor recorded (`A:<id>` by the app's worker, `B:<id>` by the second process). */
export async function effectsOf(redis: Redis, queueName: string): Promise<string[]> {
  return redis.lrange(`${queueName}:effects`, 0, -1);
}

/** The second worker: a real child process, started and ready, stopped with SIGTERM. */
export async function secondWorker(s: { host: string; port: number }, queueName: string): Promise<{ child: ChildProcess; stop(): Promise<number | null> }> {
  const script = fileURLToPath(new URL('./fixtures/drain-worker.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, s.host, String(s.port), queueName], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`second worker not ready after 10 s: ${stderr}`)), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`second worker exited with ${code}: ${stderr}`));
    });
  });
  return {
    child,
    stop: () => new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
      child.kill('SIGTERM');
    }),
  };
}

/** Counts by state, read through a Queue of the test's own (the app's queue is closed by then). */
export async function countsOf(s: { host: string; port: number }, queueName: string): Promise<Record<string, number>> {
  const queue = new Queue(queueName, { connection: connectionTo(s) });
  try {
    return await queue.getJobCounts('completed', 'failed', 'active', 'wait', 'delayed');
  } finally {
    await queue.close();
  }
}

export { Redis };
