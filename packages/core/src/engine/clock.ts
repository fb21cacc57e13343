/**
 * Where the engine, the container and the report read time and arm timers: one seam, so a test
 * can run a 10 s node timeout in no real time and assert exact milliseconds (`fakeClock()` in the
 * kit). `now()` is monotonic (performance.now() for the real clock) and measures every duration,
 * deadline and timeout; `wallNow()` is epoch ms, only for timestamps (the report's `startedAt`,
 * events' `at`) and for `ctx.deadline`, which hooks hand to drivers as a wall-clock moment.
 */
export interface Clock {
  now(): number;
  wallNow(): number;
  /** Arms a timer; what it returns is only ever handed back to `clearTimeout` (or `unref`'d if it can be). */
  setTimeout(fn: () => void, ms: number): ClockTimer;
  clearTimeout(timer: ClockTimer | undefined): void;
}

/** A timer handle: opaque, except that a real one can be unref'd. */
export type ClockTimer = { unref?(): unknown } | number | undefined;

// setTimeout treats a delay it cannot hold (Infinity, > 2^31 − 1) as 1 ms: clamp.
const MAX_DELAY_MS = 2_147_483_647;

/** performance.now(), Date.now() and the global timers. */
export const realClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, Math.min(Math.max(0, ms), MAX_DELAY_MS)),
  clearTimeout: (timer) => clearTimeout(timer as Parameters<typeof clearTimeout>[0]),
};

/** Lets a timer not hold the process open (a real one); a fake timer has nothing to unref. */
export function unrefTimer(timer: ClockTimer): void {
  if (typeof timer === 'object') timer.unref?.();
}

/** Whether `value` has a Clock's four methods: what the container's `clock` option is checked against. */
export function isClock(value: unknown): value is Clock {
  return typeof value === 'object' && value !== null && CLOCK_METHODS.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
}
export const CLOCK_METHODS = ['now', 'wallNow', 'setTimeout', 'clearTimeout'] as const;
