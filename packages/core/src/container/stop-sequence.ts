import { describeError } from '../errors.js';
import { onAbort } from '../engine/abort.js';
import type { Clock } from '../engine/clock.js';
import type { PhaseContext } from '../engine/node-run.js';
import { runSteps, type Step } from '../engine/steps.js';
import { STOP_STEPS, type PhaseMark, type RecordedStop, type StopPhase } from '../report/phases.js';
import type { HookContext, LifecycleHooks } from './hooks.js';
import { stopTakesTime, TIMED_STOP_HOOKS } from './hook-table.js';
import type { InFlight } from './in-flight.js';

/**
 * Per node: when each part of its stop began and, when its time ran out, in which part and with
 * what still open — so the report can say *why* a node took long, not only that it did.
 */
export class StopRecorder {
  readonly #marks = new Map<number, PhaseMark[]>();
  readonly #cuts = new Map<number, NonNullable<RecordedStop['cut']>>();
  /** Nodes whose stop is their stop hook alone (the common case): one byte, no mark objects. */
  readonly #stopOnly: Uint8Array;

  constructor(
    n: number,
    private readonly clock: Clock,
  ) {
    this.#stopOnly = new Uint8Array(n);
  }

  stopOnly(i: number): void {
    this.#stopOnly[i] = 1;
  }

  mark(i: number, phase: StopPhase, inFlight?: number): void {
    const mark = { phase, at: this.clock.now(), ...(inFlight !== undefined ? { inFlight } : {}) };
    const marks = this.#marks.get(i);
    if (marks) marks.push(mark);
    else this.#marks.set(i, [mark]);
  }

  cut(i: number, open: readonly string[]): void {
    const marks = this.#marks.get(i);
    if (marks && !this.#cuts.has(i)) this.#cuts.set(i, { phase: marks.at(-1)!.phase, open });
  }

  /** `began`: when the walk began the node, for a stop-only node's single phase. */
  recorded(i: number, began: number): RecordedStop | undefined {
    if (this.#stopOnly[i]) return { marks: [{ phase: 'stop', at: began }] };
    const marks = this.#marks.get(i);
    if (!marks) return undefined;
    const cut = this.#cuts.get(i);
    return cut ? { marks, cut } : { marks };
  }
}

export interface SequenceParts {
  readonly hooks: LifecycleHooks | undefined;
  readonly group: InFlight | undefined;
  /** inversify's own @preDestroy/onDeactivation, run after stop, in dependency order. */
  readonly deactivation: readonly Step[];
  readonly hookContext: () => HookContext;
}

/**
 * Refuse new work, quiesce, wait for in-flight work, stop, deactivate: one sequence under the
 * node's one timeout, each part marked for the report. Once the time is up no further part runs
 * (the node's dependencies are stopping by then); what is left to do happens in the hooks' own
 * ctx.signal abort listeners (the force path).
 */
export function stopSequence(i: number, ctx: PhaseContext, parts: SequenceParts, recorder: StopRecorder): unknown {
  const { hooks, group, deactivation } = parts;
  group?.close();
  if (!stopTakesTime(hooks) && !group && deactivation.length === 0) return undefined;
  const hookCtx = parts.hookContext();
  // The common case, a stop hook alone, needs no step list: the hook's own answer is the node's.
  if (stopHookAlone(hooks) && !group && deactivation.length === 0 && !hooks?.pending) {
    recorder.stopOnly(i);
    return hooks!.stop!(hookCtx);
  }
  // What was still open is read at the moment the time runs out, before the adapters' own abort
  // listeners (registered later, inside the hooks) force things closed.
  if (group || hooks?.pending) onAbort(ctx.signal, () => recorder.cut(i, openWork(group, hooks)));
  const steps: Step[] = [];
  // The parts in the table's order (report/phases.ts): a hook step runs the node's hook; core's
  // own are the in-flight drain and inversify's deactivation.
  for (const { phase, hook } of STOP_STEPS) {
    if (hook !== undefined) {
      const fn = hooks?.[hook];
      if (fn) steps.push(() => (recorder.mark(i, phase), fn(hookCtx)));
    } else if (phase === 'drain') {
      if (group) steps.push(() => (recorder.mark(i, 'drain', group.active), group.active > 0 ? group.drain(ctx.signal) : undefined));
    } else if (deactivation.length > 0) {
      steps.push(() => recorder.mark(i, phase), ...deactivation);
    }
  }
  return runSteps(steps, 0, ctx);
}

/** Whether `stop` is the only stop hook that takes time (quiesce and any other step absent). */
function stopHookAlone(hooks: LifecycleHooks | undefined): boolean {
  return TIMED_STOP_HOOKS.every((name) => name === 'stop' || hooks?.[name] === undefined);
}

function openWork(group: InFlight | undefined, hooks: LifecycleHooks | undefined): string[] {
  const open: string[] = [];
  if (group && group.active > 0) open.push(`${group.active} in-flight ${group.active === 1 ? 'unit' : 'units'} of work`);
  try {
    const said = hooks?.pending?.();
    if (typeof said === 'string' && said !== '') open.push(said);
    else if (Array.isArray(said)) open.push(...said.filter((s): s is string => typeof s === 'string' && s !== ''));
  } catch (error) {
    open.push(`pending() threw: ${describeError(error)}`);
  }
  return open;
}
