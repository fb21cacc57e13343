// The model (docs/KUBERNETES.md):
//   terminationGracePeriodSeconds = preStop + ceil(shutdownTimeoutMs / 1000) + margin
//   drain = preStop sleep + drainDelayMs ≥ propagation lag of the traffic path
// shutdownTimeoutMs already holds drainDelayMs and the stops; a preStop sleep comes before SIGTERM,
// on top of it, and counts against the grace period too.
import { notes, spotWarnings } from './advice.js';
import { KubernetesUnsafeError, KubernetesWarningCodes, type KubernetesWarning } from './errors.js';
import { resolveKubernetesOptions, type KubernetesOptions, type ResolvedKubernetesOptions } from './options.js';
import type { Propagation } from './presets.js';
import { readinessNumbers, type ReadinessNumbers } from './probe.js';
import { preStopForm, type PreStopForm } from './version.js';

/** What the fragment needs of a plan. */
export interface PlanNumbers {
  readonly drainDelayMs: number;
  readonly worstCaseMs: number;
  readonly shutdownTimeoutMs: number;
  readonly fits: boolean;
  readonly summary: string;
}

/** The report needs this long after the deadline, beside the exit grace. */
const REPORT_MS = 500;

export interface KubernetesNumbers {
  readonly terminationGracePeriodSeconds: number;
  /** Seconds of preStop sleep (0 without preStop). */
  readonly preStopSeconds: number;
  /** The sleep action or an exec sleep, when there is a preStop. */
  readonly preStopForm: PreStopForm | undefined;
  /** ceil(shutdownTimeoutMs / 1000): the part of the grace period quiesce's deadline takes. */
  readonly deadlineSeconds: number;
  readonly marginSeconds: number;
  /** preStop sleep + drainDelayMs: how long the pod keeps serving new requests after its deletion. */
  readonly drainMs: number;
  readonly propagation: Propagation;
  readonly readiness: ReadinessNumbers;
  /** What cannot work as configured (`# WARNING:` lines; with `strict`, a KubernetesUnsafeError). */
  readonly warnings: readonly KubernetesWarning[];
  /** Where Spot nodes, disruption budgets and rollouts meet these numbers (`# NOTE:` lines). */
  readonly notes: readonly string[];
}

export function kubernetesNumbers(plan: PlanNumbers, options?: KubernetesOptions): KubernetesNumbers {
  return numbersFor(plan, resolveKubernetesOptions(options));
}

export function numbersFor(plan: PlanNumbers, o: ResolvedKubernetesOptions): KubernetesNumbers {
  const lag = o.propagation.lagMs;
  // The sleep is sized from the lag, not from drainDelayMs: with drainDelayMs 0 (what preStop asks
  // for) a sleep of drainDelayMs would be no drain at all. Kubernetes wants at least 1 s.
  const preStopSeconds = o.preStop ? Math.max(1, Math.ceil(lag / 1000)) : 0;
  const deadlineSeconds = Math.ceil(plan.shutdownTimeoutMs / 1000);
  const terminationGracePeriodSeconds = preStopSeconds + deadlineSeconds + o.marginSeconds;
  const drainMs = preStopSeconds * 1000 + plan.drainDelayMs;
  const warnings: KubernetesWarning[] = [];
  if (!plan.fits) warnings.push({ code: KubernetesWarningCodes.PlanDoesNotFit, message: `the plan does not fit its deadline (${plan.summary}): fix the plan first` });
  if (drainMs < lag) {
    warnings.push({
      code: KubernetesWarningCodes.DrainTooShort,
      message: `the drain (${o.preStop ? `preStop ${preStopSeconds} s + ` : ''}drainDelayMs ${plan.drainDelayMs} ms = ${drainMs} ms) is shorter than the ${lag} ms propagation lag of ${o.propagation.label}: requests routed here in the last ${lag - drainMs} ms reach a closed listener; raise drainDelayMs to ≥ ${lag} ms, or use preStop`,
    });
  }
  // With less margin, SIGKILL (exit 137) can come before the process ends by itself or is exited
  // with the report's code.
  if (o.marginSeconds * 1000 < o.exitGraceMs + REPORT_MS) {
    warnings.push({
      code: KubernetesWarningCodes.MarginTooShort,
      message: `marginSeconds ${o.marginSeconds} s leaves no room after the deadline for the ${o.exitGraceMs} ms exit grace (and the report): the kubelet's SIGKILL may end the process first (exit 137); raise it to at least ${Math.ceil((o.exitGraceMs + REPORT_MS) / 1000)} s`,
    });
  }
  const grace = { graceSeconds: terminationGracePeriodSeconds, preStopSeconds, deadlineSeconds };
  warnings.push(...spotWarnings(o.spot, grace));
  if (o.strict && warnings.length > 0) throw new KubernetesUnsafeError(warnings);
  return {
    terminationGracePeriodSeconds,
    preStopSeconds,
    preStopForm: o.preStop ? preStopForm(o.version) : undefined,
    deadlineSeconds,
    marginSeconds: o.marginSeconds,
    drainMs,
    propagation: o.propagation,
    readiness: readinessNumbers(o.propagation, o.preStop, plan.drainDelayMs),
    warnings,
    notes: notes(o.spot, grace, Math.ceil(drainMs / 1000), o.preStop ? plan.drainDelayMs : 0),
  };
}
