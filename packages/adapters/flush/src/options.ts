import { resourceOptionsSchema, type Token } from '@quiesce/core';
import { z } from 'zod';
import { kindOf, multistreamParts } from './kinds.js';
import { pinoStreamOf } from './pino-stream.js';

const flushableStream = z.custom<object>(
  (v) => kindOf(v) !== undefined,
  'expected a writable stream (fs.WriteStream, net.Socket, any Writable), a pino.destination() or a pino.transport()',
);

const pinoLoggerInstance = z.custom<object>(
  (v) => {
    const stream = pinoStreamOf(v);
    return stream !== undefined && (kindOf(stream) !== undefined || multistreamParts(stream) !== undefined);
  },
  'expected a pino logger (its destination found under pino.symbols.streamSym)',
);

const token = z
  .custom<Token<unknown>>((v) => typeof v === 'function' || typeof v === 'string' || typeof v === 'symbol', 'expected a class, string or symbol token')
  .optional();

export const flushableOptionsSchema = resourceOptionsSchema.extend({
  stream: flushableStream,
  /** fsync(2) the stream's file descriptor before closing it (fs.WriteStream): written means on disk. */
  fsync: z.boolean().optional(),
});

export type FlushableOptions<S extends object = object> = Omit<z.input<typeof flushableOptionsSchema>, 'stream' | 'dependsOn'> & {
  stream: S;
  dependsOn?: readonly unknown[];
};

export const pinoLoggerOptionsSchema = resourceOptionsSchema.extend({
  logger: pinoLoggerInstance,
});

export type PinoLoggerOptions<L extends object = object> = Omit<z.input<typeof pinoLoggerOptionsSchema>, 'logger' | 'dependsOn'> & {
  logger: L;
  dependsOn?: readonly unknown[];
};

export const moduleTokenSchema = z.object({ token });
export const requiredTokenSchema = z.object({ token: token.unwrap() });
