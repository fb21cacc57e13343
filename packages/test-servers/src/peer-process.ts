import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestServer } from './types.js';

/**
 * The conformance suite's "server" for a server-side adapter: the peer it depends on is the
 * client, so the clients run in a process of their own (a script of the adapter's tests) that the suite can
 * freeze (SIGSTOP) and kill (SIGKILL) by its pid. The test asks it for requests over its stdin and
 * gets what each request came to over its stdout, one JSON line each.
 */
export interface PeerProcess extends TestServer {
  /** Runs one request in the peer process; resolves with what it reported, rejects when it failed there or the peer died. */
  call<T = unknown>(request: Record<string, unknown>): Promise<T>;
}

/** A failure in (or of) the peer process; its message survives JSON.stringify (the suite prints results so). */
export class PeerError extends Error {
  override readonly name = 'PeerError';
  toJSON(): { error: string } {
    return { error: this.message };
  }
}

/** Starts `script` (one JSON request a line on stdin, one JSON answer with its id on stdout; `{ ready: true }` first) as the peer. */
export async function startPeer(script: URL): Promise<PeerProcess> {
  const child: ChildProcess = spawn(process.execPath, [fileURLToPath(script)], { cwd: fileURLToPath(new URL('.', script)), stdio: ['pipe', 'pipe', 'inherit'] });
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let next = 0;
  let exited = false;
  let buffered = '';
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = true;
      // Killed with requests in flight: what they were waiting for is gone with the process.
      for (const [, call] of pending) call.reject(new PeerError(`peer process exited (${signal ?? code}) before answering`));
      pending.clear();
      resolve();
    }),
  );
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const message = JSON.parse(line) as { ready?: true; id?: number; ok?: boolean; value?: unknown; error?: string };
        if (message.ready) resolve();
        const call = message.id === undefined ? undefined : pending.get(message.id);
        if (!call) continue;
        pending.delete(message.id!);
        if (message.ok) call.resolve(message.value);
        else call.reject(new PeerError(message.error));
      }
    });
    void exit.then(() => reject(new PeerError('peer process exited before it was ready')));
  });
  child.stdin!.on('error', () => {}); // EPIPE once it was killed
  await ready;
  let stopping: Promise<void> | undefined;
  return {
    host: '127.0.0.1',
    port: 0,
    url: `peer process ${child.pid}`,
    pid: child.pid,
    external: false,
    call: <T>(request: Record<string, unknown>) =>
      new Promise<T>((resolve, reject) => {
        if (exited) return reject(new PeerError('peer process is gone'));
        const id = ++next;
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.stdin!.write(`${JSON.stringify({ ...request, id })}\n`);
      }),
    stop: () =>
      (stopping ??= (async () => {
        if (!exited) {
          child.kill('SIGCONT');
          child.kill('SIGKILL');
        }
        await exit;
      })()),
  };
}

/** Polls `check` every 5 ms until it holds; rejects after `timeoutMs`. */
export async function pollUntil(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
