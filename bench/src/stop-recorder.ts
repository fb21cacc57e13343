import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchGraph } from './random-graph.js';
import { dependentsOf } from './random-graph.js';

/** Every stop records when it began and ended; the metrics are computed from those marks only. */
export class StopRecorder {
  readonly began: number[];
  readonly ended: number[];

  constructor(readonly graph: BenchGraph) {
    this.began = graph.deps.map(() => NaN);
    this.ended = graph.deps.map(() => NaN);
  }

  /** The stop of node i: mark, sleep its seeded duration, mark. */
  stop = async (i: number): Promise<void> => {
    this.began[i] = performance.now();
    await sleep(this.graph.stopMs[i]!);
    this.ended[i] = performance.now();
  };

  /** Edges (dependent j → dependency i) where i's stop began before j's stop ended. */
  violations(): number {
    let count = 0;
    this.graph.deps.forEach((ds, j) => ds.forEach((i) => (this.began[i]! < this.ended[j]! ? count++ : 0)));
    return count;
  }

  edges(): number {
    return this.graph.deps.reduce((sum, ds) => sum + ds.length, 0);
  }

  /** The longest chain of *measured* stop durations along dependent→dependency edges. */
  criticalPathMs(): number {
    const { deps } = this.graph;
    const dependents = dependentsOf(deps);
    const longest: number[] = new Array(deps.length).fill(0);
    // Nodes only depend on earlier ones, so walking from the last node down visits dependents first.
    for (let i = deps.length - 1; i >= 0; i--) {
      const above = Math.max(0, ...dependents[i]!.map((j) => longest[j]!));
      longest[i] = above + (this.ended[i]! - this.began[i]!);
    }
    return Math.max(...longest);
  }

  allStopped(): boolean {
    return this.ended.every((t) => !Number.isNaN(t));
  }
}
