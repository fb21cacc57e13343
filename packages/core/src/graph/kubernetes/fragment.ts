import { numbersFor, type KubernetesNumbers, type PlanNumbers } from './numbers.js';
import { resolveKubernetesOptions, type KubernetesOptions, type ResolvedKubernetesOptions } from './options.js';
import { preStopFormNote } from './version.js';

/** The pod-spec fragment as YAML, a comment per number saying where it came from and why. */
export function kubernetesFragment(plan: PlanNumbers, options?: KubernetesOptions): string {
  const o = resolveKubernetesOptions(options);
  const n = numbersFor(plan, o);
  const lag = n.propagation.lagMs;
  const port = typeof o.port === 'number' ? String(o.port) : JSON.stringify(o.port);
  const lines = [
    `# From quiesce's shutdown plan: ${plan.summary}`,
    `# Traffic path: ${n.propagation.label}, propagation lag ${lag} ms (${n.propagation.name === 'custom' ? 'your number' : `preset ${n.propagation.name}, ${n.propagation.estimate ? 'an estimate' : "the vendor's figure"}`}; sources in docs/KUBERNETES.md)`,
    `# drain: ${n.preStopSeconds > 0 ? `preStop ${n.preStopSeconds} s + ` : ''}drainDelayMs ${plan.drainDelayMs} ms = ${n.drainMs} ms ${n.drainMs >= lag ? '≥' : '<'} ${lag} ms lag: ${n.drainMs >= lag ? 'the pod serves until the last hop has stopped routing to it' : 'requests still routed here arrive after the listener closed'}`,
    ...n.warnings.map((w) => `# WARNING (${w.code}): ${w.message}`),
    ...n.notes.map((note) => `# NOTE: ${note}`),
    'spec:',
    `  # ${graceSum(plan, n, o)}: quiesce finishes, reports and exits before SIGKILL`,
    `  terminationGracePeriodSeconds: ${n.terminationGracePeriodSeconds}`,
    '  containers:',
    `    - name: ${JSON.stringify(o.container)}`,
    '      readinessProbe:',
    '        httpGet:',
    `          path: ${JSON.stringify(o.readinessPath)}`,
    `          port: ${port}`,
    `        # ${probeWhy(plan, n)}`,
    `        timeoutSeconds: ${n.readiness.timeoutSeconds}`,
    ...(n.readiness.periodSeconds !== undefined ? [`        periodSeconds: ${n.readiness.periodSeconds}`, `        failureThreshold: ${n.readiness.failureThreshold!}`] : []),
    ...preStopLines(n, lag),
  ];
  return `${lines.join('\n')}\n`;
}

function graceSum(plan: PlanNumbers, n: KubernetesNumbers, o: ResolvedKubernetesOptions): string {
  const preStop = n.preStopSeconds > 0 ? `preStop ${n.preStopSeconds} s + ` : '';
  return `${preStop}deadline ${n.deadlineSeconds} s (shutdownTimeoutMs ${plan.shutdownTimeoutMs} ms, drain delay included; worst case ${plan.worstCaseMs} ms) + margin ${n.marginSeconds} s (the report and the ${o.exitGraceMs} ms exit grace) = ${n.terminationGracePeriodSeconds} s`;
}

function probeWhy(plan: PlanNumbers, n: KubernetesNumbers): string {
  const timeout = `timeout ${n.readiness.timeoutSeconds} s: an answer delayed by a busy event loop is not a failure`;
  const startupOnly = `so this probe only gates startup (period and threshold stay Kubernetes' defaults, 10 s × 3); ${timeout}`;
  const { periodSeconds, failureThreshold, timeoutSeconds } = n.readiness;
  if (periodSeconds !== undefined) {
    const detect = periodSeconds * failureThreshold! + timeoutSeconds;
    return `${n.propagation.label} health-checks pods and /readyz answers 503 from SIGTERM on: periodSeconds × failureThreshold + timeoutSeconds = ${detect} s ≤ drainDelayMs ${plan.drainDelayMs} ms; give the balancer's own health check this path with interval × unhealthy threshold ≤ ${Math.floor(plan.drainDelayMs / 1000)} s too`;
  }
  if (n.propagation.healthChecksPods && n.preStopSeconds > 0) return `${n.propagation.label} health-checks pods, but /readyz still answers 200 during the preStop sleep: the sleep covers the lag, ${startupOnly}`;
  if (n.propagation.name === 'custom') return `deletion marks the endpoint terminating at once, whatever this probe says, and the drain is sized from your measured lag, ${startupOnly}`;
  return `deletion marks the endpoint terminating at once, whatever this probe says, and ${n.propagation.label} does not health-check pods, ${startupOnly}`;
}

function preStopLines(n: KubernetesNumbers, lag: number): string[] {
  const form = n.preStopForm;
  if (form === undefined) return [];
  const why = `          # the drain, before SIGTERM: ${n.preStopSeconds} s ≥ ${lag} ms lag; ${preStopFormNote(form)}`;
  const action = form.action === 'sleep' ? ['          sleep:', `            seconds: ${n.preStopSeconds}`] : ['          exec:', `            command: ["sleep", "${n.preStopSeconds}"]`];
  return ['      lifecycle:', '        preStop:', why, ...action];
}
