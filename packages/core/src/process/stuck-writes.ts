import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync, readlinkSync, readSync } from 'node:fs';

/**
 * A write blocked on a pipe nobody reads (a stalled log shipper on stdout, a pino destination or
 * transport): the thread that makes it (libuv's pool, a worker) never returns, and `process.exit()`
 * itself then hangs, because Node joins those threads on the way out (measured on Node 20: a
 * blocked `fs.write` or a worker in `writeSync` keeps `process.exit(7)` from ever returning).
 *
 * The only way out that keeps our exit code is to let the write finish: read the pipe ourselves,
 * through `/proc/self/fd/N` (Linux opens the pipe's read side for us), and discard what we read.
 * Those bytes were never going to be read by anyone in this process's life; the report says how
 * many. Linux only (where `/proc/self/task/<tid>/syscall` says which thread waits in which call);
 * elsewhere nothing is found and nothing is done.
 */
export interface StuckWrite {
  readonly fd: number;
  /** What the descriptor is: `pipe:[12345]`, a FIFO's path. */
  readonly target: string;
  /** Bytes read off the pipe and thrown away so the blocked write could finish. */
  readonly discardedBytes: number;
  /** Still blocked when we gave up. */
  readonly stillBlocked: boolean;
}

// write, writev, pwrite64 and pwritev by architecture: the numbers /proc prints.
const WRITE_SYSCALLS: Partial<Record<string, ReadonlySet<number>>> = {
  x64: new Set([1, 18, 20, 296]),
  arm64: new Set([64, 66, 68, 70]),
};

/** Descriptors some thread of this process is blocked writing to, when they are pipes or FIFOs. */
export function blockedPipeWrites(): Map<number, string> {
  const blocked = new Map<number, string>();
  const writes = WRITE_SYSCALLS[process.arch];
  if (process.platform !== 'linux' || !writes) return blocked;
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return blocked;
  }
  for (const tid of tasks) {
    let fields: string[];
    try {
      // "<nr> <arg1> … <sp> <pc>" while in a system call; "running" or "-1 …" otherwise.
      fields = readFileSync(`/proc/self/task/${tid}/syscall`, 'utf8').trim().split(' ');
    } catch {
      continue;
    }
    if (!writes.has(Number(fields[0])) || fields[1] === undefined) continue;
    const fd = Number.parseInt(fields[1], 16);
    const target = pipeTarget(fd);
    if (target !== undefined) blocked.set(fd, target);
  }
  return blocked;
}

function pipeTarget(fd: number): string | undefined {
  try {
    // Anonymous pipes and FIFOs on disk both stat as FIFOs; a slow regular file is not ours to touch.
    return fstatSync(fd).isFIFO() ? readlinkSync(`/proc/self/fd/${fd}`) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Read and discard from every pipe a thread of ours is blocked writing to, until no thread waits
 * on it or `withinMs` passed. Synchronous: it runs on the way out, when nothing else may.
 */
export function releaseStuckWrites(withinMs: number): StuckWrite[] {
  const released: StuckWrite[] = [];
  const end = Date.now() + withinMs;
  for (const [fd, target] of blockedPipeWrites()) {
    let reader: number;
    try {
      reader = openSync(`/proc/self/fd/${fd}`, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch {
      released.push({ fd, target, discardedBytes: 0, stillBlocked: true });
      continue;
    }
    const buffer = Buffer.allocUnsafe(64 * 1024);
    let discarded = 0;
    // The writer wakes for each chunk we free and blocks again on the next: it is done only when
    // the pipe stays empty and no thread waits on it for QUIET_MS. Counted in time, not looks: a
    // woken writer shows as "running", not blocked, until it gets a CPU, and on a loaded machine
    // that took longer than five 2 ms looks — we stopped reading after 64 KiB and it blocked again.
    let quietSince: number | undefined;
    try {
      while (Date.now() < end) {
        const n = readSome(reader, buffer);
        discarded += n;
        if (n > 0 || blockedPipeWrites().has(fd)) quietSince = undefined;
        else if ((quietSince ??= Date.now()) + QUIET_MS <= Date.now()) break;
        if (n === 0) pause(2);
      }
    } finally {
      closeSync(reader);
    }
    released.push({ fd, target, discardedBytes: discarded, stillBlocked: blockedPipeWrites().has(fd) });
  }
  return released;
}

function readSome(fd: number, buffer: Buffer): number {
  try {
    return readSync(fd, buffer, 0, buffer.length, null);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return 0;
    throw error;
  }
}

const QUIET_MS = 150;

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** A short synchronous wait for the writer thread to refill the pipe. */
function pause(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
