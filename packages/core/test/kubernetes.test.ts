import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_EXIT_GRACE_MS, LifecycleContainer } from '../src/index.js';
import { ASSUMED_EXIT_GRACE_MS } from '../src/graph/kubernetes.js';

/** drain 5 s → http 8 s → db 3 s, with a deadline of `deadlineMs`. */
function frontDoor(shutdownTimeoutMs: number, drainDelayMs = 5_000) {
  const stop = (): void => undefined;
  return new LifecycleContainer({ shutdownTimeoutMs, drainDelayMs })
    .resource('db', { value: 1, stop, stopTimeoutMs: 3_000 })
    .resource('http', { value: 2, stop, stopTimeoutMs: 8_000, dependsOn: ['db'] });
}

interface PodSpec {
  spec: {
    terminationGracePeriodSeconds: number;
    containers: { name: string; readinessProbe: { httpGet: { path: string; port: number | string }; periodSeconds: number; failureThreshold: number }; lifecycle?: { preStop: { exec: { command: string[] } } } }[];
  };
}

describe('the pod-spec numbers follow the plan', () => {
  it('grace period = deadline + margin; readiness fails and propagates within the drain delay; the YAML parses', () => {
    const yaml = frontDoor(20_000).plan().toKubernetes();
    const pod = parse(yaml) as PodSpec;
    expect(pod.spec.terminationGracePeriodSeconds).toBe(25);
    const probe = pod.spec.containers[0]!.readinessProbe;
    expect(probe).toEqual({ httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 2, failureThreshold: 2 });
    // period × threshold + 1 s propagation fits the 5 s drain delay.
    expect(probe.periodSeconds * probe.failureThreshold * 1000 + 1000).toBeLessThanOrEqual(5_000);
    // Every number says where it came from.
    expect(yaml).toMatch(/# shutdownTimeoutMs 20000 ms \(the global deadline, drain delay included; worst case 16000 ms\) \+ 5 s margin/);
    expect(yaml).toContain('# From quiesce\'s shutdown plan: drain 5000 ms → http 8000 ms → db 3000 ms = 16000 ms ≤ 20000 ms');
    expect(yaml).not.toContain('WARNING');
  });

  it('the margin must hold the exit grace: a shorter one is a warning, and the default is handleSignals\' own', () => {
    expect(ASSUMED_EXIT_GRACE_MS).toBe(DEFAULT_EXIT_GRACE_MS);
    expect(frontDoor(20_000).plan().toKubernetes({ marginSeconds: 1 })).toMatch(/# WARNING: marginSeconds 1 s leaves no room after the deadline for the 1000 ms exit grace .*raise it to at least 2 s/);
    expect(frontDoor(20_000).plan().toKubernetes({ marginSeconds: 1, exitGraceMs: false })).not.toContain('WARNING');
    expect(frontDoor(20_000).plan().toKubernetes({ marginSeconds: 5, exitGraceMs: 5_000 })).toContain('raise it to at least 6 s');
  });

  it('change a timeout and the grace period follows; change the drain delay and the probe follows', () => {
    expect((parse(frontDoor(30_000).plan().toKubernetes()) as PodSpec).spec.terminationGracePeriodSeconds).toBe(35);
    expect((parse(frontDoor(30_000).plan().toKubernetes({ marginSeconds: 10 })) as PodSpec).spec.terminationGracePeriodSeconds).toBe(40);
    const long = (parse(frontDoor(30_000, 11_000).plan().toKubernetes()) as PodSpec).spec.containers[0]!.readinessProbe;
    expect([long.periodSeconds, long.failureThreshold]).toEqual([5, 2]);
    const short = parse(frontDoor(30_000, 2_000).plan().toKubernetes()) as PodSpec;
    expect([short.spec.containers[0]!.readinessProbe.periodSeconds, short.spec.containers[0]!.readinessProbe.failureThreshold]).toEqual([1, 1]);
  });

  it('preStop moves the drain before SIGTERM: the sleep, a longer grace period, and the advice to set drainDelayMs 0', () => {
    const yaml = frontDoor(20_000).plan().toKubernetes({ preStop: true, port: 8080, container: 'orders' });
    const pod = parse(yaml) as PodSpec;
    expect(pod.spec.terminationGracePeriodSeconds).toBe(5 + 20 + 5);
    expect(pod.spec.containers[0]!.name).toBe('orders');
    expect(pod.spec.containers[0]!.readinessProbe.httpGet.port).toBe(8080);
    expect(pod.spec.containers[0]!.lifecycle!.preStop.exec.command).toEqual(['sleep', '5']);
    expect(yaml).toContain("# WARNING: with preStop, set the container's drainDelayMs to 0");
  });

  it('says what cannot work: a drain delay too short for any probe, a plan that does not fit', () => {
    const yaml = frontDoor(10_000, 500).plan().toKubernetes();
    expect(yaml).toContain('# WARNING: drainDelayMs 500 ms leaves no time for a readiness probe to fail and endpoints to update (needs ≥ 2000 ms)');
    expect(yaml).toContain('# WARNING: the plan does not fit its deadline');
    expect(() => parse(yaml)).not.toThrow();
  });
});

describe('quiesce k8s <module>', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const bin = join(root, 'dist/bundle/cli.js');
  const dist = pathToFileURL(join(root, 'dist/bundle/index.js')).href;
  const dir = mkdtempSync(join(tmpdir(), 'quiesce-k8s-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [bin, 'k8s', ...args], { cwd: dir, timeout: 20_000 }, (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code) : 0, stdout, stderr })),
    );

  it('imports the app (or its factory) without starting it and prints the fragment', async () => {
    const started = join(dir, 'started');
    writeFileSync(
      join(dir, 'app.mjs'),
      `import { writeFileSync } from 'node:fs';
import { LifecycleContainer } from ${JSON.stringify(dist)};
export function buildApp() {
  return new LifecycleContainer({ shutdownTimeoutMs: 20000, drainDelayMs: 5000 })
    .resource('db', { value: 1, stopTimeoutMs: 3000, stop() {}, start() { writeFileSync(${JSON.stringify(started)}, 'yes'); } });
}
export const app = buildApp();
`,
    );
    const byDefault = await run(['app.mjs', '--port', '8080']);
    expect(byDefault.stderr).toBe('');
    expect(byDefault.code).toBe(0);
    expect((parse(byDefault.stdout) as PodSpec).spec.terminationGracePeriodSeconds).toBe(25);
    expect((parse(byDefault.stdout) as PodSpec).spec.containers[0]!.readinessProbe.httpGet.port).toBe(8080);
    const factory = await run(['app.mjs', '--export', 'buildApp', '--prestop']);
    expect((parse(factory.stdout) as PodSpec).spec.terminationGracePeriodSeconds).toBe(30);
    expect(() => readFileSync(started)).toThrow(); // nothing was started
  });

  it('refuses a module without an app, naming the exports, and a bad margin, with exit code 2', async () => {
    writeFileSync(join(dir, 'empty.mjs'), 'export const nothing = 1;\n');
    const none = await run(['empty.mjs']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('has no export "default" that is a LifecycleContainer or returns one (exports: nothing)');
    const bad = await run(['empty.mjs', '--margin', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--margin must be whole seconds ≥ 0, got 'soon'");
  });
});
