import { type Token } from '@quiesce/core';
import { lazySchema, resourceOptionsSchema } from '@quiesce/core/kit';
import type { z } from 'zod';
import { kindOf, multistreamParts } from './kinds.js';
import { pinoStreamOf } from './pino-stream.js';

export const flushableOptionsSchema = lazySchema((z) =>
  resourceOptionsSchema().extend({
    stream: z.custom<object>(
      (v) => kindOf(v) !== undefined,
      'expected a writable stream (fs.WriteStream, net.Socket, any Writable), a pino.destination() or a pino.transport()',
    ),
    /** fsync(2) the stream's file descriptor before closing it (fs.WriteStream): written means on disk. */
    fsync: z.boolean().optional(),
  }),
);

export type FlushableOptions<S extends object = object> = Omit<z.input<ReturnType<typeof flushableOptionsSchema>>, 'stream' | 'dependsOn'> & {
  stream: S;
  dependsOn?: readonly unknown[];
};

export const pinoLoggerOptionsSchema = lazySchema((z) =>
  resourceOptionsSchema().extend({
    logger: z.custom<object>(
      (v) => {
        const stream = pinoStreamOf(v);
        return stream !== undefined && (kindOf(stream) !== undefined || multistreamParts(stream) !== undefined);
      },
      'expected a pino logger (its destination found under pino.symbols.streamSym)',
    ),
  }),
);

export type PinoLoggerOptions<L extends object = object> = Omit<z.input<ReturnType<typeof pinoLoggerOptionsSchema>>, 'logger' | 'dependsOn'> & {
  logger: L;
  dependsOn?: readonly unknown[];
};
