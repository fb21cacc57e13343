import type { HookContext } from '../../src/index.js';
import { realClock, type Clock } from '../../src/kit/main.js';

/**
 * Records when each fake resource's hooks began and ended, to check ordering invariants. On a
 * fakeClock (the container's too) every mark and every fake's sleep is on its exact time.
 */
export class Timeline {
  readonly events: { node: string; hook: 'start' | 'stop'; edge: 'begin' | 'end'; at: number }[] = [];

  constructor(readonly clock: Clock = realClock) {}

  mark(node: string, hook: 'start' | 'stop', edge: 'begin' | 'end'): void {
    this.events.push({ node, hook, edge, at: this.clock.now() });
  }

  at(node: string, hook: 'start' | 'stop', edge: 'begin' | 'end'): number {
    const found = this.events.find((e) => e.node === node && e.hook === hook && e.edge === edge);
    if (!found) throw new Error(`no ${hook} ${edge} recorded for ${node}`);
    return found.at;
  }

  count(node: string, hook: 'start' | 'stop', edge: 'begin' | 'end' = 'begin'): number {
    return this.events.filter((e) => e.node === node && e.hook === hook && e.edge === edge).length;
  }

  order(hook: 'start' | 'stop', edge: 'begin' | 'end' = 'begin'): string[] {
    return this.events.filter((e) => e.hook === hook && e.edge === edge).map((e) => e.node);
  }
}

export const sleep = (ms: number, signal?: AbortSignal, clock: Clock = realClock): Promise<void> =>
  new Promise((resolve) => {
    const timer = clock.setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clock.clearTimeout(timer);
      resolve();
    });
  });

export type Behaviour = number | 'hang' | 'throw' | ((ctx: HookContext) => unknown);

/** A plain-object resource definition whose start/stop sleep, hang or throw, and record on a timeline. */
export function fake(timeline: Timeline, name: string, stop: Behaviour = 0, start: Behaviour = 0) {
  const run = (hook: 'start' | 'stop', behaviour: Behaviour) => async (_value: unknown, ctx: HookContext) => {
    timeline.mark(name, hook, 'begin');
    if (behaviour === 'hang') return new Promise<void>(() => {});
    if (behaviour === 'throw') {
      timeline.mark(name, hook, 'end');
      throw new Error(`${name} ${hook} exploded`);
    }
    if (typeof behaviour === 'function') await behaviour(ctx);
    else if (typeof behaviour === 'number' && behaviour > 0) await sleep(behaviour, undefined, timeline.clock);
    timeline.mark(name, hook, 'end');
  };
  return { value: { name }, start: run('start', start), stop: run('stop', stop) };
}
