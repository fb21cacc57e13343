// The parts of a node's stop, as the report names them (see NodeReport.phases).

/**
 * The parts of a node's stop, in the order they run: one table that the stop sequence runs
 * (`container/stop-sequence.ts`), the report names and the chart and table label and shade. A part with a
 * `hook` runs the node's hook of that name (`container/hook-table.ts` lists the hooks); the
 * others are core's own: `drain` waits for the node's in-flight work, `deactivate` runs
 * inversify's @preDestroy / onDeactivation. Adding a stop hook is a row here and one there.
 */
export const STOP_STEPS = [
  { phase: 'quiesce', hook: 'quiesce', label: 'refuse new work', opacity: 0.45 },
  { phase: 'drain', hook: undefined, label: 'in-flight work', opacity: 0.7 },
  { phase: 'stop', hook: 'stop', label: 'stop', opacity: 1 },
  { phase: 'deactivate', hook: undefined, label: 'deactivation', opacity: 0.85 },
] as const;

/** `quiesce`: new work refused and its quiesce hook run; `drain`: waiting for in-flight work; `stop`: its stop hook (or dispose); `deactivate`: inversify's own. */
export type StopPhase = (typeof STOP_STEPS)[number]['phase'];

export const STOP_PHASES: readonly StopPhase[] = STOP_STEPS.map((s) => s.phase);

/** How the chart and table label a phase. */
export const PHASE_LABELS = Object.fromEntries(STOP_STEPS.map((s) => [s.phase, s.label])) as Readonly<Record<StopPhase, string>>;

/** How strongly the chart fills a phase's segment of a node's bar (the stop itself: solid). */
export const PHASE_OPACITY = Object.fromEntries(STOP_STEPS.map((s) => [s.phase, s.opacity])) as Readonly<Record<StopPhase, number>>;

/** One recorded step of a node's stop: when it began (the container clock's now()), and drain's open count. */
export interface PhaseMark {
  readonly phase: StopPhase;
  readonly at: number;
  readonly inFlight?: number;
}

/** What the container recorded of one node's stop, for the report to turn into offsets. */
export interface RecordedStop {
  readonly marks: readonly PhaseMark[];
  /** Set when the node's time ran out while a step was running. */
  readonly cut?: { readonly phase: StopPhase; readonly open: readonly string[] };
}
