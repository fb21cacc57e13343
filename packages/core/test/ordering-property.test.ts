import { describe, expect, it } from 'vitest';
import { LifecycleContainer } from '../src/index.js';
import { buildGraph, walk } from '../src/kit/main.js';
import { randomDag, rng } from './support/random-dag.js';
import { Timeline, sleep } from './support/timeline.js';

const SEEDS = [1, 2, 3, 5, 8, 13, 21, 34];

describe('ordering invariant on random DAGs (seeded property test)', () => {
  it.each(SEEDS)('seed %i: no stop begins before all its dependents settled; every node settles once', async (seed) => {
    const deps = randomDag(seed, 60, 3);
    const random = rng(seed * 7919);
    const t = new Timeline();
    const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000 });
    const fates = deps.map(() => {
      const r = random();
      return r < 0.1 ? 'throw' : r < 0.15 ? 'hang' : Math.floor(random() * 8);
    });
    deps.forEach((ds, i) => {
      const fate = fates[i]!;
      app.resource(`n${i}`, {
        value: i,
        dependsOn: ds.map((d) => `n${d}`),
        // Hung nodes are cut quickly; the others get room to finish a few-ms sleep even on a
        // loaded 2-core machine (a 40 ms limit there made a sleep(7) a true, but unwanted, timeout).
        stopTimeoutMs: fate === 'hang' ? 40 : 2_000,
        stop: async () => {
          t.mark(`n${i}`, 'stop', 'begin');
          if (fate === 'hang') return new Promise(() => {});
          if (typeof fate === 'number') await sleep(fate);
          t.mark(`n${i}`, 'stop', 'end');
          if (fate === 'throw') throw new Error('boom');
        },
      });
    });
    await app.start();
    const settledAt = new Map<string, number>();
    app.on('transition', (e) => {
      if (e.phase === 'stop' && e.type !== 'stopping') {
        expect(settledAt.has(e.node)).toBe(false);
        settledAt.set(e.node, performance.now());
      }
    });
    const report = await app.shutdown();
    expect(settledAt.size).toBe(deps.length);
    for (let i = 0; i < deps.length; i++) {
      expect(t.count(`n${i}`, 'stop')).toBe(1);
      const begin = t.at(`n${i}`, 'stop', 'begin');
      deps.forEach((ds, j) => {
        if (ds.includes(i)) expect(begin).toBeGreaterThanOrEqual(settledAt.get(`n${j}`)!);
      });
      const expected = fates[i] === 'hang' ? 'timedOut' : fates[i] === 'throw' ? 'failed' : 'stopped';
      expect(report.node(`n${i}`)!.status).toBe(expected);
    }
  });

  it('the engine walks a 100k-node chain without overflowing the stack', async () => {
    const n = 100_000;
    const deps = Array.from({ length: n }, (_, i) => (i === 0 ? [] : [i - 1]));
    const graph = buildGraph(Array.from({ length: n }, (_, i) => `n${i}`), deps);
    const order: number[] = [];
    const result = await walk({ graph, direction: 'stop', haltOnFailure: false, run: (i) => void order.push(i), timeoutMs: () => 1_000 });
    expect(result.outcomes.every((o) => o.status === 'done')).toBe(true);
    expect(order[0]).toBe(n - 1);
    expect(order[n - 1]).toBe(0);
  });
});
