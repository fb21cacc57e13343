import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Deployment } from 'kubernetes-models/apps/v1';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { KubernetesWarningCodes, PROPAGATION_PRESETS, kubernetesNumbers, type KubernetesOptions } from '../src/index.js';
import { frontDoor, type PodSpec } from './support/k8s.js';

/** The fragment's `spec` as a Deployment's pod template, the way a user pastes it. */
function deployment(fragment: PodSpec): Deployment {
  const spec = fragment.spec;
  return new Deployment({
    metadata: { name: 'orders' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'orders' } },
      template: {
        metadata: { labels: { app: 'orders' } },
        spec: { ...spec, containers: spec.containers.map((c) => ({ ...c, image: 'registry.example/orders:1', ports: [{ name: 'http', containerPort: 8080 }] })) },
      },
    },
  } as ConstructorParameters<typeof Deployment>[0]);
}

/**
 * The field names each Kubernetes schema validates, read from kubernetes-models' compiled
 * validators: the schema lets unknown fields pass, kubectl's strict field validation does not.
 */
const schemaDir = fileURLToPath(new URL('../node_modules/kubernetes-models/_schemas/', import.meta.url));
const fieldsOf = (type: string) => new Set([...readFileSync(`${schemaDir}IoK8sApiCoreV1${type}.js`, 'utf8').matchAll(/data\.([A-Za-z]+)/g)].map((m) => m[1]!));
const KNOWN = { PodSpec: fieldsOf('PodSpec'), Container: fieldsOf('Container'), Probe: fieldsOf('Probe'), HTTPGetAction: fieldsOf('HTTPGetAction'), Lifecycle: fieldsOf('Lifecycle'), LifecycleHandler: fieldsOf('LifecycleHandler') };
function unknownFields(fragment: PodSpec): string[] {
  const out: string[] = [];
  const check = (what: keyof typeof KNOWN, value: object | undefined, at: string) => {
    for (const key of Object.keys(value ?? {})) if (!KNOWN[what].has(key)) out.push(`${at}.${key}`);
  };
  check('PodSpec', fragment.spec, 'spec');
  for (const c of fragment.spec.containers) {
    check('Container', c, 'container');
    check('Probe', c.readinessProbe, 'readinessProbe');
    check('HTTPGetAction', c.readinessProbe.httpGet, 'httpGet');
    check('Lifecycle', c.lifecycle, 'lifecycle');
    check('LifecycleHandler', c.lifecycle?.preStop, 'preStop');
  }
  return out;
}

describe('the fragment, wrapped in a Deployment, is valid against the Kubernetes API schema (kubernetes-models)', () => {
  it('the validator is live: a wrong type, a preStop sleep without seconds and an unknown field are caught', () => {
    const good = parse(frontDoor(20_000).plan().toKubernetes({ preStop: true })) as PodSpec;
    expect(() => deployment(good).validate()).not.toThrow();
    expect(unknownFields(good)).toEqual([]);
    const wrongType = structuredClone(good);
    (wrongType.spec.containers[0]!.readinessProbe as unknown as Record<string, unknown>).timeoutSeconds = '2';
    expect(() => deployment(wrongType).validate()).toThrow(/timeoutSeconds must be integer/);
    const noSeconds = structuredClone(good);
    noSeconds.spec.containers[0]!.lifecycle!.preStop.sleep = {} as never;
    expect(() => deployment(noSeconds).validate()).toThrow(/preStop\/sleep must have required property seconds/);
    const typo = structuredClone(good);
    (typo.spec.containers[0]!.readinessProbe as unknown as Record<string, unknown>).periodSecond = 2;
    expect(unknownFields(typo)).toEqual(['readinessProbe.periodSecond']);
  });

  const versions = [undefined, '1.28', '1.29', '1.30', '1.33', '1.34', 'v1.35.1'];
  const drains = [0, 1_000, 5_000, 30_000, 65_000];
  const propagations: NonNullable<KubernetesOptions['propagation']>[] = [...PROPAGATION_PRESETS, 12_000];
  const grid = propagations.flatMap((propagation) => versions.flatMap((kubernetesVersion) => drains.flatMap((drain) => [false, true].map((preStop) => ({ propagation, kubernetesVersion, drain, preStop })))));

  it(`every cell of presets × versions × drains × preStop (${grid.length}) validates and holds the doc's inequalities`, () => {
    const failures: string[] = [];
    for (const cell of grid) {
      const plan = frontDoor(cell.drain + 15_000, cell.drain).plan();
      const options: KubernetesOptions = { propagation: cell.propagation, preStop: cell.preStop, ...(cell.kubernetesVersion ? { kubernetesVersion: cell.kubernetesVersion } : {}) };
      const yaml = plan.toKubernetes(options);
      const fragment = parse(yaml) as PodSpec;
      const n = kubernetesNumbers(plan, options);
      const spec = fragment.spec;
      const container = spec.containers[0]!;
      const probe = container.readinessProbe;
      const preStop = container.lifecycle?.preStop;
      const sleep = preStop?.sleep?.seconds ?? Number(preStop?.exec?.command[1] ?? 0);
      const lag = n.propagation.lagMs;
      const drainMs = sleep * 1000 + plan.drainDelayMs;
      const say = (what: string) => failures.push(`${JSON.stringify(cell)}: ${what}`);
      try {
        deployment(fragment).validate();
      } catch (error) {
        say(`schema: ${(error as Error).message}`);
      }
      if (unknownFields(fragment).length > 0) say(`unknown fields ${unknownFields(fragment).join(', ')}`);
      // grace = preStop + deadline + margin, and SIGKILL comes after preStop + deadline.
      if (spec.terminationGracePeriodSeconds !== sleep + Math.ceil(plan.shutdownTimeoutMs / 1000) + 5) say('grace ≠ preStop + deadline + margin');
      if (sleep * 1000 + plan.shutdownTimeoutMs >= spec.terminationGracePeriodSeconds * 1000) say('deadline does not end before SIGKILL');
      // drain ≥ lag, or a warning that says it is not.
      const short = n.warnings.some((w) => w.code === KubernetesWarningCodes.DrainTooShort);
      if (short !== drainMs < lag) say(`drain ${drainMs} ms vs lag ${lag} ms, warning ${short}`);
      if (!yaml.includes(`= ${drainMs} ms ${drainMs >= lag ? '≥' : '<'} ${lag} ms lag`)) say('the drain comment does not state the true relation');
      // preStop: there when asked, never 0 s, shorter than the grace (Kubernetes validates it), the right form.
      if (cell.preStop !== (preStop !== undefined) || (cell.preStop && sleep < Math.ceil(lag / 1000)) || (preStop && (sleep < 1 || sleep >= spec.terminationGracePeriodSeconds))) say(`preStop sleep ${sleep} s`);
      const minor = cell.kubernetesVersion ? Number(cell.kubernetesVersion.replace(/^v/, '').split('.')[1]) : undefined;
      if (preStop && (minor !== undefined && minor < 30 ? preStop.exec === undefined : preStop.sleep === undefined)) say('preStop form does not follow the version');
      // The probe: a timeout always, a threshold never 1, numbers only where a balancer health-checks pods after SIGTERM.
      if (!(probe.timeoutSeconds >= 1) || probe.failureThreshold === 1) say(`probe ${JSON.stringify(probe)}`);
      if (probe.periodSeconds !== undefined) {
        if (!n.propagation.healthChecksPods || cell.preStop) say('probe numbers where they do not matter');
        if (probe.periodSeconds * probe.failureThreshold! + probe.timeoutSeconds > plan.drainDelayMs / 1000) say('probe does not fail within drainDelayMs');
      } else if (n.propagation.healthChecksPods && !cell.preStop && plan.drainDelayMs >= 3_000) {
        say('health-checking balancer without probe numbers');
      }
      // Every "a ≥ b" / "a ≤ b" a comment states holds.
      for (const m of yaml.matchAll(/(\d+) (m?s) ([≤≥<]) (?:drainDelayMs )?(\d+) (m?s)/g)) {
        const [a, b] = [Number(m[1]) * (m[2] === 's' ? 1000 : 1), Number(m[4]) * (m[5] === 's' ? 1000 : 1)];
        if (!(m[3] === '≤' ? a <= b : m[3] === '≥' ? a >= b : a < b)) say(`false comment "${m[0]}"`);
      }
    }
    expect(failures).toEqual([]);
  });
});
