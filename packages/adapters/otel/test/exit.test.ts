import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ShutdownReportJSON } from '@quiesce/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from './receiver.js';

// The child runs the built bundle, as a user gets it (`pnpm run build` first).
const fixture = fileURLToPath(new URL('./fixtures/shutdown-child.mjs', import.meta.url));
const bundle = fileURLToPath(new URL('../dist/bundle/index.js', import.meta.url));

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

beforeAll(() => {
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`pnpm run build\` first`);
});

interface Run {
  report: ShutdownReportJSON;
  /** From the report line to the process's exit, ms. */
  exitAfterReportMs: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** What held the event loop 3 s after the report, when the process was still alive then. */
  handles?: string;
}

/**
 * Runs the fixture against `url` and waits for it to exit by itself — at most `giveUpMs` after its
 * report, then it is killed (the run says so: `signal: 'SIGKILL'`). Bounded either way.
 */
function runChild(url: string, giveUpMs = 15_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, url, '1500', '4000'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LIST_HANDLES: '3000' } });
    let stdout = '';
    let stderr = '';
    let report: ShutdownReportJSON | undefined;
    let reportAt = 0;
    let handles: string | undefined;
    let killer: ReturnType<typeof setTimeout> | undefined;
    const startup = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      let newline: number;
      while ((newline = stdout.indexOf('\n')) >= 0) {
        const line = stdout.slice(0, newline);
        stdout = stdout.slice(newline + 1);
        if (line.startsWith('report ')) {
          reportAt = performance.now();
          report = JSON.parse(line.slice('report '.length)) as ShutdownReportJSON;
          clearTimeout(startup);
          killer = setTimeout(() => child.kill('SIGKILL'), giveUpMs);
        } else if (line.startsWith('handles ')) {
          handles = line.slice('handles '.length);
        }
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const exitedAt = performance.now();
      clearTimeout(startup);
      clearTimeout(killer);
      if (!report) return reject(new Error(`the child exited (${code ?? signal}) without a report: ${stderr}`));
      resolve({ report, exitAfterReportMs: exitedAt - reportAt, code, signal, handles });
    });
  });
}

describe('otelSdk in a process of its own: the SDK does not outlive the shutdown', () => {
  it('a hung collector, the exporters at their default timeouts: reported timedOut at the node timeout, and the process exits right after the report', async () => {
    receiver = await startReceiver({ hang: true });
    const run = await runChild(receiver.url);
    const otel = run.report.nodes.find((n) => n.name === 'otel')!;
    expect(otel.status).toBe('timedOut');
    expect(otel.error).toMatchObject({ name: 'NodeTimeoutError' });
    expect(otel.durationMs!).toBeGreaterThanOrEqual(1_400);
    expect(otel.durationMs!).toBeLessThan(3_000);
    // The three signals' requests reached the collector, and the report names them as lost.
    expect([...new Set(receiver.paths)].sort()).toEqual(['/v1/logs', '/v1/metrics', '/v1/traces']);
    expect(otel.cut).toEqual({ phase: 'stop', open: ['3 export requests in flight'] });
    expect(run.report.ok).toBe(false);
    // Without the cut the process lived on ~19 s after its report (the exporters' 10 s request
    // timeout, then the processors' and the reader's 30 s export timers): now the loop is empty.
    expect({ signal: run.signal, code: run.code, handles: run.handles }).toEqual({ signal: null, code: 0, handles: undefined });
    expect(run.exitAfterReportMs).toBeLessThan(2_000);
  });

  it('a collector that answers 400 to metrics and logs: the node fails naming both, the report is not ok, and the process exits', async () => {
    receiver = await startReceiver({ status: { metrics: 400, logs: 400 } });
    const run = await runChild(receiver.url);
    const otel = run.report.nodes.find((n) => n.name === 'otel')!;
    expect(otel.status).toBe('failed');
    expect(otel.error).toMatchObject({ name: 'OtelExportError', code: 'QUIESCE_OTEL_EXPORT_FAILED' });
    expect(otel.error!.message).toMatch(/^otel: OpenTelemetry forceFlush\(\) failed, (metrics and logs|logs and metrics) were not exported: /);
    expect(otel.error!.message).toContain('metrics: HTTP 400 Bad Request');
    expect(otel.error!.message).toContain('logs: HTTP 400 Bad Request');
    expect(run.report.ok).toBe(false);
    // The traces were accepted: every span, the one from the other node's stop too.
    expect(receiver.spans.sort()).toEqual(['api.stop', ...Array.from({ length: 20 }, (_, i) => `request ${i}`)].sort());
    expect({ signal: run.signal, code: run.code, handles: run.handles }).toEqual({ signal: null, code: 0, handles: undefined });
    expect(run.exitAfterReportMs).toBeLessThan(2_000);
  });
});
