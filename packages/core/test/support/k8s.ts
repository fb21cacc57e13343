import { LifecycleContainer } from '../../src/index.js';

/** drain `drainDelayMs` → http 8 s → db 3 s, with a deadline of `shutdownTimeoutMs`. */
export function frontDoor(shutdownTimeoutMs: number, drainDelayMs = 5_000) {
  const stop = (): void => undefined;
  return new LifecycleContainer({ shutdownTimeoutMs, drainDelayMs })
    .resource('db', { value: 1, stop, stopTimeoutMs: 3_000 })
    .resource('http', { value: 2, stop, stopTimeoutMs: 8_000, dependsOn: ['db'] });
}

interface Probe {
  httpGet: { path: string; port: number | string };
  timeoutSeconds: number;
  periodSeconds?: number;
  failureThreshold?: number;
}

/** The fragment `toKubernetes()` prints, parsed. */
export interface PodSpec {
  spec: {
    terminationGracePeriodSeconds: number;
    containers: { name: string; readinessProbe: Probe; lifecycle?: { preStop: { exec?: { command: string[] }; sleep?: { seconds: number } } } }[];
  };
}
