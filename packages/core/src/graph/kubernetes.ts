// The pod-spec numbers a shutdown plan implies, with where each came from (`plan.toKubernetes()`,
// `quiesce k8s`). The formula, also in docs/KUBERNETES.md:
//   terminationGracePeriodSeconds = ceil((preStop sleep + shutdownTimeoutMs) / 1000) + margin
//   readiness: periodSeconds × failureThreshold × 1000 + propagationMs ≤ drainDelayMs

export interface KubernetesOptions {
  /** Seconds between quiesce's deadline and the kubelet's SIGKILL (the report is written in it). Default 5. */
  readonly marginSeconds?: number;
  /** Hold SIGTERM back with a preStop sleep of the drain delay instead of `drainDelayMs`. Default false. */
  readonly preStop?: boolean;
  readonly readinessPath?: string;
  /** The container port (number or name) the probe calls. Default `http`. */
  readonly port?: number | string;
  /** How long endpoint removal takes to reach every proxy after the probe fails. Default 1000 ms. */
  readonly propagationMs?: number;
  readonly container?: string;
  /**
   * handleSignals' `exitGraceMs` (false: 0): after the report the process may take this long to
   * end before quiesce exits it; it must fit in the margin. Default ASSUMED_EXIT_GRACE_MS.
   */
  readonly exitGraceMs?: number | false;
}

/** handleSignals' default exitGraceMs (DEFAULT_EXIT_GRACE_MS; graph/ cannot import process/, a test ties them). */
export const ASSUMED_EXIT_GRACE_MS = 1_000;

/** What the fragment needs of a plan. */
export interface PlanNumbers {
  readonly drainDelayMs: number;
  readonly worstCaseMs: number;
  readonly shutdownTimeoutMs: number;
  readonly fits: boolean;
  readonly summary: string;
}

export interface KubernetesNumbers {
  readonly terminationGracePeriodSeconds: number;
  readonly periodSeconds: number;
  readonly failureThreshold: number;
  /** Seconds of preStop sleep (0 without preStop). */
  readonly preStopSeconds: number;
  /** Sentences for what cannot work as configured (also printed as YAML comments). */
  readonly warnings: readonly string[];
}

export function kubernetesNumbers(plan: PlanNumbers, options: KubernetesOptions = {}): KubernetesNumbers {
  const margin = options.marginSeconds ?? 5;
  const propagation = options.propagationMs ?? 1000;
  const drain = plan.drainDelayMs;
  const warnings: string[] = [];
  if (!plan.fits) warnings.push(`the plan does not fit its deadline (${plan.summary}): fix the plan first`);
  const preStopSeconds = options.preStop ? Math.ceil(drain / 1000) : 0;
  if (options.preStop && drain > 0) warnings.push(`with preStop, set the container's drainDelayMs to 0: the preStop sleep of ${preStopSeconds} s does the draining`);
  // The deadline already counts the drain delay; a preStop sleep comes before SIGTERM, on top of it.
  const terminationGracePeriodSeconds = preStopSeconds + Math.ceil(plan.shutdownTimeoutMs / 1000) + margin;
  // The margin holds the report's writing and the exit grace: with less, SIGKILL (exit 137) can
  // come before the process ends by itself or is exited with the report's code.
  const exitGraceMs = options.exitGraceMs === false ? 0 : (options.exitGraceMs ?? ASSUMED_EXIT_GRACE_MS);
  if (margin * 1000 < exitGraceMs + 500) warnings.push(`marginSeconds ${margin} s leaves no room after the deadline for the ${exitGraceMs} ms exit grace (and the report): the kubelet's SIGKILL may end the process first (exit 137); raise it to at least ${Math.ceil((exitGraceMs + 500) / 1000)} s`);
  // Readiness must fail, and the proxies hear of it, within the drain delay. Two failures when the
  // delay allows (one flaky probe should not pull a healthy pod), else one.
  const room = Math.floor((drain - propagation) / 1000);
  let periodSeconds = 1;
  let failureThreshold = 1;
  if (room >= 2) {
    failureThreshold = 2;
    periodSeconds = Math.floor(room / 2);
  } else if (room < 1 && !options.preStop) {
    warnings.push(`drainDelayMs ${drain} ms leaves no time for a readiness probe to fail and endpoints to update (needs ≥ ${1000 + propagation} ms): raise it, or use preStop`);
  }
  return { terminationGracePeriodSeconds, periodSeconds, failureThreshold, preStopSeconds, warnings };
}

/** The pod-spec fragment as YAML, a comment per number saying where it came from. */
export function kubernetesFragment(plan: PlanNumbers, options: KubernetesOptions = {}): string {
  const n = kubernetesNumbers(plan, options);
  const margin = options.marginSeconds ?? 5;
  const propagation = options.propagationMs ?? 1000;
  const port = typeof options.port === 'number' ? String(options.port) : JSON.stringify(options.port ?? 'http');
  const lines = [
    `# From quiesce's shutdown plan: ${plan.summary}`,
    ...n.warnings.map((w) => `# WARNING: ${w}`),
    'spec:',
    `  # ${n.preStopSeconds > 0 ? `preStop ${n.preStopSeconds} s + ` : ''}shutdownTimeoutMs ${plan.shutdownTimeoutMs} ms (the global deadline, drain delay included; worst case ${plan.worstCaseMs} ms) + ${margin} s margin: quiesce finishes, reports and exits (handleSignals' exit grace) before SIGKILL`,
    `  terminationGracePeriodSeconds: ${n.terminationGracePeriodSeconds}`,
    '  containers:',
    `    - name: ${JSON.stringify(options.container ?? 'app')}`,
    '      readinessProbe:',
    '        httpGet:',
    `          path: ${JSON.stringify(options.readinessPath ?? '/readyz')}`,
    `          port: ${port}`,
    `        # periodSeconds × failureThreshold + ${propagation} ms endpoint propagation ≤ drainDelayMs ${plan.drainDelayMs} ms: proxies stop routing here before the listener closes`,
    `        periodSeconds: ${n.periodSeconds}`,
    `        failureThreshold: ${n.failureThreshold}`,
  ];
  if (n.preStopSeconds > 0) {
    lines.push(
      '      lifecycle:',
      '        preStop:',
      '          exec:',
      `            # the drain delay (${plan.drainDelayMs} ms) moved before SIGTERM: the pod keeps serving while endpoints drop it`,
      `            command: ["sleep", "${n.preStopSeconds}"]`,
    );
  }
  return `${lines.join('\n')}\n`;
}
