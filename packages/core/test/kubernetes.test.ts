import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_EXIT_GRACE_MS, InvalidOptionsError, KubernetesUnsafeError, KubernetesWarningCodes, kubernetesNumbers, type KubernetesOptions } from '../src/index.js';
import { ASSUMED_EXIT_GRACE_MS } from '../src/graph/kubernetes/index.js';
import { frontDoor, type PodSpec } from './support/k8s.js';

const pod = (yaml: string) => parse(yaml) as PodSpec;

describe('grace = preStop + deadline + margin; drain ≥ the propagation lag of the traffic path', () => {
  it('by default (kube-proxy, 5 s lag): 20 s deadline + 5 s margin, a 5 s drain that covers the lag, no warning', () => {
    const yaml = frontDoor(20_000).plan().toKubernetes();
    expect(pod(yaml).spec.terminationGracePeriodSeconds).toBe(25);
    expect(yaml).toContain("# From quiesce's shutdown plan: drain 5000 ms → http 8000 ms → db 3000 ms = 16000 ms ≤ 20000 ms");
    expect(yaml).toContain('# Traffic path: kube-proxy (iptables), propagation lag 5000 ms (preset kube-proxy, an estimate');
    expect(yaml).toContain('# drain: drainDelayMs 5000 ms = 5000 ms ≥ 5000 ms lag');
    expect(yaml).toMatch(/# deadline 20 s \(shutdownTimeoutMs 20000 ms, drain delay included; worst case 16000 ms\) \+ margin 5 s .* = 25 s/);
    expect(yaml).not.toContain('WARNING');
  });

  it('a drain shorter than the lag is a warning naming both numbers; the old 1 s example drain is one', () => {
    const yaml = frontDoor(12_000, 1_000).plan().toKubernetes();
    expect(yaml).toContain('# drain: drainDelayMs 1000 ms = 1000 ms < 5000 ms lag: requests still routed here arrive after the listener closed');
    expect(yaml).toContain(`# WARNING (${KubernetesWarningCodes.DrainTooShort}): the drain (drainDelayMs 1000 ms = 1000 ms) is shorter than the 5000 ms propagation lag of kube-proxy (iptables)`);
    expect(frontDoor(12_000, 1_000).plan().toKubernetes({ propagation: 1_000 })).not.toContain('WARNING');
  });

  it('each preset sets the lag the drain is held to, and a measured number replaces it', () => {
    const lag = (propagation: KubernetesOptions['propagation']) => kubernetesNumbers(frontDoor(400_000).plan(), { propagation }).propagation.lagMs;
    expect([lag('kube-proxy'), lag('kube-proxy-ipvs'), lag('ingress-nginx'), lag('aws-alb'), lag('aws-nlb'), lag('gke-neg'), lag(12_345)]).toEqual([5_000, 5_000, 5_000, 30_000, 300_000, 60_000, 12_345]);
  });

  it('change a timeout and the grace period follows; the margin adds to it', () => {
    expect(pod(frontDoor(30_000).plan().toKubernetes()).spec.terminationGracePeriodSeconds).toBe(35);
    expect(pod(frontDoor(30_000).plan().toKubernetes({ marginSeconds: 10 })).spec.terminationGracePeriodSeconds).toBe(40);
    expect(pod(frontDoor(30_500).plan().toKubernetes()).spec.terminationGracePeriodSeconds).toBe(36);
  });

  it('the margin must hold the exit grace: a shorter one is a warning, and the default is handleSignals\' own', () => {
    expect(ASSUMED_EXIT_GRACE_MS).toBe(DEFAULT_EXIT_GRACE_MS);
    expect(frontDoor(20_000).plan().toKubernetes({ marginSeconds: 1 })).toMatch(/# WARNING \(QUIESCE_K8S_MARGIN_TOO_SHORT\): marginSeconds 1 s leaves no room after the deadline for the 1000 ms exit grace .*raise it to at least 2 s/);
    expect(frontDoor(20_000).plan().toKubernetes({ marginSeconds: 1, exitGraceMs: false })).not.toContain('WARNING');
    expect(frontDoor(20_000).plan().toKubernetes({ marginSeconds: 5, exitGraceMs: 5_000 })).toContain('raise it to at least 6 s');
  });

  it('a plan that does not fit its deadline is a warning, and the YAML still parses', () => {
    const yaml = frontDoor(10_000, 5_000).plan().toKubernetes();
    expect(yaml).toContain(`# WARNING (${KubernetesWarningCodes.PlanDoesNotFit}): the plan does not fit its deadline`);
    expect(() => parse(yaml)).not.toThrow();
  });
});

describe('preStop: the drain before SIGTERM, sized from the lag', () => {
  it('with drainDelayMs 0 (what preStop asks for) it still sleeps the whole lag: the old fragment printed no preStop at all', () => {
    const yaml = frontDoor(15_000, 0).plan().toKubernetes({ preStop: true, port: 8080, container: 'orders' });
    const spec = pod(yaml).spec;
    expect(spec.containers[0]!.lifecycle!.preStop.sleep).toEqual({ seconds: 5 });
    expect(spec.terminationGracePeriodSeconds).toBe(5 + 15 + 5);
    expect(spec.containers[0]!.name).toBe('orders');
    expect(spec.containers[0]!.readinessProbe.httpGet.port).toBe(8080);
    expect(yaml).toContain('# drain: preStop 5 s + drainDelayMs 0 ms = 5000 ms ≥ 5000 ms lag');
    expect(yaml).not.toContain('WARNING');
  });

  it('rounds a lag up to whole seconds, never below 1 s', () => {
    expect(kubernetesNumbers(frontDoor(15_000, 0).plan(), { preStop: true, propagation: 4_001 }).preStopSeconds).toBe(5);
    expect(kubernetesNumbers(frontDoor(15_000, 0).plan(), { preStop: true, propagation: 0 }).preStopSeconds).toBe(1);
  });

  it('a drainDelayMs kept beside preStop is a note (it drains twice), not a warning', () => {
    const yaml = frontDoor(20_000, 5_000).plan().toKubernetes({ preStop: true });
    expect(yaml).toContain('# NOTE: drainDelayMs 5000 ms drains again after the preStop sleep');
    expect(yaml).not.toContain('WARNING');
    expect(pod(yaml).spec.terminationGracePeriodSeconds).toBe(5 + 20 + 5);
  });

  it('the sleep action from Kubernetes 1.30 (beta) and 1.34 (GA), saying which; an exec sleep before, with the distroless caveat', () => {
    const at = (kubernetesVersion?: string) => frontDoor(15_000, 0).plan().toKubernetes({ preStop: true, ...(kubernetesVersion ? { kubernetesVersion } : {}) });
    expect(pod(at('1.34')).spec.containers[0]!.lifecycle!.preStop).toEqual({ sleep: { seconds: 5 } });
    expect(at('v1.35.2')).toContain('GA since Kubernetes 1.34');
    expect(at('1.30')).toContain('beta, on by default since Kubernetes 1.30; GA in 1.34');
    expect(at()).toContain('assuming Kubernetes ≥ 1.30');
    expect(pod(at()).spec.containers[0]!.lifecycle!.preStop.sleep).toEqual({ seconds: 5 });
    const old = at('1.29');
    expect(pod(old).spec.containers[0]!.lifecycle!.preStop).toEqual({ exec: { command: ['sleep', '5'] } });
    expect(old).toContain('in distroless or scratch images it fails, and a failed preStop hook means SIGTERM at once, with no drain');
  });
});

describe('the readiness probe: numbers only where a balancer health-checks pods, always a timeout, never failureThreshold 1', () => {
  it('kube-proxy and ingress-nginx: deletion removes the endpoint whatever the probe says, so only path, port and timeout', () => {
    for (const propagation of ['kube-proxy', 'ingress-nginx'] as const) {
      const yaml = frontDoor(20_000).plan().toKubernetes({ propagation });
      expect(pod(yaml).spec.containers[0]!.readinessProbe).toEqual({ httpGet: { path: '/readyz', port: 'http' }, timeoutSeconds: 2 });
      expect(yaml).toContain('does not health-check pods, so this probe only gates startup');
    }
  });

  it('a health-checking balancer draining after SIGTERM: period × threshold + timeout fits drainDelayMs, threshold 2', () => {
    const probe = pod(frontDoor(60_000, 30_000).plan().toKubernetes({ propagation: 'aws-alb' })).spec.containers[0]!.readinessProbe;
    expect(probe).toEqual({ httpGet: { path: '/readyz', port: 'http' }, timeoutSeconds: 2, periodSeconds: 10, failureThreshold: 2 });
    const tight = pod(frontDoor(80_000, 60_000).plan().toKubernetes({ propagation: 'gke-neg', readinessPath: '/ready' })).spec.containers[0]!.readinessProbe;
    expect(tight.periodSeconds! * tight.failureThreshold! + tight.timeoutSeconds).toBeLessThanOrEqual(60);
    expect(tight.httpGet.path).toBe('/ready');
  });

  it('with preStop the app still answers 200 while it sleeps: the probe does not shape the drain there', () => {
    const yaml = frontDoor(20_000, 0).plan().toKubernetes({ propagation: 'aws-alb', preStop: true });
    expect(pod(yaml).spec.containers[0]!.readinessProbe.periodSeconds).toBeUndefined();
    expect(yaml).toContain('/readyz still answers 200 during the preStop sleep');
  });
});

describe('strict: warnings become one typed error, for CI', () => {
  it('throws KubernetesUnsafeError with a stable code and every warning\'s code; a safe spec does not throw', () => {
    let caught: unknown;
    try {
      frontDoor(12_000, 1_000).plan().toKubernetes({ strict: true, marginSeconds: 1 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(KubernetesUnsafeError);
    expect((caught as KubernetesUnsafeError).code).toBe('QUIESCE_KUBERNETES_UNSAFE');
    expect((caught as KubernetesUnsafeError).warnings.map((w) => w.code)).toEqual([KubernetesWarningCodes.DrainTooShort, KubernetesWarningCodes.MarginTooShort]);
    expect(() => frontDoor(20_000).plan().toKubernetes({ strict: true })).not.toThrow();
  });
});

describe('Spot/preemptible nodes, PodDisruptionBudget and rollouts are reported where they meet the numbers', () => {
  it('GKE gives a non-system pod 15 s: with spot gke a longer grace is a warning, an error with strict', () => {
    expect(frontDoor(20_000).plan().toKubernetes({ spot: 'gke' })).toContain(`# WARNING (${KubernetesWarningCodes.SpotGraceExceeded}): on GKE Spot/preemptible nodes a non-system pod gets 15 s`);
    expect(() => frontDoor(20_000).plan().toKubernetes({ spot: 'gke', strict: true })).toThrow(KubernetesUnsafeError);
    // 10 s deadline (drain included) + 5 s margin = 15 s: just fits.
    expect(frontDoor(10_000, 1_000).plan().toKubernetes({ spot: 'gke', propagation: 1_000 })).toMatch(/^(?![\s\S]*SPOT_GRACE)/);
  });

  it('AWS reclaims a Spot instance 120 s after its notice: the NLB preset cannot fit it', () => {
    const yaml = frontDoor(20_000, 0).plan().toKubernetes({ spot: 'aws', propagation: 'aws-nlb', preStop: true });
    expect(pod(yaml).spec.terminationGracePeriodSeconds).toBe(300 + 20 + 5);
    expect(yaml).toContain('on AWS Spot the instance is reclaimed 120 s after the interruption notice');
    expect(frontDoor(20_000).plan().toKubernetes({ spot: 'aws' })).not.toContain('WARNING');
  });

  it('without spot a grace over 15 s is a note; PDB and rollout notes carry the grace and the drain', () => {
    const yaml = frontDoor(20_000).plan().toKubernetes();
    expect(yaml).toContain('# NOTE: Spot/preemptible nodes: GKE gives a non-system pod 15 s after the preemption notice, not 25 s');
    expect(yaml).toContain('each evicted pod still taking up to 25 s; a Deployment\'s rollout and a direct delete do not consult it');
    expect(yaml).toContain('for up to 5 s each terminating pod may still take traffic');
    expect(frontDoor(8_000, 1_000).plan().toKubernetes({ propagation: 1_000 })).not.toContain('Spot/preemptible');
  });
});

describe('invalid options are typed errors naming the field', () => {
  const issues = (options: Record<string, unknown>) => {
    try {
      frontDoor(20_000).plan().toKubernetes(options as never);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidOptionsError);
      expect((error as InvalidOptionsError).code).toBe('QUIESCE_INVALID_OPTIONS');
      return (error as InvalidOptionsError).issues.map((i) => i.field);
    }
    return [];
  };
  it.each([
    [{ propagation: 'aws-elb' }, ['propagation']],
    [{ propagation: -1 }, ['propagation']],
    [{ kubernetesVersion: 'latest' }, ['kubernetesVersion']],
    [{ container: 'Orders_API' }, ['container']],
    [{ port: 'http-api-port-name' }, ['port']],
    [{ marginSeconds: 1.5 }, ['marginSeconds']],
    [{ readinessPath: 'readyz' }, ['readinessPath']],
    [{ spot: 'azure' }, ['spot']],
    [{ propagationMs: 1000 }, ['propagationMs']],
  ])('%j → %j', (options, fields) => {
    expect(issues(options)).toEqual(fields);
  });
});
