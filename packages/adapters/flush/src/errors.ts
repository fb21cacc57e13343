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

/** A write made after the stream was ended by its node's stop: refused (its callback gets this), not written. */
export class StreamEndedError extends AdapterError {
  override readonly name = 'StreamEndedError';
  override readonly code = 'QUIESCE_STREAM_ENDED';
  constructor(node: string) {
    super(node, 'write after the stream was ended by its stop: refused, not written');
  }
}

/** Writes arrived after the node's stop ended the stream: they were refused, and the report says how many. */
export class StreamLateWritesError extends AdapterError {
  override readonly name = 'StreamLateWritesError';
  override readonly code = 'QUIESCE_STREAM_LATE_WRITES_REFUSED';
  constructor(
    node: string,
    readonly writes: number,
    readonly bytes: number,
  ) {
    super(node, `${writes} write${writes === 1 ? '' : 's'} (${bytes} bytes) after the stream was ended were refused, not written; everything written before its end was flushed`);
  }
}
