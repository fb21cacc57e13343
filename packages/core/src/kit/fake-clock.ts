import type { Clock, ClockTimer } from '../engine/clock.js';

/**
 * A clock for tests: time moves only when the test says so, so a 10 s timeout runs in no real
 * time and every duration in the report is exact. Pass it as `new LifecycleContainer({ clock })`
 * (or a walk's `clock`), then drive the work with `run(promise)`.
 */
export interface FakeClock extends Clock {
  /** Runs until `promise` settles: pending promise jobs first, then the next timer, again and again. */
  run<T>(promise: Promise<T>): Promise<T>;
  /** Moves time forward by `ms`, firing every timer due on the way at its own moment. */
  advance(ms: number): Promise<void>;
  /** Time passes and no timer fires: a hook holding the event loop (synchronous work). */
  block(ms: number): void;
  /** Resolves after `ms` of this clock's time: a hook that takes that long. */
  sleep(ms: number): Promise<void>;
  /** How many timers are armed. */
  readonly pending: number;
}

interface FakeTimer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/** Epoch ms of the fake clock's now() = 0 unless given: 2026-01-01T00:00:00Z, so timestamps are exact too. */
const EPOCH = Date.UTC(2026, 0, 1);

// A real macrotask: every promise job queued before it has run when it fires.
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function fakeClock(options: { readonly epoch?: number } = {}): FakeClock {
  const epoch = options.epoch ?? EPOCH;
  let now = 0;
  let seq = 0;
  const timers = new Set<FakeTimer>();
  const next = (): FakeTimer | undefined => {
    let first: FakeTimer | undefined;
    for (const t of timers) if (!first || t.at < first.at || (t.at === first.at && t.seq < first.seq)) first = t;
    return first;
  };
  const fire = (timer: FakeTimer): void => {
    timers.delete(timer);
    now = Math.max(now, timer.at);
    timer.fn();
  };
  const clock: FakeClock = {
    now: () => now,
    wallNow: () => epoch + now,
    setTimeout(fn, ms) {
      const timer = { at: now + Math.max(0, Number.isFinite(ms) ? ms : 2_147_483_647), seq: seq++, fn };
      timers.add(timer);
      return timer as unknown as ClockTimer;
    },
    clearTimeout(timer) {
      timers.delete(timer as unknown as FakeTimer);
    },
    async run<T>(promise: Promise<T>): Promise<T> {
      let settled = false;
      const watched = promise.finally(() => (settled = true));
      watched.catch(() => undefined);
      for (;;) {
        await flush();
        if (settled) return watched;
        const timer = next();
        if (!timer) throw new Error('fakeClock.run: the promise is still pending and no timer is armed (it waits on something else)');
        fire(timer);
      }
    },
    async advance(ms) {
      const until = now + ms;
      for (let timer = next(); timer && timer.at <= until; timer = next()) {
        await flush();
        fire(timer);
      }
      await flush();
      now = until;
    },
    block(ms) {
      now += ms;
    },
    sleep: (ms) => new Promise((resolve) => clock.setTimeout(resolve, ms)),
    get pending() {
      return timers.size;
    },
  };
  return clock;
}
