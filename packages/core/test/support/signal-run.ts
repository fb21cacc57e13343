import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const fixture = fileURLToPath(new URL('../fixtures/signal-app.mjs', import.meta.url));

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  msAfterSignal: number;
}

/** Start the fixture, wait for "ready", send the signals, and collect how it ended. */
export function runWithSignals(mode: string, signals: NodeJS.Signals[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture], { env: { ...process.env, MODE: mode, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sentAt = 0;
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fixture ${mode} did not exit; stdout=${stdout} stderr=${stderr}`));
    }, 15_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      if (sentAt === 0 && stdout.includes('ready')) {
        sentAt = performance.now();
        signals.forEach((s, k) => setTimeout(() => child.kill(s), k * 150));
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr, msAfterSignal: performance.now() - sentAt });
    });
  });
}
