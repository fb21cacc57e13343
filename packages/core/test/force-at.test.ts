import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { forceAt } from '../src/kit/main.js';

describe('forceAt: when an adapter gives up on its graceful path', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('fires reserveMs before the deadline (at most half the time left), once, and leaves no timer', async () => {
    const controller = new AbortController();
    let calls = 0;
    const force = forceAt({ signal: controller.signal, deadline: 400 }, 300, () => calls++);
    expect(vi.getTimerCount()).toBe(1);
    // min(300, 400 / 2) = 200 ms before the deadline.
    vi.advanceTimersByTime(199);
    expect(calls).toBe(0);
    vi.advanceTimersByTime(1);
    expect(calls).toBe(1);
    await expect(force.reached).resolves.toBe('force');
    controller.abort();
    expect(calls).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('the signal aborting first: fires then, once, and the timer is cleared', () => {
    const controller = new AbortController();
    let calls = 0;
    forceAt({ signal: controller.signal, deadline: 10_000 }, 1_000, () => calls++);
    controller.abort();
    expect(calls).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(20_000);
    expect(calls).toBe(1);
  });

  it('an already aborted signal: onReached runs during the call, no timer is armed', async () => {
    const controller = new AbortController();
    controller.abort();
    let effect = '';
    const force = forceAt({ signal: controller.signal, deadline: 10_000 }, 1_000, () => (effect = 'forced'));
    expect(effect).toBe('forced');
    expect(vi.getTimerCount()).toBe(0);
    await expect(force.reached).resolves.toBe('force');
  });

  it('cancel() after a graceful finish: the timer and the abort listener are gone, onReached never runs', () => {
    const controller = new AbortController();
    let calls = 0;
    const force = forceAt({ signal: controller.signal, deadline: 50 }, 10, () => calls++);
    force.cancel();
    expect(vi.getTimerCount()).toBe(0);
    controller.abort();
    vi.advanceTimersByTime(100);
    expect(calls).toBe(0);
  });
});
