import { spawn, type ChildProcess } from 'node:child_process';
import type { ShutdownReportJSON } from '@quiesce/core';

export interface ReplicaExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() when it exited. */
  at: number;
}

/**
 * One process of the example service (`node dist/main.js`, configured by environment variables,
 * REPORT_JSON=1), its output captured: a replica of the rolling deploy, and the process the
 * end-to-end tests signal.
 */
export class Replica {
  stdout = '';
  stderr = '';
  readonly exited: Promise<ReplicaExit>;
  private exit: ReplicaExit | undefined;

  private constructor(readonly name: string, readonly child: ChildProcess) {
    child.stdout!.on('data', (c: Buffer) => (this.stdout += c));
    child.stderr!.on('data', (c: Buffer) => (this.stderr += c));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve((this.exit = { code, signal, at: performance.now() }))));
  }

  /** `entry`: the service's compiled main.js. */
  static spawn(name: string, entry: string, env: Record<string, string>): Replica {
    const child = spawn(process.execPath, [entry], { env: { ...process.env, PORT: '0', REPORT_JSON: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    return new Replica(name, child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves with the first match of `pattern` in stdout; rejects if the process exits first or time runs out. */
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const match = this.stdout.match(pattern);
      if (match) return match;
      if (this.exit || performance.now() > deadline) {
        throw new Error(`${this.name} never printed ${pattern} (exit: ${JSON.stringify(this.exit)})\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The port from the service's "listening on" line. */
  async port(timeoutMs = 30_000): Promise<number> {
    return Number((await this.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/, timeoutMs))[1]);
  }

  /** The shutdown report it printed as JSON; throws if it printed none. */
  report(): ShutdownReportJSON {
    const line = this.stdout.split('\n').find((l) => l.startsWith('quiesce-report '));
    if (!line) throw new Error(`${this.name} printed no report\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
    return JSON.parse(line.slice('quiesce-report '.length)) as ShutdownReportJSON;
  }

  /** The report's warnings (best-effort failures, nodes' `ctx.warn` such as QUIESCE_DRAIN_TOO_SHORT); [] if it printed none. */
  reportWarnings(): readonly string[] {
    return this.stdout.includes('quiesce-report ') ? this.report().warnings : [];
  }

  /** The report's `ok`; undefined if it printed none (the naive variant prints none). */
  reportOk(): boolean | undefined {
    return this.stdout.includes('quiesce-report ') ? this.report().ok : undefined;
  }

  /** Sends `signal`; returns performance.now() at that moment. */
  signal(signal: NodeJS.Signals): number {
    this.child.kill(signal);
    return performance.now();
  }

  /** Last resort for cleanup: SIGKILL if still running. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
