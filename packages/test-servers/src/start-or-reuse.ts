import type { ServerName } from './errors.js';
import { ensureServerBinaries } from './install.js';
import { withPortRetry } from './wait.js';

/**
 * The way into every database/broker start*(): the server its environment variable names, when
 * set (and `useEnv` is not false); else its Debian binaries (installed when missing) started by
 * `startOnce`, retried on a fresh port when another process took the one picked for it.
 */
export async function startOrReuse<B, S>(
  server: ServerName,
  opts: { readonly useEnv?: boolean; readonly port?: number },
  fromEnv: () => S | undefined,
  find: () => B | undefined,
  startOnce: (bins: B) => Promise<S>,
): Promise<S> {
  const reused = opts.useEnv === false ? undefined : fromEnv();
  if (reused) return reused;
  await ensureServerBinaries([server]);
  const bins = find()!;
  return withPortRetry(opts.port === undefined, () => startOnce(bins));
}
