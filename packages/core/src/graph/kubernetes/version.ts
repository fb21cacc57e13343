// Which preStop sleep the cluster can run. The built-in `lifecycle.preStop.sleep` action (KEP-3960)
// was alpha in 1.29 (off by default), beta and on by default from 1.30, GA in 1.34. Before it, the
// only way to sleep is `exec: ["sleep", …]`, which needs a sleep binary in the image: distroless and
// scratch images have none, the hook fails, and the kubelet sends SIGTERM at once — no drain at all.

export interface KubernetesVersion {
  readonly major: number;
  readonly minor: number;
}

export type PreStopForm =
  | { readonly action: 'sleep'; readonly stage: 'beta' | 'GA' | 'assumed' }
  | { readonly action: 'exec' };

/** `1.30`, `v1.30`, `1.30.2` (the schema has already checked the shape). */
export function parseKubernetesVersion(text: string): KubernetesVersion {
  const [major, minor] = text.replace(/^v/, '').split('.').map(Number);
  return { major: major!, minor: minor! };
}

/** No version given: every Kubernetes minor still supported upstream has the sleep action. */
export function preStopForm(version: KubernetesVersion | undefined): PreStopForm {
  if (version === undefined) return { action: 'sleep', stage: 'assumed' };
  if (version.major > 1 || version.minor >= 34) return { action: 'sleep', stage: 'GA' };
  if (version.minor >= 30) return { action: 'sleep', stage: 'beta' };
  return { action: 'exec' };
}

/** The sentence the fragment prints above the preStop action. */
export function preStopFormNote(form: PreStopForm): string {
  if (form.action === 'exec') {
    return 'no built-in sleep action before Kubernetes 1.30 (alpha and off in 1.29): exec needs a `sleep` binary in the image; in distroless or scratch images it fails, and a failed preStop hook means SIGTERM at once, with no drain';
  }
  if (form.stage === 'GA') return 'the built-in sleep action (GA since Kubernetes 1.34): no sleep binary needed in the image';
  if (form.stage === 'beta') return 'the built-in sleep action (beta, on by default since Kubernetes 1.30; GA in 1.34): no sleep binary needed in the image';
  return 'the built-in sleep action, assuming Kubernetes ≥ 1.30 (beta there, GA in 1.34); for an older cluster pass kubernetesVersion (--k8s-version) to get an exec sleep';
}
