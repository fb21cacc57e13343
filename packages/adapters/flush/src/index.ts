export { flushable, flushablePending } from './flushable.js';
export { pinoLogger, pinoPending, DEFAULT_RESERVE_MS } from './pino.js';
export { flushableModule, pinoModule } from './module.js';
export { StreamEndedError, StreamFlushError, StreamLateWritesError } from './errors.js';
export type { StreamKind } from './kinds.js';
export type { FlushableOptions, PinoLoggerOptions } from './options.js';
