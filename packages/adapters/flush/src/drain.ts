import { fsync } from 'node:fs';
import { StreamFlushError } from './errors.js';
import { kindOf, type SonicLike, type StreamKind, type TransportLike, type WritableLike } from './kinds.js';
import { callback, until } from './wait.js';

/** What was still held when a stream was cut, kept because the cut itself empties the buffers. */
const cutLeft = new WeakMap<object, string>();

/**
 * Flush and end one stream, by its kind; when `signal` aborts (the node's time is up) the stream
 * is cut — destroyed, or its worker terminated — so nothing of it outlives the shutdown, and what
 * it still held is remembered for `pendingOf`.
 */
export async function drain(stream: object, signal: AbortSignal, options: { fsync: boolean }): Promise<void> {
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
    else await endWritable(stream as WritableLike, signal, options.fsync);
  } catch (error) {
    throw new StreamFlushError(kind, error);
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

async function endWritable(w: WritableLike, signal: AbortSignal, wantFsync: boolean): Promise<void> {
  const fd = (w as { fd?: unknown }).fd;
  if (w === process.stdout || w === process.stderr) {
    // Never end the process's stdio (the report is printed after us): wait for it to drain.
    await barrier(w, signal);
    return;
  }
  if (wantFsync && typeof fd === 'number') {
    // fsync must see every write completed and run before end() closes the fd.
    await barrier(w, signal);
    if (signal.aborted) return;
    await callback((cb) => fsync(fd, cb), signal);
  }
  if (signal.aborted || w.destroyed) return;
  const finished = until(w, ['finish'], signal, () => w.writableFinished);
  // Ended by its owner already: end() again would be a no-op at best; wait for 'finish' all the same.
  if (!(w as { writableEnded?: boolean }).writableEnded) w.end();
  await finished;
  // A file stream closes its fd after 'finish': wait for it, so the fd (and any lock on it) is released.
  if (typeof (w as { path?: unknown }).path !== 'undefined' && w.closed === false) await until(w, ['close'], signal, () => w.closed === true);
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
    const n = (stream as SonicLike)._len ?? 0;
    return n > 0 ? `${bytes(n)} buffered, not yet written` : undefined;
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
  if (kind === 'transport') {
    void Promise.resolve((stream as TransportLike).worker.terminate()).catch(noop);
  }
  else if (kind === 'sonic') {
    if (!(stream as SonicLike).destroyed) (stream as SonicLike).destroy();
  } else if (stream !== process.stdout && stream !== process.stderr) (stream as WritableLike).destroy();
}

const noop = (): void => {};

function bytes(n: number): string {
  return `${n} byte${n === 1 ? '' : 's'}`;
}
