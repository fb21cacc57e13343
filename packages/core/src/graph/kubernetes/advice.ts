import { KubernetesWarningCodes, type KubernetesWarning } from './errors.js';

// What the pod gets when its node goes away, whatever terminationGracePeriodSeconds says. GKE: the
// preemption notice starts graceful node shutdown, 30 s of which 15 s for non-system pods (longer
// only where the node pool is configured for it). AWS: the instance is reclaimed 2 minutes after
// the interruption notice; a handler (aws-node-termination-handler, Karpenter) drains the node in
// that time, evictions waiting on PodDisruptionBudgets included.
const GKE_SPOT_POD_SECONDS = 15;
const AWS_SPOT_NOTICE_SECONDS = 120;

export interface GraceParts {
  readonly graceSeconds: number;
  readonly preStopSeconds: number;
  readonly deadlineSeconds: number;
}

/** With `spot` given, a grace period the node cannot honour is a warning. */
export function spotWarnings(spot: 'gke' | 'aws' | undefined, g: GraceParts): KubernetesWarning[] {
  const budget = spot === 'gke' ? GKE_SPOT_POD_SECONDS : spot === 'aws' ? AWS_SPOT_NOTICE_SECONDS : undefined;
  if (budget === undefined || g.graceSeconds <= budget) return [];
  const where = spot === 'gke' ? `on GKE Spot/preemptible nodes a non-system pod gets ${budget} s after the preemption notice (graceful node shutdown: 30 s, 15 s of it kept for system pods)` : `on AWS Spot the instance is reclaimed ${budget} s after the interruption notice, however long the drain of its node takes`;
  return [{ code: KubernetesWarningCodes.SpotGraceExceeded, message: `${where}, not this pod's ${g.graceSeconds} s: SIGKILL comes before preStop + deadline (${g.preStopSeconds + g.deadlineSeconds} s) and the report are done; shorten the drain and shutdownTimeoutMs to fit ${budget} s with the margin, or give the node pool a longer shutdown grace where the platform allows it` }];
}

/** Where node loss, disruption budgets and rollouts meet these numbers: `# NOTE:` lines. */
export function notes(spot: 'gke' | 'aws' | undefined, g: GraceParts, drainSeconds: number, doubleDrainMs: number): string[] {
  const out: string[] = [];
  if (doubleDrainMs > 0) out.push(`drainDelayMs ${doubleDrainMs} ms drains again after the preStop sleep: harmless, but it costs ${Math.ceil(doubleDrainMs / 1000)} s of grace; set it to 0 unless you want that`);
  if (spot === undefined && g.graceSeconds > GKE_SPOT_POD_SECONDS) {
    out.push(`Spot/preemptible nodes: GKE gives a non-system pod ${GKE_SPOT_POD_SECONDS} s after the preemption notice, not ${g.graceSeconds} s${g.graceSeconds > AWS_SPOT_NOTICE_SECONDS ? `; AWS reclaims a Spot instance ${AWS_SPOT_NOTICE_SECONDS} s after its notice` : ''} (pass spot / --spot to check)`);
  }
  out.push(`PodDisruptionBudget: it gates evictions (kubectl drain, node upgrades, autoscaler scale-down, Spot handlers), each evicted pod still taking up to ${g.graceSeconds} s; a Deployment's rollout and a direct delete do not consult it`);
  out.push(`rollout: a terminating pod stops counting as available at once, so maxSurge/maxUnavailable (25 % each by default) and new pods' start + readiness (+ minReadySeconds) pace a rollout, not this grace period; for up to ${drainSeconds} s each terminating pod may still take traffic while it drains, so the pods that stay must carry the rest`);
  return out;
}
