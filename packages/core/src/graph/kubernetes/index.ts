// The pod-spec numbers a shutdown plan implies (`plan.toKubernetes()`, `quiesce k8s`): one file per
// concept — the options, the traffic-path presets, the preStop form per Kubernetes version, the
// probe, the numbers and warnings, Spot/PDB/rollout advice, and the YAML.
export { kubernetesFragment } from './fragment.js';
export { kubernetesNumbers, type KubernetesNumbers, type PlanNumbers } from './numbers.js';
export { ASSUMED_EXIT_GRACE_MS, kubernetesOptionsSchema, resolveKubernetesOptions, type KubernetesOptions } from './options.js';
export { PROPAGATION_PRESETS, propagationOf, type Propagation, type PropagationPreset } from './presets.js';
export { KubernetesUnsafeError, KubernetesWarningCodes, type KubernetesWarning, type KubernetesWarningCode } from './errors.js';
export type { ReadinessNumbers } from './probe.js';
export type { PreStopForm } from './version.js';
