import type { z } from 'zod';
import { lazySchema } from '../../validation/lazy-schema.js';
import { parseOptions } from '../../validation/parse-options.js';
import { PROPAGATION_PRESETS, propagationOf, type Propagation, type PropagationPreset } from './presets.js';
import { parseKubernetesVersion, type KubernetesVersion } from './version.js';

/** handleSignals' default exitGraceMs (DEFAULT_EXIT_GRACE_MS; graph/ cannot import process/, a test ties them). */
export const ASSUMED_EXIT_GRACE_MS = 1_000;
const DEFAULT_MARGIN_SECONDS = 5;
// Kubernetes validates these shapes; refusing them here names the field before kubectl does.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const IANA_SVC_NAME = /^(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const kubernetesOptionsSchema = lazySchema((z) =>
  z
    .object({
      /** Seconds between quiesce's deadline and the kubelet's SIGKILL: the report is written and the process exits in it. Default 5. */
      marginSeconds: z.number().int().min(0).max(3_600).optional(),
      /** Drain with a preStop sleep (before SIGTERM) of the propagation lag instead of `drainDelayMs`. Default false. */
      preStop: z.boolean().optional(),
      readinessPath: z.string().regex(/^\/\S*$/, 'expected an absolute path such as /readyz').optional(),
      /** The container port (number or name) the probe calls. Default `http`. */
      port: z.union([z.number().int().min(1).max(65_535), z.string().max(15).regex(IANA_SVC_NAME, 'expected a port name (IANA_SVC_NAME: ≤ 15 lowercase letters, digits, single hyphens)')]).optional(),
      /** The traffic path's propagation lag: a preset or the ms you measured. Default `kube-proxy`. */
      propagation: z.union([z.enum(PROPAGATION_PRESETS), z.number().int().min(0).max(3_600_000)]).optional(),
      /** The cluster's Kubernetes version (`1.30`): picks the preStop sleep action or an exec sleep. */
      kubernetesVersion: z.string().regex(/^v?[1-9]\d*\.\d+(\.\d+)?$/, 'expected a Kubernetes version such as 1.30').optional(),
      container: z.string().max(63).regex(DNS1123_LABEL, 'expected a container name (DNS-1123 label: lowercase letters, digits, hyphens)').optional(),
      /** handleSignals' `exitGraceMs` (false: 0): it must fit in the margin. Default ASSUMED_EXIT_GRACE_MS. */
      exitGraceMs: z.union([z.number().int().min(0).max(3_600_000), z.literal(false)]).optional(),
      /** Spot/preemptible nodes this pod runs on: their shutdown budget then caps the grace period. */
      spot: z.enum(['gke', 'aws']).optional(),
      /** Throw a KubernetesUnsafeError instead of printing warnings (for CI). */
      strict: z.boolean().optional(),
    })
    .strict(),
);

export type KubernetesOptions = z.input<ReturnType<typeof kubernetesOptionsSchema>>;
export type { PropagationPreset };

export interface ResolvedKubernetesOptions {
  readonly marginSeconds: number;
  readonly preStop: boolean;
  readonly readinessPath: string;
  readonly port: number | string;
  readonly propagation: Propagation;
  readonly version: KubernetesVersion | undefined;
  readonly container: string;
  readonly exitGraceMs: number;
  readonly spot: 'gke' | 'aws' | undefined;
  readonly strict: boolean;
}

/** Validated options with their defaults: an InvalidOptionsError names each bad field. */
export function resolveKubernetesOptions(options: KubernetesOptions | undefined): ResolvedKubernetesOptions {
  const o = parseOptions(kubernetesOptionsSchema, options, 'toKubernetes');
  return {
    marginSeconds: o.marginSeconds ?? DEFAULT_MARGIN_SECONDS,
    preStop: o.preStop ?? false,
    readinessPath: o.readinessPath ?? '/readyz',
    port: o.port ?? 'http',
    propagation: propagationOf(o.propagation ?? 'kube-proxy'),
    version: o.kubernetesVersion === undefined ? undefined : parseKubernetesVersion(o.kubernetesVersion),
    container: o.container ?? 'app',
    exitGraceMs: o.exitGraceMs === false ? 0 : (o.exitGraceMs ?? ASSUMED_EXIT_GRACE_MS),
    spot: o.spot,
    strict: o.strict ?? false,
  };
}
