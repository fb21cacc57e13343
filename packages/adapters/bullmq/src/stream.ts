import type { QueueEvents } from 'bullmq';
import { cutClient, type RawClient } from './cut.js';

// Issue #27: what a QueueEvents has read of its queue's event stream, so its stop can deliver every
// event written before the stop began. References are to bullmq 6.7.0 `dist/cjs/classes/*`.
//
// QueueEvents reads with a loop (queue-events.js:66-104): `readEvents(id, blockingTimeout)` is an
// `XREAD BLOCK <blockingTimeout> STREAMS <events key> <id>` (redis-queue-backend.js:1977); every
// entry of a reply is emitted, synchronously, then the next read is asked for *after the last entry
// emitted*. So the id a read is asked for is exact: every event up to it has been emitted. Its
// close() (queue-events.js:111-125) disconnects first, to interrupt the blocking XREAD: whatever the
// server has not answered yet, or has answered into a read the loop no longer makes, is never
// emitted: a reply in flight, a read queued while ioredis reconnects (close then even hangs:
// ioredis' disconnect() of a client waiting to reconnect never ends it), the loop's 5 s pause
// after a read failed.

/** bullmq's IRedisClient, as far as used here (ioredis' adapter forwards the rest to the raw client). */
interface EventsClient {
  runCommand(name: string, args: (string | number)[]): Promise<unknown>;
  duplicate(options?: Record<string, unknown>): EventsClient & RawClient & { on(event: string, listener: (...args: unknown[]) => void): unknown };
}
interface EventsBackend {
  readEvents?: (id: string, blockTimeout: number) => Promise<unknown>;
  queue: { readonly client: Promise<EventsClient>; readonly keys: { readonly events: string } };
}
interface EventsState {
  running?: boolean;
  /** true from before a read is asked for until it returned (also during the loop's retry pause). */
  blocking?: boolean;
  closing?: unknown;
}

/** What the adapter has seen of one QueueEvents' reads. */
export interface Reads {
  /** The id the loop last asked to read after: every event up to it has been emitted. */
  cursor?: string;
  /** What the loop's `'$'` (from the newest entry on) stood for when it first asked for it. */
  dollar?: string;
  /** Watching began while a read was under way: its position is unknown until the next read. */
  unseen: boolean;
  /** Set when a read has been asked for under the adapter's watch (its position is then known). */
  readonly asked: Set<() => void>;
}

const watched = new WeakMap<QueueEvents, Reads>();
/** Undefined for a QueueEvents-like object without bullmq's backend (a test double, say): nothing is watched. */
const backendOf = (qe: QueueEvents): EventsBackend | undefined =>
  typeof qe.getBackend === 'function' ? (qe.getBackend() as unknown as EventsBackend | undefined) : undefined;

/** A stream id, `<ms>-<seq>` (a bare `<ms>` is `<ms>-0`); undefined for anything else (`'$'`, `'+'`). */
function parseId(id: string | undefined): [bigint, bigint] | undefined {
  const m = id === undefined ? null : /^(\d+)(?:-(\d+))?$/.exec(id);
  return m ? [BigInt(m[1]!), BigInt(m[2] ?? 0)] : undefined;
}

/** Whether stream id `a` is `b` or after it. */
export function atOrAfter(a: string | undefined, b: string): boolean {
  const x = parseId(a);
  const y = parseId(b);
  if (!x || !y) return false;
  return x[0] > y[0] || (x[0] === y[0] && x[1] >= y[1]);
}

/** The newest entry's id, `'0-0'` for an empty stream (XREAD after it: every entry added from now). */
async function newestId(client: EventsClient, key: string): Promise<string> {
  const entries = (await client.runCommand('xrevrange', [key, '+', '-', 'COUNT', 1])) as [string, unknown][] | null;
  return entries?.[0]?.[0] ?? '0-0';
}

/**
 * Watch the reads of a QueueEvents, as early as possible (bullQueueEvents() watches at once, so the
 * first read of a QueueEvents declared right after its construction is seen). Each read is noted
 * before it is sent; one asked for `'$'` (no `lastEventId`, nothing read yet) is sent for the id of
 * the newest entry instead, read just before on the same connection: the same events ('$' is "after
 * the newest entry"), but the position is then known, and an event added between two reads that
 * both returned nothing is no longer skipped (each new `'$'` would have meant a later point).
 */
export function watchReads(qe: QueueEvents): Reads {
  const known = watched.get(qe);
  if (known) return known;
  const state = qe as unknown as EventsState;
  const reads: Reads = { unseen: state.running === true && state.blocking === true, asked: new Set() };
  watched.set(qe, reads);
  const backend = backendOf(qe);
  const read = backend?.readEvents;
  // Another backend than bullmq's Redis one: nothing is watched, the stop cannot drain (see drainEvents).
  if (!backend || typeof read !== 'function') return reads;
  backend.readEvents = async function (this: EventsBackend, id: string, blockTimeout: number): Promise<unknown> {
    const from = id === '$' ? (reads.dollar ??= await newestId(await this.queue.client, this.queue.keys.events)) : id;
    reads.cursor = from;
    reads.unseen = false;
    for (const asked of [...reads.asked]) asked();
    return read.call(this, from, blockTimeout);
  };
  return reads;
}

/** Whether the adapter watches this QueueEvents' reads (bullmq's Redis backend). */
export function canDrain(qe: QueueEvents): boolean {
  return typeof backendOf(qe)?.readEvents === 'function';
}

/** Resolves once the loop has asked for a read after `id` (everything up to it emitted). */
function readPast(reads: Reads, id: string): { reached: Promise<void>; cancel(): void } {
  let check: () => void = () => {};
  const reached = new Promise<void>((resolve) => {
    check = () => {
      if (atOrAfter(reads.cursor, id)) resolve();
    };
  });
  reads.asked.add(check);
  check();
  return { reached, cancel: () => void reads.asked.delete(check) };
}

/**
 * Resolves once a first read has been asked for under the adapter's watch (the position it reads
 * from is then fixed), or at once when that cannot be seen: a read already under way when watching
 * began, or a loop that does not run.
 */
export function firstRead(qe: QueueEvents): Promise<void> {
  const reads = watchReads(qe);
  if (reads.cursor !== undefined || reads.unseen || !canDrain(qe)) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const asked = (): void => {
      reads.asked.delete(asked);
      resolve();
    };
    reads.asked.add(asked);
  });
}

/** The newest entry's id through a connection of its own (the QueueEvents' one is blocked in XREAD). */
function probeNewest(qe: QueueEvents): { newest: Promise<string | undefined>; close(): void } {
  const backend = backendOf(qe)!;
  let probe: (EventsClient & RawClient) | undefined;
  let closed = false;
  const newest = (async () => {
    const client = await backend.queue.client;
    if (closed) throw new Error('probe closed');
    // One command, then cut: no reconnect (a dead Redis fails it at once), errors heard.
    const own = client.duplicate({ retryStrategy: () => null, lazyConnect: false });
    probe = own;
    own.on('error', () => {});
    const entries = (await own.runCommand('xrevrange', [backend.queue.keys.events, '+', '-', 'COUNT', 1])) as [string, unknown][] | null;
    return entries?.[0]?.[0];
  })();
  newest.catch(() => undefined);
  return {
    newest,
    close: () => {
      closed = true;
      if (probe) cutClient(probe);
    },
  };
}

/** Why the stream could not be read up to the newest event before the stop's force reserve. */
export type Undrained =
  /** The newest id was read, the loop did not get there (stuck reconnecting, or too slow). */
  | { readonly kind: 'behind'; readonly newest: string; readonly cursor: string | undefined }
  /** The newest id could not be read (Redis gone, refusing connections). */
  | { readonly kind: 'unknown'; readonly cause: unknown }
  /** The newest id did not come before the force reserve (a frozen Redis). */
  | { readonly kind: 'noAnswer' };

/**
 * Deliver every event written to the stream before now (the stop's beginning, after the workers
 * that depend on this node stopped): read the newest entry's id on a connection of its own, then
 * wait until the loop asks for a read after it — everything up to it has then been emitted.
 * Undefined once done (or when there is nothing to drain: the loop does not run, the QueueEvents is
 * closing, the stream is empty); otherwise why not, once `forced` resolved first.
 */
export async function drainEvents(qe: QueueEvents, forced: Promise<unknown>): Promise<Undrained | undefined> {
  const state = qe as unknown as EventsState;
  if (!state.running || state.closing || !canDrain(qe)) return undefined;
  const reads = watchReads(qe);
  const FORCED = 'forced' as const;
  const probe = probeNewest(qe);
  let newest: string | undefined;
  try {
    const got = await Promise.race([probe.newest.then((id) => ({ id }), (cause: unknown) => ({ cause })), forced.then(() => FORCED)]);
    if (got === FORCED) return { kind: 'noAnswer' };
    if ('cause' in got) return { kind: 'unknown', cause: got.cause };
    if (got.id === undefined) return undefined;
    newest = got.id;
  } finally {
    probe.close();
  }
  const past = readPast(reads, newest);
  try {
    const outcome = await Promise.race([past.reached, forced.then(() => FORCED)]);
    return outcome === FORCED ? { kind: 'behind', newest, cursor: reads.cursor } : undefined;
  } finally {
    past.cancel();
  }
}
