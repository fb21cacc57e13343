import { describe, expect, it } from 'vitest';
import { LateArrivals, LATE_WINDOW_MIN_MS } from '../src/kit/main.js';

// On a request path arrived() runs for every request of a server's life: before the shutdown
// request it must keep nothing (and read no clock), after it count each one at its time.
describe('LateArrivals', () => {
  it('counts nothing before requested(); counting says so, and what arrives after is counted and timed', () => {
    const arrivals = new LateArrivals('request', 'requests');
    expect(arrivals.counting).toBe(false);
    const now = performance.now;
    let reads = 0;
    performance.now = () => (reads++, now.call(performance));
    try {
      for (let k = 0; k < 1_000; k++) arrivals.arrived();
      expect(reads).toBe(0);
    } finally {
      performance.now = now;
    }
    arrivals.requested(1_000);
    expect(arrivals.counting).toBe(true);
    arrivals.arrived(1_100);
    arrivals.arrived(1_950);
    arrivals.drainEnded(2_000);
    expect(arrivals.counts()).toEqual({ afterRequest: 2, late: 1, drainMs: 1_000, windowMs: Math.max(200, LATE_WINDOW_MIN_MS) });
  });
});
