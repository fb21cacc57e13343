import { asFunction, createContainer } from 'awilix';
import { Container } from 'inversify';
import { LifecycleContainer } from '@quiesce/core';
import { dependentsOf } from './random-graph.js';
import type { StopRecorder } from './stop-recorder.js';

/**
 * One way of tearing a graph down. `prepare` builds and starts it (not timed); `teardown` is the
 * part the race times. Every contestant stops the same nodes through the same recorder.
 */
export interface Contestant {
  readonly name: string;
  prepare(recorder: StopRecorder): Promise<() => Promise<void>>;
}

const name = (i: number): string => `n${i}`;

export const quiesce: Contestant = {
  name: 'quiesce',
  async prepare(recorder) {
    const app = new LifecycleContainer({ shutdownTimeoutMs: 600_000, defaultStopTimeoutMs: 60_000 });
    recorder.graph.deps.forEach((ds, i) =>
      app.resource(name(i), { value: i, dependsOn: ds.map(name), stop: () => recorder.stop(i) }),
    );
    await app.start();
    return async () => {
      const report = await app.shutdown();
      if (!report.ok) throw new Error(`quiesce shutdown not ok:\n${report.toTable()}`);
    };
  },
};

/** inversify 8: singletons with onDeactivation, torn down by unbindAllAsync(). */
export const inversify: Contestant = {
  name: 'inversify 8 unbindAllAsync',
  async prepare(recorder) {
    const container = new Container();
    recorder.graph.deps.forEach((ds, i) =>
      container
        .bind(name(i))
        .toDynamicValue((ctx) => ({ i, deps: ds.map((d) => ctx.get(name(d))) }))
        .inSingletonScope()
        .onDeactivation(() => recorder.stop(i)),
    );
    recorder.graph.deps.forEach((_, i) => container.get(name(i)));
    return () => container.unbindAllAsync();
  },
};

/** awilix: singletons with disposers, torn down by container.dispose(). */
export const awilix: Contestant = {
  name: 'awilix dispose',
  async prepare(recorder) {
    const container = createContainer({ strict: true });
    recorder.graph.deps.forEach((ds, i) =>
      container.register(
        name(i),
        asFunction((cradle: Record<string, unknown>) => ({ i, deps: ds.map((d) => cradle[name(d)]) }))
          .singleton()
          .disposer(() => recorder.stop(i)),
      ),
    );
    recorder.graph.deps.forEach((_, i) => container.resolve(name(i)));
    return () => container.dispose();
  },
};

/** One stop at a time in reverse topological order: what uber-go/fx and per-module NestJS do. */
export const sequential: Contestant = {
  name: 'sequential reverse topo',
  async prepare(recorder) {
    return async () => {
      for (let i = recorder.graph.deps.length - 1; i >= 0; i--) await recorder.stop(i);
    };
  },
};

/** Reverse topological layers, each awaited whole before the next (NestJS by module depth). */
export const layered: Contestant = {
  name: 'layered reverse topo',
  async prepare(recorder) {
    const { deps } = recorder.graph;
    const dependents = dependentsOf(deps);
    // A node's layer is one more than the deepest of its dependents: dependents always stop earlier.
    const layer: number[] = new Array(deps.length).fill(0);
    for (let i = deps.length - 1; i >= 0; i--) layer[i] = Math.max(-1, ...dependents[i]!.map((j) => layer[j]!)) + 1;
    const layers: number[][] = [];
    layer.forEach((l, i) => (layers[l] ??= []).push(i));
    return async () => {
      for (const nodes of layers) await Promise.all(nodes.map((i) => recorder.stop(i)));
    };
  },
};

export const contestants: readonly Contestant[] = [quiesce, inversify, awilix, sequential, layered];
