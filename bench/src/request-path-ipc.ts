import { fork, spawnSync, type ChildProcess } from 'node:child_process';

/**
 * Request/reply over a forked child's IPC channel, one call at a time per child, every wait
 * bounded: a child that goes silent or exits fails the call instead of hanging the bench.
 */
export interface Child {
  readonly name: string;
  readonly pid: number | undefined;
  call<T>(message: Record<string, unknown>, timeoutMs: number): Promise<T>;
  /** Ask it to stop what it runs (its own graceful stop), then wait for its exit; killed if it does not. */
  stop(timeoutMs: number): Promise<void>;
  kill(): void;
}

let nextId = 1;

/**
 * Pin a process's main thread (or, `allThreads`, every thread it has now; threads and processes it
 * creates later inherit the mask) to one CPU, with Linux `taskset`; false where that is not possible.
 */
export function pin(pid: number, cpu: number, allThreads = false): boolean {
  if (process.platform !== 'linux') return false;
  const result = spawnSync('taskset', [...(allThreads ? ['-a'] : []), '-cp', String(cpu), String(pid)], { stdio: 'ignore' });
  return result.status === 0;
}

export function forkChild(name: string, script: string, args: readonly string[]): Child {
  const child: ChildProcess = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const call = <T>(message: Record<string, unknown>, timeoutMs: number): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      const cleanup = (): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${name}: no reply to ${String(message.cmd)} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onExit = (code: number | null, signal: string | null): void => {
        cleanup();
        reject(new Error(`${name}: exited (${code ?? signal}) during ${String(message.cmd)}`));
      };
      const onMessage = (m: unknown): void => {
        const reply = m as { id?: number; error?: string };
        if (reply?.id !== id) return;
        cleanup();
        if (reply.error !== undefined) reject(new Error(`${name}: ${reply.error}`));
        else resolve(m as T);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ ...message, id });
    });
  return {
    name,
    pid: child.pid,
    call,
    async stop(timeoutMs) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        await call({ cmd: 'stop' }, timeoutMs);
      } finally {
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(timer);
      }
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** The child side: answer each request with the handler's result (or its error), then exit after 'stop'. */
export function serve(handle: (message: { cmd: string; [key: string]: unknown }) => Promise<Record<string, unknown>>): void {
  process.on('message', async (m: { id: number; cmd: string }) => {
    let reply: Record<string, unknown>;
    try {
      reply = { ...(await handle(m)), id: m.id };
    } catch (error) {
      reply = { id: m.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
    process.send!(reply, () => {
      if (m.cmd === 'stop') process.disconnect();
    });
  });
  // The parent went away (or is done): nothing of ours may keep this process alive.
  process.on('disconnect', () => setTimeout(() => process.exit(0), 2_000).unref());
}
