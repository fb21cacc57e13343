/**
 * `waitUntilReady()` bounded by the start's signal. A node whose start failed or was cut short is
 * never stopped, so on abort (or failure) `abandon` closes the connection here — or its reconnect
 * loop would outlive the failed start — and the start settles at once with the abort's reason:
 * bullmq's own promise does not settle when the connection is closed under it (Redis down), and
 * core's rollback would wait for it.
 */
export async function readyOrAbandoned(ready: () => Promise<void>, abandon: () => Promise<unknown>, signal: AbortSignal): Promise<void> {
  let onAbort: () => void = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      void abandon().catch(() => undefined);
      reject(signal.reason);
    };
  });
  aborted.catch(() => undefined);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.race([ready(), aborted]);
  } catch (error) {
    await abandon().catch(() => undefined);
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
