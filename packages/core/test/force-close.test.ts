import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { forceCloseConnections, withinBudget } from '../src/kit/main.js';

// The SQL adapters' shared force path, with fake connections: the times at which each step runs.
describe('forceCloseConnections', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  function fakePool(closeOnDestroy = true) {
    const events: string[] = [];
    let release!: () => void;
    const closed = new Promise<void>((r) => (release = r));
    return {
      events,
      destroyOpen: () => {
        events.push(`destroy@${Date.now()}`);
        if (closeOnDestroy) release();
      },
      closed: () => closed,
      release,
    };
  }

  it('kills busy work within half the time left, waits a quarter more for the sockets, then destroys them', async () => {
    const pool = fakePool();
    const killBusy = vi.fn(async (budgetMs: number) => {
      pool.events.push(`kill budget ${budgetMs}`);
      await new Promise((r) => setTimeout(r, 100));
      return 3;
    });
    const done = forceCloseConnections({ deadline: 1_000, signal: new AbortController().signal, destroyOpen: pool.destroyOpen, closed: pool.closed, killBusy });
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(done).resolves.toBe(3);
    // reserve 1000: kill gets 500; sockets may close on their own until 1000 − 250 = 750.
    expect(pool.events).toEqual(['kill budget 500', 'destroy@750']);
  });

  it('sockets that close on their own are not waited for any longer; nothing busy, nothing killed', async () => {
    const pool = fakePool();
    const done = forceCloseConnections({ deadline: 1_000, signal: new AbortController().signal, destroyOpen: pool.destroyOpen, closed: pool.closed });
    await vi.advanceTimersByTimeAsync(100);
    pool.release();
    await vi.advanceTimersByTimeAsync(0);
    await expect(done).resolves.toBe(0);
    expect(pool.events).toEqual(['destroy@100']);
  });

  it('the signal aborting destroys at once, even while the kill is still waiting for a frozen server', async () => {
    const pool = fakePool();
    const controller = new AbortController();
    const done = forceCloseConnections({
      deadline: 10_000,
      signal: controller.signal,
      destroyOpen: pool.destroyOpen,
      closed: pool.closed,
      killBusy: (budgetMs, signal) => withinBudget(budgetMs, signal, () => pool.events.push(`admin cut@${Date.now()}`), () => new Promise<number>(() => {})).catch(() => 0),
    });
    await vi.advanceTimersByTimeAsync(200);
    controller.abort();
    expect(pool.events).toEqual(['destroy@200', 'admin cut@200']);
    // The frozen round trip never settles, but withinBudget does not wait for it: the force path
    // ends at once (its last destroy finds nothing new), and nothing runs later.
    pool.release();
    await vi.advanceTimersByTimeAsync(0);
    await expect(done).resolves.toBe(0);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(pool.events.every((e) => e.endsWith('@200'))).toBe(true);
  });
});

describe('withinBudget', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('cuts the admin connection at the budget and rejects then, without waiting for work a driver may never call back; no timer left', async () => {
    const cuts: number[] = [];
    let finish!: (n: number) => void;
    const result = withinBudget(300, new AbortController().signal, () => cuts.push(Date.now()), () => new Promise<number>((r) => (finish = r)));
    const settled = result.then((n) => `resolved ${n}`, (e: Error) => `rejected: ${e.message}@${Date.now()}`);
    await vi.advanceTimersByTimeAsync(300);
    expect(cuts).toEqual([300]);
    expect(await settled).toBe('rejected: cut after 300 ms@300');
    finish(2); // too late: the result stands
    await vi.advanceTimersByTimeAsync(0);
    expect(cuts).toEqual([300, 300]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('work that settles inside the budget resolves to its value, and its connection is cut then', async () => {
    const cuts: number[] = [];
    const result = withinBudget(300, new AbortController().signal, () => cuts.push(Date.now()), () => new Promise<number>((r) => setTimeout(() => r(3), 100)));
    await vi.advanceTimersByTimeAsync(100);
    await expect(result).resolves.toBe(3);
    expect(cuts).toEqual([100]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
