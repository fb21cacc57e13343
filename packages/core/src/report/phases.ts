// The parts of a node's stop, as the report names them (see NodeReport.phases).

/**
 * `quiesce`: new work refused (its in-flight counter closed) and its quiesce hook run;
 * `drain`: waiting for in-flight work; `stop`: its stop hook (or dispose);
 * `deactivate`: inversify's own @preDestroy / onDeactivation.
 */
export type StopPhase = 'quiesce' | 'drain' | 'stop' | 'deactivate';

export const STOP_PHASES: readonly StopPhase[] = ['quiesce', 'drain', 'stop', 'deactivate'];

/** How the chart and table label a phase. */
export const PHASE_LABELS: Readonly<Record<StopPhase, string>> = {
  quiesce: 'refuse new work',
  drain: 'in-flight work',
  stop: 'stop',
  deactivate: 'deactivation',
};

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
