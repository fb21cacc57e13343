import { AdapterError, describeError } from '@quiesce/core/kit';
import type { StreamKind } from './kinds.js';

/** The stream errored while it was being flushed or ended: what it still held may be lost. */
export class StreamFlushError extends AdapterError {
  override readonly name = 'StreamFlushError';
  override readonly code = 'QUIESCE_STREAM_FLUSH_FAILED';
  constructor(
    node: string,
    readonly kind: StreamKind,
    override readonly cause: unknown,
  ) {
    super(node, `${LABELS[kind]} failed while flushing, buffered data may be lost: ${describeError(cause)}`, { cause });
  }
}

const LABELS: Record<StreamKind, string> = {
  transport: 'pino transport',
  sonic: 'pino destination',
  writable: 'stream',
};
