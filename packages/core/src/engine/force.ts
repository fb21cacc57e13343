import { realClock, type Clock, type ClockTimer } from './clock.js';

/**
 * When an adapter's graceful path must give up so its force path (kill backends, destroy
 * sockets, close(true)) has finished by the time the scheduler gives up on the node: `reserveMs`
 * before the node's deadline, capped at half the node's time, or when its signal aborts (no
 * finite deadline, or cut early by the budget or the global deadline). `reached` resolves to
 * `'force'` so it can race the graceful call directly; `onReached` runs synchronously at that
 * moment, once (also during this call when the signal has already aborted or the deadline has
 * already passed, so the caller sees its effect on return). `cancel()` clears the timer and
 * listener once the stop finished. `clock`: the container's, when it is not the real one (tests).
 */
export function forceAt(
  ctx: { readonly signal: AbortSignal; readonly deadline: number },
  reserveMs: number,
  onReached?: () => void,
  clock: Clock = realClock,
): { reached: Promise<'force'>; cancel(): void } {
  const { signal, deadline } = ctx;
  let timer: ClockTimer;
  let fired = false;
  let resolve!: (value: 'force') => void;
  const reached = new Promise<'force'>((r) => (resolve = r));
  const cancel = (): void => {
    clock.clearTimeout(timer);
    signal.removeEventListener('abort', fire);
  };
  function fire(): void {
    if (fired) return;
    fired = true;
    cancel();
    onReached?.();
    resolve('force');
  }
  const left = deadline - clock.wallNow();
  // Already aborted, or the deadline already past (a hook running late on a starved loop): a timer
  // would fire only after the scheduler gave up on the node.
  if (signal.aborted || left <= 0) {
    fire();
  } else {
    signal.addEventListener('abort', fire, { once: true });
    if (Number.isFinite(deadline)) timer = clock.setTimeout(fire, left - Math.min(reserveMs, left / 2));
  }
  return { reached, cancel };
}
