import { ConnectionsLostError } from '@quiesce/core/kit';

/**
 * The client's connection was down (lost, the driver still reconnecting) when the stop came to
 * close it: what was queued for it fails at its callers. The node did not stop cleanly, even
 * though nothing of ours is left open. A connection the driver re-established in time is no
 * failure. `instanceof ConnectionsLostError` (core/kit) holds; `lost` is always 1 (one
 * connection per client); `cause` is the driver's last connection error.
 */
export class RedisConnectionLostError extends ConnectionsLostError {
  override readonly name = 'RedisConnectionLostError';
  override readonly code = 'QUIESCE_REDIS_CONNECTION_LOST';
  constructor(node: string, cause: unknown) {
    super(node, 'redis client', 1, cause, 'when the stop came to close it (not re-established)');
  }
}
