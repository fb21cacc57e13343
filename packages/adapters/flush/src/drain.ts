import { constants, fstatSync, fsync, readFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { StreamFlushError, StreamLateWritesError } from './errors.js';
import { kindOf, type SonicLike, type StreamKind, type TransportLike, type WritableLike } from './kinds.js';
import { guardLateWrites } from './late-writes.js';
import { callback, until } from './wait.js';

/** What was still held when a stream was cut, kept because the cut itself empties the buffers. */
const cutLeft = new WeakMap<object, string>();

/**
 * Flush and end one stream, by its kind; when `signal` aborts (the node's time is up) the stream
 * is cut — destroyed, a transport through thread-stream's own destroy (see `cut`) — so nothing of
 * it outlives the shutdown, and what it still held is remembered for `pendingOf`.
 */
export async function drain(stream: object, signal: AbortSignal, options: { fsync: boolean; node: string }): Promise<void> {
  const kind = kindOf(stream)!;
  // Once a transport is ended or cut, every later log call (core logs this very node's 'stopped'
  // when it is the container's logger) makes thread-stream emit 'error' a turn later ("the worker
  // has exited"), and so does terminating its worker; pino adds no listener, so a clean shutdown
  // would end in an uncaught exception. Late lines are dropped instead; an error while flushing
  // still reaches the waits, which listen too.
  if (kind === 'transport') (stream as TransportLike).on('error', noop);
  const onCut = (): void => {
    cutLeft.set(stream, leftIn(stream, kind) ?? 'nothing buffered, but it had not finished');
    cut(stream, kind);
  };
  if (signal.aborted) onCut();
  else signal.addEventListener('abort', onCut, { once: true });
  try {
    if (kind === 'transport') await endTransport(stream as TransportLike, signal);
    else if (kind === 'sonic') await endSonic(stream as SonicLike, signal);
    else await endWritable(stream as WritableLike, signal, options.fsync, options.node);
  } catch (error) {
    if (error instanceof StreamLateWritesError) throw error;
    throw new StreamFlushError(options.node, kind, error);
  } finally {
    signal.removeEventListener('abort', onCut);
  }
}

/** "3 MiB ..." for the report: what the stream holds now, or held when it was cut. */
export function pendingOf(stream: object): string | undefined {
  const kind = kindOf(stream);
  return cutLeft.get(stream) ?? (kind ? leftIn(stream, kind) : undefined);
}

async function endTransport(t: TransportLike, signal: AbortSignal): Promise<void> {
  if (t.closed) return;
  // Ended by its owner already: only the worker's exit is left to wait for.
  if ((t as { writableEnded?: boolean }).writableEnded === true) return until(t, ['close'], signal, () => t.closed === true);
  // end() is synchronous: it blocks the event loop (Atomics.wait, up to 10 s) until the worker's
  // destination has closed, where no timer can cut it. flush() first waits asynchronously for the
  // worker to take in everything and flush its destination: a destination stuck on its writes is
  // caught here and cut at the timeout, and end() is left with only the destination's close.
  await callback((cb) => t.flush(cb), signal);
  if (signal.aborted) return;
  // 'close' once the worker thread has exited: its destination ended (file closed, socket flushed).
  const closed = until(t, ['close'], signal, () => t.closed === true);
  t.end();
  await closed;
}

async function endSonic(s: SonicLike, signal: AbortSignal): Promise<void> {
  if (s.destroyed) return;
  // end() writes what is buffered, fsyncs and closes the fd; 'close' follows.
  const closed = until(s, ['close'], signal);
  s.end();
  await closed;
}

async function endWritable(w: WritableLike, signal: AbortSignal, wantFsync: boolean, node: string): Promise<void> {
  const fd = (w as { fd?: unknown }).fd;
  if (w === process.stdout || w === process.stderr) {
    // Never end the process's stdio (the report is printed after us): wait for it to drain.
    await barrier(w, signal);
    return;
  }
  // From here a write after end() is refused and counted, not left to destroy the stream (late-writes.ts).
  const late = guardLateWrites(w, node);
  try {
    // Writes that arrive after the shutdown request are accepted and flushed: the stream is ended
    // only once it is empty (with fsync: fsynced) and no write came in meanwhile. end() follows in
    // the same turn, so none can slip in between; one after it is refused.
    for (let seen = -1; seen !== late.accepted && !w.writableEnded; ) {
      seen = late.accepted;
      await barrier(w, signal);
      if (signal.aborted || w.destroyed) return;
      if (wantFsync && typeof fd === 'number') await callback((cb) => fsync(fd, cb), signal);
      if (signal.aborted || w.destroyed) return;
    }
    const finished = until(w, ['finish'], signal, () => w.writableFinished);
    // Ended by its owner already: end() again would be a no-op at best; wait for 'finish' all the same.
    if (!w.writableEnded) w.end();
    await finished;
    // A file stream closes its fd after 'finish': wait for it, so the fd (and any lock on it) is released.
    if (typeof (w as { path?: unknown }).path !== 'undefined' && w.closed === false) await until(w, ['close'], signal, () => w.closed === true);
    if (late.writes > 0 && !signal.aborted) throw new StreamLateWritesError(node, late.writes, late.bytes);
  } finally {
    late.settle();
  }
}

/** Resolves once every earlier write completed: write callbacks run in order. */
function barrier(w: WritableLike, signal: AbortSignal): Promise<void> {
  if (w.writableLength === 0) return Promise.resolve();
  return callback((cb) => w.write(Buffer.alloc(0), (error) => cb(error)), signal);
}

function leftIn(stream: object, kind: StreamKind): string | undefined {
  if (kind === 'writable') {
    const n = (stream as WritableLike).writableLength;
    return n > 0 ? `${bytes(n)} not yet written` : undefined;
  }
  if (kind === 'sonic') {
    const s = stream as SonicLike;
    const n = s._len ?? 0;
    const held = n > 0 ? `${bytes(n)} buffered, not yet written` : undefined;
    // Read by core before the cut (and so before cutSonic adjusts `_len`); also after it, from cutLeft.
    return blockedWrite(s) ? `${held ?? 'nothing buffered'}; ${BLOCKED}` : held;
  }
  const t = stream as TransportLike;
  if (t.closed) return undefined;
  const n = transportBuffered(t);
  return `transport worker still running${n > 0 ? ` (${bytes(n)} not yet handed to it)` : ''}`;
}

// thread-stream keeps its state behind a private symbol; bufLen is what the worker has not taken yet.
function transportBuffered(t: object): number {
  const impl = Object.getOwnPropertySymbols(t).find((s) => s.description === 'kImpl');
  const state = impl ? (t as Record<symbol, { bufLen?: unknown } | undefined>)[impl] : undefined;
  return typeof state?.bufLen === 'number' ? state.bufLen : 0;
}

function cut(stream: object, kind: StreamKind): void {
  if (kind === 'transport') cutTransport(stream as TransportLike);
  else if (kind === 'sonic') cutSonic(stream as SonicLike);
  else if (stream !== process.stdout && stream !== process.stderr) (stream as WritableLike).destroy();
}

/**
 * A transport is cut through thread-stream's own teardown, `destroy()` (thread-stream index.js), not a bare
 * `worker.terminate()`. Only destroy() marks the stream destroyed, and that is what ends the main thread's
 * flush loop: `flushBuffer()` re-arms itself with setImmediate while `flushing || bufLen > 0` (the worker has
 * not taken everything in), a full core for as long as the worker lives — for ever when its thread is stuck
 * in a write, where terminate() never completes. destroy() also fails the pending flush callbacks (releasing
 * the worker ref they hold: releaseWorkerForPendingFlush), stops nextFlush(), terminates the worker and emits
 * 'close' only once terminate() resolved, so `closed` stays true to fact. It is not exported: it runs from the
 * worker's 'message' listener (onWorkerMessage, case 'ERROR'), as when the worker reports an error; the
 * 'error' it emits a turn later is absorbed by the listener `drain` added.
 */
function cutTransport(t: TransportLike): void {
  const worker = t.worker;
  if (t.destroyed !== true && typeof worker.emit === 'function' && (worker.listenerCount?.('message') ?? 0) > 0) {
    worker.emit('message', { code: 'ERROR', err: new Error('cut: the node stopping this pino transport timed out') });
  }
  // A thread-stream without that path: the worker, at least, is terminated.
  if (t.destroyed !== true) void Promise.resolve(worker.terminate()).catch(noop);
}

/**
 * A pino.destination() is cut so that nothing of it is left writing:
 * - sonic-boom retries a write that met EAGAIN (a full non-blocking pipe) every 100 ms for ever — index.js
 *   `release()`: `setTimeout(fsWrite, BUSY_WRITE_TIMEOUT)` — and destroy() cannot stop it (the timer is not
 *   kept): the process then never exits. `retryEAGAIN` is sonic-boom's own option, read on every EAGAIN;
 *   false makes the next one end the write with 'error' (`_writing = false`).
 * - That 'error' — and EBADF, EPIPE — would be uncaught: pino's filterBrokenPipe (lib/tools.js
 *   buildSafeSonicBoom) re-emits all but EPIPE. It is absorbed: what was lost is in the report.
 * - With a write in flight (or waiting for its retry), destroy() would close the fd under it (actualClose:
 *   fsync, then close for fds > 2) and, when the write returns, release() carries on: to a closed fd, or to a
 *   file or socket that reused its number meanwhile; and since actualClose empties `_bufs` but not `_len`, into
 *   a loop of empty writes. So the buffers are dropped now (the report named them), only the write in flight
 *   is let finish, and destroy() comes once it settled — ≤ 100 ms on a non-blocking fd.
 * A write blocked in the kernel on a full *blocking* pipe settles only when the pipe is read: nothing in
 * Node can end it (not worker.terminate(), not process.exit(): both join the thread that is in write(2)).
 * That is why `avoidBlockingWrites` runs first; where it could not, the report says so (`blockedWrite`).
 */
function cutSonic(s: SonicLike): void {
  if (s.destroyed) return;
  s.retryEAGAIN = () => false;
  s.on('error', noop);
  if (s._writing !== true) {
    s.destroy();
    return;
  }
  s._bufs = [];
  s._lens = [];
  s._len = Buffer.byteLength(s._writingBuf ?? '');
  // release() sets `_writing = false` before it emits 'error' or 'drain'; fileOpened() before 'ready'; an
  // end() already under way closes by itself ('close').
  const events = ['error', 'drain', 'ready', 'close'] as const;
  const settle = (): void => {
    if (s._writing === true && !s.destroyed) return;
    for (const event of events) s.off(event, settle);
    if (!s.destroyed) s.destroy();
  };
  for (const event of events) s.on(event, settle);
}

/**
 * At definition, before anything can stall: an asynchronous pino.destination() on the process's stdout or
 * stderr, when that is a pipe or socket, gets its fd non-blocking, so that a reader that stops reading (a
 * stalled log shipper) makes its writes return EAGAIN — which a cut ends — instead of parking a libuv
 * threadpool thread in write(2) for good (sonic-boom actualWrite → fs.write): that request keeps the event
 * loop alive, and even process.exit() then hangs, joining the threadpool (libuv uv_library_shutdown).
 * The fd is made non-blocking the way Node itself does it: creating `process.stdout` for a pipe or socket
 * opens a net.Socket over fd 1 (lib/internal/bootstrap/switches/is_main_thread.js createWritableStdioStream),
 * and libuv's uv_pipe_open sets O_NONBLOCK. pino() and pino.destination() without a `dest` already do so
 * (they read `process.stdout.fd`), as does every `new Worker()` — so every pino.transport() — which pipes the
 * worker's stdio to process.stdout/stderr (lib/internal/worker.js); only an explicit `dest: 1` leaves it
 * blocking. The healthy path is unchanged: sonic-boom retries EAGAIN until everything is written.
 * Not done for a synchronous destination (its writes block the thread that logs, whichever the mode), nor
 * for other fds: a FIFO opened by path is blocking, and only its opener can ask for O_NONBLOCK.
 */
export function avoidBlockingWrites(stream: object): void {
  if (kindOf(stream) !== 'sonic' || !isMainThread) return;
  const s = stream as SonicLike;
  if (s.sync === true || (s.fd !== 1 && s.fd !== 2) || !isPipe(s.fd)) return;
  void (s.fd === 1 ? process.stdout : process.stderr);
}

/** The cut could not end the write in flight: it is in write(2) on a full pipe in blocking mode. */
const BLOCKED = 'its write to a full blocking pipe has not returned: the process cannot exit until the pipe is read';

function blockedWrite(s: SonicLike): boolean {
  return s._writing === true && s.sync !== true && s.fd >= 0 && isPipe(s.fd) && nonBlocking(s.fd) === false;
}

function isPipe(fd: number): boolean {
  try {
    const stat = fstatSync(fd);
    return stat.isFIFO() || stat.isSocket();
  } catch {
    return false;
  }
}

/** The fd's O_NONBLOCK flag, where the platform shows it (Linux: /proc/self/fdinfo); undefined elsewhere. */
function nonBlocking(fd: number): boolean | undefined {
  try {
    const flags = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1];
    return flags === undefined ? undefined : (parseInt(flags, 8) & constants.O_NONBLOCK) !== 0;
  } catch {
    return undefined;
  }
}

const noop = (): void => {};

function bytes(n: number): string {
  return `${n} byte${n === 1 ? '' : 's'}`;
}
