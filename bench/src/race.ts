import { contestants } from './contestants.js';
import { randomGraph } from './random-graph.js';
import { StopRecorder } from './stop-recorder.js';

export interface RaceRow {
  seed: number;
  contestant: string;
  wallMs: number;
  criticalPathMs: number;
  ratio: number;
  violations: number;
  edges: number;
}

/** The same seeded 200-node graph torn down by every contestant; ratios and counts from this run only. */
export async function race(seeds: readonly number[], nodes = 200): Promise<RaceRow[]> {
  const rows: RaceRow[] = [];
  // One unmeasured round per contestant on another graph, so no one's first run pays for JIT warm-up.
  for (const contestant of contestants) {
    const recorder = new StopRecorder(randomGraph(1_000_003, nodes, 2, 1, 5));
    await (await contestant.prepare(recorder))();
  }
  for (const seed of seeds) {
    const graph = randomGraph(seed, nodes);
    for (const contestant of contestants) {
      const recorder = new StopRecorder(graph);
      const teardown = await contestant.prepare(recorder);
      const began = performance.now();
      await teardown();
      const wallMs = performance.now() - began;
      if (!recorder.allStopped()) throw new Error(`${contestant.name} did not stop every node`);
      const criticalPathMs = recorder.criticalPathMs();
      rows.push({
        seed,
        contestant: contestant.name,
        wallMs: round(wallMs),
        criticalPathMs: round(criticalPathMs),
        ratio: round(wallMs / criticalPathMs, 3),
        violations: recorder.violations(),
        edges: recorder.edges(),
      });
    }
  }
  return rows;
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

