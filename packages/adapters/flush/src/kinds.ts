/**
 * The three kinds of log/file stream Node services hold, told apart by shape (no import of pino,
 * sonic-boom or thread-stream: the user's copies are the ones that count):
 * - `transport`: pino.transport() — a thread-stream: a worker thread owns the real destination.
 * - `sonic`: pino.destination() — a sonic-boom: an fd with its own in-memory buffer.
 * - `writable`: any Node Writable (fs.WriteStream, net.Socket, process.stdout, a PassThrough...).
 */
export type StreamKind = 'transport' | 'sonic' | 'writable';

export interface TransportLike {
  worker: { terminate(): Promise<number> | void; emit?(event: string, ...args: unknown[]): boolean; listenerCount?(event: string): number };
  readonly destroyed?: boolean;
  flush(cb: (err?: Error | null) => void): void;
  end(): void;
  readonly closed?: boolean;
  on(event: string, fn: (...args: never[]) => void): unknown;
  off(event: string, fn: (...args: never[]) => void): unknown;
}

export interface SonicLike {
  readonly fd: number;
  destroyed: boolean;
  readonly sync?: boolean;
  // sonic-boom's own state (index.js), read and, at a cut, adjusted: see drain.ts cutSonic.
  _len?: number;
  _writing?: boolean;
  _writingBuf?: string | Buffer;
  _bufs?: unknown[];
  _lens?: number[];
  /** sonic-boom's `retryEAGAIN` option, kept on the instance and called on every EAGAIN. */
  retryEAGAIN?: (error: Error, writeLen: number, remaining: number) => boolean;
  reopen(file?: string): void;
  flushSync(): void;
  end(): void;
  destroy(): void;
  on(event: string, fn: (...args: never[]) => void): unknown;
  off(event: string, fn: (...args: never[]) => void): unknown;
}

export interface WritableLike extends NodeJS.WritableStream {
  readonly writableLength: number;
  readonly writableFinished: boolean;
  readonly writableEnded?: boolean;
  readonly destroyed: boolean;
  readonly closed?: boolean;
  destroy(error?: Error): unknown;
}

export function kindOf(stream: unknown): StreamKind | undefined {
  if (typeof stream !== 'object' || stream === null) return undefined;
  const s = stream as Record<string, unknown>;
  const fn = (name: string) => typeof s[name] === 'function';
  const worker = s.worker as Record<string, unknown> | undefined;
  if (fn('flush') && fn('end') && typeof worker === 'object' && worker !== null && typeof worker.terminate === 'function') return 'transport';
  if (fn('reopen') && fn('flushSync') && fn('end') && fn('destroy')) return 'sonic';
  if (fn('write') && fn('end') && fn('destroy') && 'writableFinished' in s) return 'writable';
  return undefined;
}

/** pino.multistream(): its `streams` are flushed one by one, each by its own kind. */
export function multistreamParts(stream: unknown): unknown[] | undefined {
  const s = stream as { streams?: unknown; add?: unknown } | null;
  if (typeof s !== 'object' || s === null || !Array.isArray(s.streams) || typeof s.add !== 'function') return undefined;
  return s.streams.map((entry: { stream?: unknown }) => entry?.stream);
}
