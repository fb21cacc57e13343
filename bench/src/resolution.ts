import { Container, inject, injectable } from 'inversify';
import { LifecycleContainer } from '@quiesce/core';
import { randomGraph } from './random-graph.js';
import { round } from './race.js';
import { interleavedMedians } from './timing.js';

export interface ResolutionRow {
  nodes: number;
  quiesceMs: number;
  inversifyMs: number;
  ratio: number;
}

type Newable = new (...args: unknown[]) => unknown;

/** n singleton classes whose constructors inject a random DAG of the others, decorated as users would. */
function makeClasses(n: number): Newable[] {
  const { deps } = randomGraph(n * 31, n);
  const classes: Newable[] = [];
  deps.forEach((ds, i) => {
    const C = class {
      readonly deps: unknown[];
      constructor(...args: unknown[]) {
        this.deps = args;
      }
    };
    Object.defineProperty(C, 'name', { value: `Service${i}` });
    ds.forEach((d, k) => inject(classes[d]!)(C, undefined, k));
    injectable()(C);
    classes.push(C as Newable);
  });
  return classes;
}

async function viaQuiesce(classes: Newable[]): Promise<void> {
  const app = new LifecycleContainer({ shutdownTimeoutMs: 600_000 });
  for (const C of classes) app.bind(C, {});
  await app.start();
  const report = await app.shutdown();
  if (!report.ok) throw new Error('quiesce resolution run failed');
}

async function viaInversify(classes: Newable[]): Promise<void> {
  const container = new Container();
  for (const C of classes) container.bind(C).toSelf().inSingletonScope();
  for (const C of classes) container.get(C);
  container.unbindAll();
}

export async function resolution(nodes: number): Promise<ResolutionRow> {
  const classes = makeClasses(nodes);
  const [quiesceMs, inversifyMs] = (await interleavedMedians(7, [() => viaQuiesce(classes), () => viaInversify(classes)])) as [number, number];
  return { nodes, quiesceMs: round(quiesceMs, 1), inversifyMs: round(inversifyMs, 1), ratio: round(quiesceMs / inversifyMs, 3) };
}
