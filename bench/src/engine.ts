import { LifecycleContainer } from '@quiesce/core';
import { buildGraph, walk } from '@quiesce/core/kit';
import { randomGraph } from './random-graph.js';
import { round } from './race.js';
import { interleavedMedians, medianMs, peakRssMb } from './timing.js';

export interface EngineRow {
  nodes: number;
  quiesceMs: number;
  bareWalkMs: number;
  /** Reference only (no target since #28): the engine against a bare Kahn walk of the same graph. */
  ratio: number;
  containerMs: number | null;
  peakRssMb: number;
}

const noop = (): void => undefined;

/** validate + start + shutdown through quiesce's engine (graph + scheduler), zero-cost hooks. */
async function engineRun(names: string[], deps: number[][]): Promise<void> {
  const graph = buildGraph(names, deps);
  const timeoutMs = (): number => 1_000;
  const started = await walk({ graph, direction: 'start', haltOnFailure: true, run: noop, timeoutMs });
  const stopped = await walk({ graph, direction: 'stop', haltOnFailure: false, run: noop, timeoutMs, deadlineAt: performance.now() + 60_000 });
  if (started.counts.done !== names.length || stopped.counts.done !== names.length) throw new Error('engine run failed');
}

/** The baseline: Kahn's algorithm over the same arrays, forwards to start, backwards to stop. */
function bareWalk(deps: number[][]): void {
  const n = deps.length;
  const dependents: number[][] = Array.from({ length: n }, () => []);
  const waiting = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    waiting[i] = deps[i]!.length;
    for (const d of deps[i]!) dependents[d]!.push(i);
  }
  const order: number[] = [];
  for (let i = 0; i < n; i++) if (waiting[i] === 0) order.push(i);
  for (let h = 0; h < order.length; h++) {
    noop();
    for (const s of dependents[order[h]!]!) if (--waiting[s] === 0) order.push(s);
  }
  if (order.length !== n) throw new Error('cycle');
  const remaining = new Int32Array(n);
  for (let i = 0; i < n; i++) remaining[i] = dependents[i]!.length;
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (remaining[i] === 0) queue.push(i);
  for (let h = 0; h < queue.length; h++) {
    noop();
    for (const d of deps[queue[h]!]!) if (--remaining[d] === 0) queue.push(d);
  }
}

async function containerRun(names: string[], deps: number[][]): Promise<void> {
  const app = new LifecycleContainer({ shutdownTimeoutMs: 600_000 });
  names.forEach((name, i) => app.resource(name, { value: i, dependsOn: deps[i]!.map((d) => names[d]!) }));
  await app.start();
  const report = await app.shutdown();
  if (!report.ok) throw new Error('container run failed');
}

export async function engine(sizes: readonly number[]): Promise<EngineRow[]> {
  const rows: EngineRow[] = [];
  const graphs = sizes.map((nodes) => ({ nodes, deps: randomGraph(nodes, nodes).deps }));
  // Every engine measurement first: the container runs below call the same walk with other
  // callbacks, and measured after them the engine's call sites are polymorphic (10k: ~8 ms
  // instead of ~4). Warm-up rounds long enough for both sides to reach optimized code.
  for (const { nodes, deps } of graphs) {
    const names = deps.map((_, i) => `n${i}`);
    const runs = nodes >= 100_000 ? 5 : 51;
    const [quiesceMs, bareWalkMs] = (await interleavedMedians(runs, [() => engineRun(names, deps), () => bareWalk(deps)], 20)) as [number, number];
    rows.push({
      nodes,
      quiesceMs: round(quiesceMs, 2),
      bareWalkMs: round(bareWalkMs, 2),
      ratio: round(quiesceMs / bareWalkMs, 2),
      containerMs: null,
      peakRssMb: peakRssMb(),
    });
  }
  // The whole container (inversify bindings, resolution, events) for reference, where it is quick enough to repeat.
  for (const [k, { nodes, deps }] of graphs.entries()) {
    if (nodes > 10_000) continue;
    const containerMs = await medianMs(3, () => containerRun(deps.map((_, i) => `n${i}`), deps));
    rows[k] = { ...rows[k]!, containerMs: round(containerMs, 1) };
  }
  return rows;
}
