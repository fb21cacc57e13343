// How long traffic can still reach a pod after its deletion, per traffic path. Deleting a pod marks
// its endpoint terminating at once (readiness plays no part); every hop that routes to the pod then
// learns of it on its own schedule. The drain must outlast the slowest hop on the user's path. Each
// number, its source and whether it is an estimate: docs/KUBERNETES.md#propagation-presets.

export const PROPAGATION_PRESETS = ['kube-proxy', 'kube-proxy-iptables', 'kube-proxy-ipvs', 'ingress-nginx', 'aws-alb', 'aws-nlb', 'gke-neg'] as const;
export type PropagationPreset = (typeof PROPAGATION_PRESETS)[number];

export interface Propagation {
  /** The preset's name, or `custom` for a number the user measured. */
  readonly name: PropagationPreset | 'custom';
  /** What the fragment's comment calls this path. */
  readonly label: string;
  readonly lagMs: number;
  /** The number is our estimate from defaults and reports, not a published or measured figure. */
  readonly estimate: boolean;
  /**
   * The balancer health-checks each pod itself, so a failing readiness endpoint is a second way out
   * of rotation: only then do the probe's period and threshold matter to the drain.
   */
  readonly healthChecksPods: boolean;
}

const KUBE_PROXY_IPTABLES: Propagation = { name: 'kube-proxy-iptables', label: 'kube-proxy (iptables)', lagMs: 5_000, estimate: true, healthChecksPods: false };

const PRESETS: Readonly<Record<PropagationPreset, Propagation>> = {
  // minSyncPeriod 1 s + the iptables-restore itself (seconds in large clusters) + watch delivery.
  'kube-proxy': { ...KUBE_PROXY_IPTABLES, name: 'kube-proxy' },
  'kube-proxy-iptables': KUBE_PROXY_IPTABLES,
  // Same watch path; IPVS updates are incremental, but the tail is the same watch and sync queue.
  'kube-proxy-ipvs': { name: 'kube-proxy-ipvs', label: 'kube-proxy (ipvs)', lagMs: 5_000, estimate: true, healthChecksPods: false },
  // --sync-rate-limit 0.3 (a sync at most every 3.33 s) + the Lua balancer's 1 s backend sync.
  'ingress-nginx': { name: 'ingress-nginx', label: 'ingress-nginx', lagMs: 5_000, estimate: true, healthChecksPods: false },
  // Reported: a draining ALB target kept receiving new requests for 17–20 s; 30 s leaves headroom.
  'aws-alb': { name: 'aws-alb', label: 'AWS ALB (IP targets, AWS Load Balancer Controller)', lagMs: 30_000, estimate: true, healthChecksPods: true },
  // AWS support: an NLB takes 180–300 s to stop sending new connections to a deregistered target.
  'aws-nlb': { name: 'aws-nlb', label: 'AWS NLB (IP targets, AWS Load Balancer Controller)', lagMs: 300_000, estimate: false, healthChecksPods: true },
  // GKE's container-native load balancing docs ask for ≥ 60 s to cover NEG programming latency.
  'gke-neg': { name: 'gke-neg', label: 'GKE container-native load balancing (NEG)', lagMs: 60_000, estimate: false, healthChecksPods: true },
};

/** The propagation a preset name or a measured number (ms) stands for. */
export function propagationOf(value: PropagationPreset | number): Propagation {
  if (typeof value === 'number') return { name: 'custom', label: 'your measured path', lagMs: value, estimate: false, healthChecksPods: false };
  return PRESETS[value];
}
