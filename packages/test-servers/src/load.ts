import { spawn } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';

/** One socket this process opened while a recorder ran: when it connected and when it emitted 'close'. */
export interface RecordedSocket {
  readonly openedAt: number;
  closedAt: number | undefined;
}

/**
 * Every TCP socket this process connects (net.Socket#connect: the pool's clients and the force
 * path's terminate connection alike) until `stop()`, with performance.now() of its connect and
 * of its 'close' (the handle is gone by then): the order of the force path's end and the report.
 */
export function recordSockets(): { readonly sockets: readonly RecordedSocket[]; open(): number; lastClose(): number; stop(): void } {
  const sockets: RecordedSocket[] = [];
  const seen = new WeakSet<net.Socket>();
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    if (!seen.has(this)) {
      seen.add(this);
      const entry: RecordedSocket = { openedAt: performance.now(), closedAt: undefined };
      sockets.push(entry);
      this.once('close', () => (entry.closedAt = performance.now()));
    }
    return Reflect.apply(connect, this, args) as net.Socket;
  } as typeof connect;
  return {
    sockets,
    open: () => sockets.filter((s) => s.closedAt === undefined).length,
    lastClose: () => Math.max(-Infinity, ...sockets.map((s) => s.closedAt ?? Infinity)),
    stop: () => void (net.Socket.prototype.connect = connect),
  };
}

/**
 * Busy child processes, one per CPU, each ending by itself after `maxMs` (and killed by its pid
 * when `stop()` is called first): a loaded machine, on which this process runs its timers late.
 */
export function cpuLoad(maxMs: number): { stop(): void } {
  const children = Array.from({ length: os.availableParallelism() }, () =>
    spawn(process.execPath, ['-e', `const end = Date.now() + ${Math.round(maxMs)}; while (Date.now() < end);`], { stdio: 'ignore' }),
  );
  return {
    stop: () => {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/**
 * Block this process's event loop from `fromEpochMs` to `untilEpochMs` (a busy wait in one timer
 * callback): what a starved process looks like from inside — every timer due in between fires
 * late, in one batch. Resolves once the stall is over.
 */
export function stallLoop(fromEpochMs: number, untilEpochMs: number): Promise<void> {
  return new Promise((resolve) =>
    setTimeout(() => {
      while (Date.now() < untilEpochMs);
      resolve();
    }, Math.max(0, fromEpochMs - Date.now())),
  );
}
