import { ErrorCodes, QuiesceError } from '../../errors.js';

/** Stable codes for what makes a pod spec unsafe: CI can branch on them, not on the sentences. */
export const KubernetesWarningCodes = {
  /** The plan's worst case does not fit its deadline. */
  PlanDoesNotFit: 'QUIESCE_K8S_PLAN_DOES_NOT_FIT',
  /** preStop sleep + drainDelayMs is shorter than the traffic path's propagation lag. */
  DrainTooShort: 'QUIESCE_K8S_DRAIN_TOO_SHORT',
  /** The margin cannot hold the exit grace and the report: SIGKILL may come first. */
  MarginTooShort: 'QUIESCE_K8S_MARGIN_TOO_SHORT',
  /** The grace period is longer than the Spot/preemptible node gives the pod. */
  SpotGraceExceeded: 'QUIESCE_K8S_SPOT_GRACE_EXCEEDED',
} as const;
export type KubernetesWarningCode = (typeof KubernetesWarningCodes)[keyof typeof KubernetesWarningCodes];

/** Something the printed pod spec cannot do as configured: a `# WARNING:` line, or with `strict` an error. */
export interface KubernetesWarning {
  readonly code: KubernetesWarningCode;
  readonly message: string;
}

/** `toKubernetes({ strict: true })` / `quiesce k8s --strict`: the warnings, as one typed error. */
export class KubernetesUnsafeError extends QuiesceError {
  override readonly name = 'KubernetesUnsafeError';
  override readonly code = ErrorCodes.KubernetesUnsafeError;
  constructor(readonly warnings: readonly KubernetesWarning[]) {
    super(`The pod spec this shutdown plan implies is unsafe (strict): ${warnings.map((w) => `${w.code}: ${w.message}`).join('; ')}`);
  }
}
