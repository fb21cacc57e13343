/**
 * The hooks a node may have, as one table every part reads: registration (which fields a
 * definition may carry, which methods an instance offers), planning (whether a stop may take
 * time) and the report (`pending`). Adding a stop hook is a row here, its signature (and doc) in
 * LifecycleHooks (hooks.ts), and its place among the stop's parts in report/phases.ts STOP_STEPS,
 * which the stop sequence runs in order.
 *
 * Order within the stop phase: quiesce (stop taking new work), then core's in-flight drain, then
 * stop (release), then inversify's deactivation. `pending` is not a step: it is read at the cut.
 */
export const HOOKS = [
  { name: 'start', phase: 'start', takesTime: true },
  { name: 'quiesce', phase: 'stop', takesTime: true },
  { name: 'stop', phase: 'stop', takesTime: true },
  { name: 'pending', phase: 'stop', takesTime: false },
] as const;

export type HookName = (typeof HOOKS)[number]['name'];

export const HOOK_NAMES: readonly HookName[] = HOOKS.map((h) => h.name);

/** The hooks that are steps (given a context, may take time): all but `pending`. */
export type StepHookName = Extract<(typeof HOOKS)[number], { takesTime: true }>['name'];
export const STEP_HOOKS = HOOKS.filter((h) => h.takesTime).map((h) => h.name) as readonly StepHookName[];

/** The stop-phase hooks that take time, in the order they run: a node with none of them has nothing to stop (but its in-flight work). */
export const TIMED_STOP_HOOKS = HOOKS.filter((h) => h.phase === 'stop' && h.takesTime).map((h) => h.name);

/** Whether these hooks make the node's stop do something that may take time. */
export function stopTakesTime(hooks: Partial<Record<HookName, unknown>> | undefined): boolean {
  if (!hooks) return false;
  for (const name of TIMED_STOP_HOOKS) if (hooks[name] !== undefined) return true;
  return false;
}
