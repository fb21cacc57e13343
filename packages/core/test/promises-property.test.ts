import { describe, expect, it } from 'vitest';
import { LifecycleContainer, type HookContext, type ShutdownReport } from '../src/index.js';
import { randomDag, rng } from './support/random-dag.js';
import { collectingUnhandled } from './support/unhandled.js';

/**
 * The promises of DESIGN.md, checked on thousands of random graphs whose hooks misbehave the way
 * real code does, with shutdown requested at a random moment (often in the middle of start()).
 * `QUIESCE_SOAK=N` runs N graphs instead of the CI default (scripts/soak is this with a big N).
 */
const GRAPHS = Number(process.env.QUIESCE_SOAK ?? 1_500);
// Graphs run concurrently in small batches; their blocking hooks also delay each other, which the
// deadline check accounts for (no library can preempt a synchronous loop).
const BATCH = 10;
const DEADLINE_MS = 400;
const EPSILON_MS = 120;

type Behaviour = 'resolve' | 'slow' | 'reject' | 'rejectUndefined' | 'throw' | 'hang' | 'ignoreAbort' | 'block' | 'reenter' | 'reenterListener';
const STOP_BEHAVIOURS: Behaviour[] = ['resolve', 'resolve', 'resolve', 'slow', 'reject', 'rejectUndefined', 'throw', 'hang', 'ignoreAbort', 'block', 'reenter', 'reenterListener'];
const START_BEHAVIOURS: Behaviour[] = ['resolve', 'resolve', 'resolve', 'slow', 'reject', 'throw', 'hang', 'ignoreAbort'];
const STOP_LIMIT_MS = 25;

interface NodeRecord {
  startCompleted: boolean;
  stopCalls: number;
  stopBeganAt: number;
  stopEndedAt: number;
  stopOutcome: 'ok' | 'error' | 'pending';
}

const userTimers = new Set<ReturnType<typeof setTimeout>>();
const later = (ms: number, fn: () => void) => {
  const timer = setTimeout(() => {
    userTimers.delete(timer);
    fn();
  }, ms);
  userTimers.add(timer);
};
let blockedMs = 0;
const blockFor = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* a synchronous loop in a hook */ }
  blockedMs += ms;
};

function behave(b: Behaviour, ctx: HookContext, app: LifecycleContainer, random: () => number): unknown {
  switch (b) {
    case 'resolve': return undefined;
    case 'slow': return new Promise<void>((r) => later(1 + Math.floor(random() * 8), r));
    case 'reject': return Promise.reject(new Error('hook failed'));
    case 'rejectUndefined': return Promise.reject(undefined);
    case 'throw': throw new Error('hook threw');
    case 'hang': return new Promise(() => {});
    // Resolves well after its limit, whatever its signal says.
    case 'ignoreAbort': return new Promise<void>((r) => later(40 + Math.floor(random() * 40), r));
    case 'block': return void blockFor(STOP_LIMIT_MS + 10);
    case 'reenter': return void app.shutdown();
    case 'reenterListener': return void app.shutdownRequested.addEventListener('abort', () => void app.shutdown());
  }
}

async function oneGraph(seed: number, failures: string[]): Promise<void> {
  const random = rng(seed);
  const n = 2 + Math.floor(random() * 9);
  const deps = randomDag(seed, n, 2);
  const records: NodeRecord[] = deps.map(() => ({ startCompleted: false, stopCalls: 0, stopBeganAt: NaN, stopEndedAt: NaN, stopOutcome: 'pending' }));
  const app = new LifecycleContainer({ shutdownTimeoutMs: DEADLINE_MS, defaultStartTimeoutMs: 30 });
  const settledAt = new Map<string, number>();
  app.on('transition', (e) => {
    if (e.phase === 'stop' && e.type !== 'stopping') settledAt.set(e.node, performance.now());
  });
  if (random() < 0.1) app.on('stopping', () => void app.shutdown());
  deps.forEach((ds, i) => {
    const startB = START_BEHAVIOURS[Math.floor(random() * START_BEHAVIOURS.length)]!;
    const stopB = STOP_BEHAVIOURS[Math.floor(random() * STOP_BEHAVIOURS.length)]!;
    const r = records[i]!;
    app.resource(`n${i}`, {
      value: { i },
      dependsOn: ds.map((d) => `n${d}`),
      stopTimeoutMs: STOP_LIMIT_MS,
      start: (_v, ctx) => {
        const result = behave(startB, ctx, app, random);
        return Promise.resolve(result).then(() => void (r.startCompleted = true));
      },
      stop: (_v, ctx) => {
        r.stopCalls++;
        r.stopBeganAt = performance.now();
        const mark = (outcome: 'ok' | 'error') => {
          r.stopEndedAt = performance.now();
          r.stopOutcome = outcome;
        };
        try {
          const result = behave(stopB, ctx, app, random);
          Promise.resolve(result).then(() => mark('ok'), () => mark('error'));
          return result;
        } catch (error) {
          mark('error');
          throw error;
        }
      },
    });
  });
  const starting = app.start().catch(() => undefined);
  const when = random();
  if (when < 0.6) await new Promise<void>((r) => later(Math.floor(random() * 12), r));
  else await starting;
  const requested = performance.now();
  const blockedBefore = blockedMs;
  const report: ShutdownReport = await app.shutdown();
  const tookMs = performance.now() - requested;
  const blockedDuring = blockedMs - blockedBefore;
  await starting;
  const fail = (what: string) => failures.push(`seed ${seed}: ${what}`);
  if (tookMs > DEADLINE_MS + EPSILON_MS + blockedDuring) fail(`shutdown took ${Math.round(tookMs)} ms > deadline ${DEADLINE_MS} + ${EPSILON_MS} (+ ${blockedDuring} ms of blocked event loop)`);
  if ((await app.shutdown()) !== report) fail('a later shutdown() returned another report');
  // Let every late completion and late release happen (user timers are at most 80 ms).
  await new Promise((r) => setTimeout(r, 120));
  deps.forEach((ds, i) => {
    const name = `n${i}`;
    const r = records[i]!;
    const node = report.node(name)!;
    if (r.stopCalls > 1) fail(`${name} stopped ${r.stopCalls} times`);
    // A started node is stopped — unless the deadline passed before it could begin, which the report says.
    const cutByDeadline = report.deadlinePassed && node.status === 'skipped' && node.reason?.startsWith('global deadline');
    if (r.startCompleted && r.stopCalls === 0 && !cutByDeadline) fail(`${name} started but was never stopped (${node.status} ${node.reason ?? ''})`);
    if (node.status === 'stopped') {
      if (r.stopCalls !== 1 || r.stopOutcome !== 'ok') fail(`${name} reported stopped but its stop ${r.stopCalls === 0 ? 'never ran' : r.stopOutcome}`);
      if (node.durationMs! > node.effectiveTimeoutMs + 1) fail(`${name} reported stopped after ${node.durationMs} ms > its ${node.effectiveTimeoutMs} ms`);
    }
    if (node.status === 'failed' && !node.error) fail(`${name} failed without an error`);
    if (node.status === 'failed' && r.stopOutcome !== 'error') fail(`${name} reported failed but its stop ${r.stopOutcome}`);
    if (node.status === 'skipped' && !(node.reason === 'not started' || node.reason?.startsWith('its start was interrupted') || node.reason?.startsWith('global deadline'))) fail(`${name} skipped: ${node.reason}`);
    // Ordering: a stop that began in the walk began after every dependent settled.
    if (r.stopCalls === 1 && !node.note?.includes('released late')) {
      deps.forEach((dds, j) => {
        if (dds.includes(i) && settledAt.has(`n${j}`) && r.stopBeganAt < settledAt.get(`n${j}`)!) fail(`${name} stopped before its dependent n${j} settled`);
      });
    }
  });
}

describe('10. the promises hold on random graphs with misbehaving hooks (seeded property test)', () => {
  it(`${GRAPHS} random graphs: at most one stop per instance, every started instance stopped or reported, order kept, deadline held, reports true, nothing unhandled, no timer left`, async () => {
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const failures: string[] = [];
    const unhandled = await collectingUnhandled(async (unhandled) => {
      for (let base = 0; base < GRAPHS; base += BATCH) {
        await Promise.all(Array.from({ length: Math.min(BATCH, GRAPHS - base) }, (_, k) => oneGraph(1_000 + base + k, failures)));
      }
      while (userTimers.size > 0) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 20));
      return unhandled;
    });
    expect(failures.slice(0, 20)).toEqual([]);
    expect(unhandled).toEqual([]);
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBeLessThanOrEqual(timersBefore);
  }, 120_000);
});
