import { type ResourceDefinition } from '@quiesce/core';
import { parseOptions } from '@quiesce/core/kit';
import { avoidBlockingWrites, drain, pendingOf } from './drain.js';
import { flushableOptionsSchema, type FlushableOptions } from './options.js';

/**
 * A write stream as a lifecycle resource: `app.resource(AuditLog, flushable({ stream: fs.createWriteStream(path), fsync: true }))`.
 * Stop ends it and waits until everything written is flushed ('finish'; for a file also 'close',
 * so the fd and any lock on it are released), optionally fsync-ing the file first. At the node's
 * timeout the stream is destroyed and the report says how many bytes were still unwritten.
 */
export function flushable<S extends object>(options: FlushableOptions<S>): ResourceDefinition<S> {
  return defineFlushable(options, 'flushable');
}

export function defineFlushable<S extends object>(options: FlushableOptions<S>, subject: string): ResourceDefinition<S> {
  const { stream: _stream, fsync = false, ...lifecycle } = parseOptions(flushableOptionsSchema, options, subject);
  avoidBlockingWrites(options.stream);
  return {
    ...lifecycle,
    dependsOn: options.dependsOn,
    value: options.stream,
    pending: flushablePending,
    stop: (stream, ctx) => drain(stream, ctx.signal, { fsync, node: ctx.name }),
  };
}

/** What the stream still holds ("4096 bytes not yet written"), or held when its stop was cut. */
export function flushablePending(stream: object): string | undefined {
  return pendingOf(stream);
}
