import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { PodSpec } from './support/k8s.js';

// The built CLI as a child process, as a user (or CI) runs it.
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'dist/bundle/cli.js');
const dist = pathToFileURL(join(root, 'dist/bundle/index.js')).href;
const dir = mkdtempSync(join(tmpdir(), 'quiesce-k8s-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [bin, 'k8s', ...args], { cwd: dir, timeout: 20_000 }, (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code) : 0, stdout, stderr })),
  );
const started = join(dir, 'started');
const imported = join(dir, 'imported');

beforeAll(() => {
  // drain 5 s → db 3 s in a 20 s deadline; `short` drains 1 s in 12 s. Importing it leaves a mark.
  writeFileSync(
    join(dir, 'app.mjs'),
    `import { writeFileSync } from 'node:fs';
import { LifecycleContainer } from ${JSON.stringify(dist)};
writeFileSync(${JSON.stringify(imported)}, 'yes');
const make = (shutdownTimeoutMs, drainDelayMs) => new LifecycleContainer({ shutdownTimeoutMs, drainDelayMs })
  .resource('db', { value: 1, stopTimeoutMs: 3000, stop() {}, start() { writeFileSync(${JSON.stringify(started)}, 'yes'); } });
export function buildApp() { return make(20000, 5000); }
export const app = buildApp();
export const short = make(12000, 1000);
export const noDrain = make(15000, 0);
`,
  );
  writeFileSync(join(dir, 'empty.mjs'), 'export const nothing = 1;\n');
});

describe('quiesce k8s <module>', () => {
  it('imports the app (or its factory) without starting it and prints the fragment', async () => {
    const byDefault = await run(['app.mjs', '--port', '8080']);
    expect(byDefault).toMatchObject({ code: 0, stderr: '' });
    expect((parse(byDefault.stdout) as PodSpec).spec.terminationGracePeriodSeconds).toBe(25);
    expect((parse(byDefault.stdout) as PodSpec).spec.containers[0]!.readinessProbe.httpGet.port).toBe(8080);
    const factory = await run(['app.mjs', '--export', 'buildApp', '--prestop']);
    expect((parse(factory.stdout) as PodSpec).spec.terminationGracePeriodSeconds).toBe(5 + 20 + 5);
    expect(existsSync(started)).toBe(false); // nothing was started
  });

  it('--prestop with drainDelayMs 0 prints the sleep of the whole lag (it printed no preStop before)', async () => {
    const out = await run(['app.mjs', '--export', 'noDrain', '--prestop', '--propagation', 'ingress-nginx']);
    expect(out.code).toBe(0);
    expect((parse(out.stdout) as PodSpec).spec.containers[0]!.lifecycle!.preStop).toEqual({ sleep: { seconds: 5 } });
  });

  it('--propagation takes a preset or measured ms; --k8s-version picks the preStop form', async () => {
    const alb = await run(['app.mjs', '--export', 'noDrain', '--prestop', '--propagation', 'aws-alb', '--k8s-version', '1.29']);
    expect((parse(alb.stdout) as PodSpec).spec.containers[0]!.lifecycle!.preStop).toEqual({ exec: { command: ['sleep', '30'] } });
    expect(alb.stdout).toContain('# Traffic path: AWS ALB (IP targets, AWS Load Balancer Controller), propagation lag 30000 ms');
    const measured = await run(['app.mjs', '--propagation', '12000']);
    expect(measured.stdout).toContain('propagation lag 12000 ms (your number');
    expect(measured.stdout).toContain('# WARNING (QUIESCE_K8S_DRAIN_TOO_SHORT)');
    const ga = await run(['app.mjs', '--export', 'noDrain', '--prestop', '--k8s-version', 'v1.34.1']);
    expect(ga.stdout).toContain('GA since Kubernetes 1.34');
  });

  it('--strict: an unsafe spec exits 1 with the typed error\'s code and every warning\'s, and prints no YAML', async () => {
    const unsafe = await run(['app.mjs', '--export', 'short', '--strict', '--margin', '1']);
    expect(unsafe.code).toBe(1);
    expect(unsafe.stdout).toBe('');
    expect(unsafe.stderr).toContain('[QUIESCE_KUBERNETES_UNSAFE]');
    expect(unsafe.stderr).toContain('QUIESCE_K8S_DRAIN_TOO_SHORT: the drain (drainDelayMs 1000 ms = 1000 ms) is shorter than the 5000 ms propagation lag');
    expect(unsafe.stderr).toContain('QUIESCE_K8S_MARGIN_TOO_SHORT');
    const spot = await run(['app.mjs', '--strict', '--spot', 'gke']);
    expect(spot.code).toBe(1);
    expect(spot.stderr).toContain('QUIESCE_K8S_SPOT_GRACE_EXCEEDED');
    expect(await run(['app.mjs', '--strict'])).toMatchObject({ code: 0, stderr: '' });
  });

  it('refuses a module without an app, naming the exports, with exit code 2', async () => {
    const none = await run(['empty.mjs']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('has no export "default" that is a LifecycleContainer or returns one (exports: nothing)');
  });

  it.each([
    [['--margin', 'soon'], "--margin must be whole seconds ≥ 0, got 'soon'"],
    [['--propagation', 'aws-elb'], "--propagation must be milliseconds or one of kube-proxy, kube-proxy-iptables, kube-proxy-ipvs, ingress-nginx, aws-alb, aws-nlb, gke-neg, got 'aws-elb'"],
    [['--k8s-version', 'latest'], "--k8s-version: expected a Kubernetes version such as 1.30 (got 'latest')"],
    [['--container', 'Orders_API'], "--container: expected a container name (DNS-1123 label"],
    [['--spot', 'azure'], '--spot: must be one of "gke", "aws", got "azure"'],
  ])('refuses %j naming the flag, exit 2, before the module is imported', async (flags, message) => {
    rmSync(imported, { force: true });
    const bad = await run(['app.mjs', ...flags]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(message);
    expect(bad.stderr).toContain('[QUIESCE_CLI_USAGE]');
    expect(existsSync(imported)).toBe(false);
  });

  it('--help names every preset and the --strict exit code', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('kube-proxy, kube-proxy-iptables, kube-proxy-ipvs, ingress-nginx, aws-alb, aws-nlb, gke-neg');
    expect(help.stdout).toContain('1 unsafe with --strict (QUIESCE_KUBERNETES_UNSAFE)');
  });
});
