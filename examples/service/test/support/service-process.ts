import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ShutdownReportJSON } from '@quiesce/core';

const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

/** The example service as a real child process, with its output captured. */
export class ServiceProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (c: Buffer) => (this.stdout += c));
    child.stderr!.on('data', (c: Buffer) => (this.stderr += c));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, at: performance.now() })));
  }

  static spawn(env: Record<string, string>): ServiceProcess {
    const child = spawn(process.execPath, [main], { env: { ...process.env, PORT: '0', REPORT_JSON: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    return new ServiceProcess(child);
  }

  /** Resolves with the first match of `pattern` in stdout; rejects if the process exits or time runs out. */
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    const deadline = performance.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      const match = this.stdout.match(pattern);
      if (match) return match;
      if (exited || performance.now() > deadline) {
        throw new Error(`service never printed ${pattern} (exited: ${exited})\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async port(): Promise<number> {
    return Number((await this.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/))[1]);
  }

  signal(signal: NodeJS.Signals): number {
    this.child.kill(signal);
    return performance.now();
  }

  /** The report the service printed as JSON (REPORT_JSON=1). */
  report(): ShutdownReportJSON {
    const line = this.stdout.split('\n').find((l) => l.startsWith('quiesce-report '));
    if (!line) throw new Error(`no report printed\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
    return JSON.parse(line.slice('quiesce-report '.length)) as ShutdownReportJSON;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
