import { describe, expect, it } from 'vitest';
import { LifecycleContainer } from '../src/index.js';
import { buildGraph, walk } from '../src/kit/main.js';
import { deepestFirst } from '../src/graph/graph.js';

// a ← b ← c ← d (a chain of 4) and e, f, g: lone nodes.
const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
const deps = [[], [0], [1], [2], [], [], []];

describe('nodes ready at once begin deepest chain first', () => {
  it('measures the chain of dependencies behind each node', () => {
    expect([...buildGraph(names, deps).stopDepth]).toEqual([1, 2, 3, 4, 1, 1, 1]);
    // A diamond plus a tail: the longest chain counts, not the number of paths.
    expect([...buildGraph(['a', 'b', 'c', 'd', 'e'], [[], [0], [0], [1, 2], [3]]).stopDepth]).toEqual([1, 2, 2, 3, 4]);
  });

  it('orders by depth, stable within a depth', () => {
    const depth = Int32Array.from([1, 3, 1, 2, 3, 1]);
    expect(deepestFirst([0, 1, 2, 3, 4, 5], depth)).toEqual([1, 4, 3, 0, 2, 5]);
    expect(deepestFirst([], depth)).toEqual([]);
  });

  it('a stop walk begins the root of the longest chain before the lone roots that come before it by index', async () => {
    const graph = buildGraph(['e', 'f', 'g', 'a', 'b', 'c', 'd'], [[], [], [], [], [3], [4], [5]]);
    const began: string[] = [];
    await walk({ graph, direction: 'stop', haltOnFailure: false, timeoutMs: () => 1_000, run: (i) => void began.push(graph.names[i]!) });
    expect(began).toEqual(['d', 'e', 'f', 'g', 'c', 'b', 'a']);
  });

  it('through the container too, and the ordering never breaks dependency order', async () => {
    const began: string[] = [];
    const app = new LifecycleContainer();
    for (const name of ['e', 'f', 'g']) app.resource(name, { value: name, stop: () => void began.push(name) });
    app.resource('a', { value: 'a', stop: () => void began.push('a') });
    app.resource('b', { value: 'b', dependsOn: ['a'], stop: () => void began.push('b') });
    app.resource('c', { value: 'c', dependsOn: ['b'], stop: () => void began.push('c') });
    await app.start();
    const report = await app.shutdown();
    expect(report.ok).toBe(true);
    expect(began[0]).toBe('c');
    expect(began.indexOf('b')).toBeGreaterThan(began.indexOf('c'));
    expect(began.indexOf('a')).toBeGreaterThan(began.indexOf('b'));
  });

  it('every run gets its context, whatever it declares (a (...args) => wrapper too), synchronous or not', async () => {
    const graph = buildGraph(['a', 'b'], [[], [0]]);
    const seen: unknown[] = [];
    const wrapped = (...args: unknown[]): unknown => void seen.push((args[1] as { name: string } | undefined)?.name);
    await walk({ graph, direction: 'start', haltOnFailure: true, timeoutMs: () => 1_000, run: wrapped });
    const async = (...args: unknown[]): Promise<void> => Promise.resolve(void seen.push((args[1] as { deadline: number }).deadline > Date.now()));
    await walk({ graph, direction: 'stop', haltOnFailure: false, timeoutMs: () => 1_000, run: async });
    expect(seen).toEqual(['a', 'b', true, true]);
  });
});
