import { QuiesceError } from '@quiesce/core';
import { describeError } from '@quiesce/core/kit';

/**
 * The client's connection was down (lost, the driver still reconnecting) when the stop came to
 * close it: what was queued for it fails at its callers. The node did not stop cleanly, even
 * though nothing of ours is left open.
 */
export class RedisConnectionLostError extends QuiesceError {
  override readonly name = 'RedisConnectionLostError';
  override readonly code = 'QUIESCE_REDIS_CONNECTION_LOST';
  constructor(override readonly cause: unknown) {
    super(`redis connection was down when the client was closed (lost, not re-established): ${describeError(cause)}`, { cause });
  }
}
