import { StreamEndedError } from './errors.js';
import type { WritableLike } from './kinds.js';

/** What the guard refused: writes made after the stream was ended, which Node would have let destroy it. */
export interface LateWrites {
  /** Writes the stream took (before its end), so the stop can tell one came in while it waited. */
  accepted: number;
  writes: number;
  bytes: number;
  /** The node's stop settled: later refusals are told by a process warning, once. */
  settle(): void;
}

const guards = new WeakMap<object, LateWrites>();

/**
 * A `write()` after `end()` is, for a Node Writable, ERR_STREAM_WRITE_AFTER_END emitted as
 * 'error' — and with autoDestroy (the default) the stream is destroyed, so what it still buffered
 * (the lines `end()` was flushing) is lost, and the node fails for a write it did not make.
 * The guard answers such a write itself, on the instance: the stream is not touched, the write's
 * callback gets a StreamEndedError, and it is counted (the stop reports the count) — refused, never
 * silently lost. Writes before the end are the stream's own (`drain` accepts them until then).
 */
export function guardLateWrites(w: WritableLike, node: string): LateWrites {
  const existing = guards.get(w);
  if (existing) return existing;
  const original = w.write;
  let settled = false;
  let warned = false;
  const late: LateWrites = { accepted: 0, writes: 0, bytes: 0, settle: () => void (settled = true) };
  const guarded = function (this: WritableLike, chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    if (!w.writableEnded) {
      // A zero-length buffer carries nothing: the stop's own barrier (drain.ts) is one.
      if (!(chunk instanceof Uint8Array && chunk.byteLength === 0)) late.accepted++;
      return (original as (...args: unknown[]) => boolean).apply(this, [chunk, encoding, cb].slice(0, arguments.length));
    }
    late.writes++;
    late.bytes += sizeOf(chunk);
    const error = new StreamEndedError(node);
    const callback = typeof encoding === 'function' ? encoding : cb;
    if (typeof callback === 'function') process.nextTick(callback as (e: Error) => void, error);
    if (settled && !warned) {
      // The node was reported already: a warning is the only place left to say it.
      warned = true;
      process.emitWarning(error.message, { code: error.code });
    }
    return false;
  };
  (w as { write: unknown }).write = guarded;
  guards.set(w, late);
  return late;
}

function sizeOf(chunk: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk);
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0;
}
