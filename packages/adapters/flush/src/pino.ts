import { type ResourceDefinition } from '@quiesce/core';
import { parseOptions } from '@quiesce/core/kit';
import { avoidBlockingWrites, drain, pendingOf } from './drain.js';
import { multistreamParts } from './kinds.js';
import { pinoLoggerOptionsSchema, type PinoLoggerOptions } from './options.js';
import { pinoStreamOf } from './pino-stream.js';

/** Default reserveMs: what ending a transport worker or closing a log file needs once the others are done. */
export const DEFAULT_RESERVE_MS = 500;

/**
 * A pino logger as a lifecycle resource that stops last: `app.resource('log', pinoLogger({ logger }))`.
 * Its destination — pino.destination() (sonic-boom), pino.transport() (a worker thread) or each
 * stream of a pino.multistream() — is flushed and ended after every other node stopped, so their
 * log lines are written. At the node's timeout the destination is cut (drain.ts `cut`: a transport
 * through thread-stream's own destroy, its worker terminated) and the report says what it still held.
 */
export function pinoLogger<L extends object>(options: PinoLoggerOptions<L>): ResourceDefinition<L> {
  return definePinoLogger(options, 'pinoLogger');
}

export function definePinoLogger<L extends object>(options: PinoLoggerOptions<L>, subject: string): ResourceDefinition<L> {
  const { logger: _logger, ...lifecycle } = parseOptions(pinoLoggerOptionsSchema, options, subject);
  // Before the logger can stall on a pipe nobody reads: see avoidBlockingWrites.
  for (const destination of destinationsOf(options.logger)) avoidBlockingWrites(destination);
  return {
    ...lifecycle,
    dependsOn: options.dependsOn,
    stopsLast: lifecycle.stopsLast ?? true,
    reserveMs: lifecycle.reserveMs ?? DEFAULT_RESERVE_MS,
    value: options.logger,
    pending: pinoPending,
    stop: async (logger, ctx) => {
      const results = await Promise.allSettled(destinationsOf(logger).map((s) => drain(s, ctx.signal, { fsync: false, node: ctx.name })));
      const failure = results.find((r) => r.status === 'rejected');
      if (failure) throw failure.reason;
    },
  };
}

/** What the logger's destinations still hold, or held when they were cut. */
export function pinoPending(logger: object): string | undefined {
  const left = destinationsOf(logger)
    .map(pendingOf)
    .filter((p) => p !== undefined);
  return left.length > 0 ? left.join('; ') : undefined;
}

function destinationsOf(logger: object): object[] {
  const stream = pinoStreamOf(logger);
  if (stream === undefined) return [];
  return (multistreamParts(stream) ?? [stream]).filter((s): s is object => typeof s === 'object' && s !== null);
}
