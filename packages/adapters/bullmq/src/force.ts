import type { HookContext } from '@quiesce/core';

/**
 * The end of the node's own time kept for the force path (close(true) disconnects at once; the
 * rest is bullmq's own cleanup), capped at half the node's time.
 */
export const FORCE_RESERVE_MS = 500;

/**
 * Resolves when the graceful part must give up: FORCE_RESERVE_MS (at most half the node's time)
 * before the node's deadline, or when its signal aborts. `cancel()` clears timer and listener.
 */
export function forceAt(ctx: HookContext): { reached: Promise<'force'>; cancel(): void } {
  const { signal, deadline } = ctx;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let fire: () => void = () => {};
  const reached = new Promise<'force'>((resolve) => (fire = () => resolve('force')));
  if (signal.aborted) fire();
  else signal.addEventListener('abort', fire, { once: true });
  if (Number.isFinite(deadline)) {
    const left = deadline - Date.now();
    timer = setTimeout(fire, Math.max(0, left - Math.min(FORCE_RESERVE_MS, left / 2)));
  }
  return {
    reached,
    cancel: () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', fire);
    },
  };
}
