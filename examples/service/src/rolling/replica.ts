import { spawn, type ChildProcess } from 'node:child_process';

export interface ReplicaExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() when it exited. */
  at: number;
}

/** One replica of the example service: `node dist/main.js` as its own process, output captured. */
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

  /** The port from the service's "listening on" line; rejects if it exits first or after `timeoutMs`. */
  async port(timeoutMs = 30_000): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(this.stdout);
      if (match) return Number(match[1]);
      if (this.exit || performance.now() > deadline) {
        throw new Error(`replica ${this.name} never listened (exit: ${JSON.stringify(this.exit)})\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Whether the shutdown report it printed (REPORT_JSON=1) says ok; undefined if it printed none (the naive variant). */
  reportOk(): boolean | undefined {
    const line = this.stdout.split('\n').find((l) => l.startsWith('quiesce-report '));
    return line === undefined ? undefined : (JSON.parse(line.slice('quiesce-report '.length)) as { ok: boolean }).ok;
  }

  /** Sends `signal`; returns performance.now() at that moment. */
  signal(signal: NodeJS.Signals): number {
    this.child.kill(signal);
    return performance.now();
  }

  /** Last resort for a test's cleanup: SIGKILL if still running. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
