import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LifecycleContainer, type NodeReport } from '@quiesce/core';
import { activeHandles, leftoverHandles, type HandleCounts } from '@quiesce/test-servers';
import { afterEach } from 'vitest';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A file path in a fresh temp dir removed after the test. */
export function tempFile(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'quiesce-flush-'));
  dirs.push(dir);
  return path.join(dir, name);
}

/** The `msg` of every JSON line in `file`. */
export function loggedMessages(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { msg: string }).msg);
}

/**
 * A service whose three nodes log while they stop (over several turns of the event loop), beside
 * a log node `register` adds; returns the app and the messages it will have logged.
 */
export function loggingService(log: (msg: string) => void, register: (app: LifecycleContainer) => void): { app: LifecycleContainer; expected: string[] } {
  const expected: string[] = [];
  const say = (msg: string) => {
    log(msg);
    expected.push(msg);
  };
  const app = new LifecycleContainer({ shutdownTimeoutMs: 10_000, defaultStopTimeoutMs: 2_000 });
  register(app); // first and depended on by nobody: only stopsLast puts it last
  for (const [name, dependsOn] of [['db', []], ['api', ['db']], ['worker', []]] as const) {
    app.resource(name, {
      value: {},
      dependsOn: [...dependsOn],
      stop: async () => {
        for (let i = 0; i < 100; i++) {
          say(`${name} stopping, step ${i}`);
          if (i % 25 === 0) await new Promise((r) => setTimeout(r, 2));
        }
      },
    });
  }
  return { app, expected };
}

// ---------------------------------------------------------------------------------------------
// What a stop may leave behind.

const ownKinds = new Set(['PipeWrap', 'FSReqCallback', 'FSReqPromise', 'WriteWrap', 'ShutdownWrap']);

/**
 * What is alive in this process before a test creates its streams: test-servers' handle kinds,
 * plus what a log stream leaves when it is not cut right — pipes, fs requests still in flight
 * (a write stuck in the threadpool), threads (a transport's worker) and open file descriptors.
 */
export interface ResourceBaseline {
  handles: HandleCounts;
  own: HandleCounts;
  threads: number;
  fds: number;
}

export async function resourceBaseline(): Promise<ResourceBaseline> {
  // Created once per process, on first use, by whoever comes first (a Worker pipes its stdio to
  // them; libuv starts all its threadpool threads at the first request): in the baseline, then.
  void process.stdout;
  void process.stderr;
  await access('.');
  return { handles: activeHandles(), own: ownCounts(), threads: threadCount(), fds: fdCount() };
}

/** What is alive beyond `baseline`, polled until nothing is or `withinMs` passed: `{}` means the stop left nothing. */
export async function leftovers(baseline: ResourceBaseline, withinMs = 1_000): Promise<Record<string, number>> {
  const end = Date.now() + withinMs;
  for (;;) {
    const extra: Record<string, number> = { ...(await leftoverHandles(baseline.handles, 0)) };
    for (const [kind, n] of Object.entries(ownCounts())) if (n > (baseline.own[kind] ?? 0)) extra[kind] = n - (baseline.own[kind] ?? 0);
    if (threadCount() > baseline.threads) extra.threads = threadCount() - baseline.threads;
    if (fdCount() > baseline.fds) extra.fds = fdCount() - baseline.fds;
    if (Object.keys(extra).length === 0 || Date.now() >= end) return extra;
    await new Promise((resolve) => setTimeout(resolve, 20).unref());
  }
}

function ownCounts(): HandleCounts {
  const counts: HandleCounts = {};
  for (const kind of process.getActiveResourcesInfo()) if (ownKinds.has(kind)) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

// Linux: every thread of the process (a worker is one) and every open descriptor.
const threadCount = (): number => readdirSync('/proc/self/task').length;
const fdCount = (): number => readdirSync('/proc/self/fd').length;

// ---------------------------------------------------------------------------------------------
// A service writing its logs to a pipe nobody reads, as a real process (fixtures/stalled-pipe-app.mjs).

export interface StalledOptions {
  kind: 'sonic' | 'transport';
  dest: 'stdout' | 'default' | 'nonblock' | 'path';
  lines?: number;
  env?: Record<string, string>;
}

export interface ChildReport {
  ok: boolean;
  log: NodeReport;
  api: string;
  cpu: NodeJS.CpuUsage;
  at: number;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The fixture's own last words, from its 'exit' event: absent when it was killed. */
  last?: { code: number; cpu: NodeJS.CpuUsage; at: number; fdOpen?: boolean };
  at: number;
}

export interface StalledRun {
  /** How full the pipe was made before the child started. */
  readonly filled: number;
  /** The child has logged its lines (most still buffered: the pipe is full). */
  readonly logged: Promise<void>;
  readonly report: Promise<ChildReport>;
  readonly exited: Promise<ChildExit>;
  readonly stderr: () => string;
  alive(): boolean;
  /** CPU time (user + system, every thread) the child used so far, in ms, from /proc/<pid>/stat. */
  cpuMs(): number;
  /** The shipper comes back: the pipe is read from now on (bounded: until the child exits or 64 MiB). */
  readPipe(): void;
  /** Everything read from the pipe so far, the 64 KiB that filled it first. */
  received(): Buffer;
}

const fixture = fileURLToPath(new URL('./fixtures/stalled-pipe-app.mjs', import.meta.url));
const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const runs: Array<() => void> = [];
afterEach(() => {
  for (const stop of runs.splice(0)) stop();
});

export function runStalledPipe(options: StalledOptions): StalledRun {
  const dir = mkdtempSync(path.join(tmpdir(), 'quiesce-flush-pipe-'));
  const fifo = path.join(dir, 'shipper');
  execFileSync('mkfifo', [fifo]);
  // The shipper's end, opened first (a FIFO's writer cannot open before a reader) and not read.
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  // Fill the pipe (64 KiB on Linux) so that the child's very first write finds it full.
  const filler = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  let filled = 0;
  const block = Buffer.alloc(4_096, 'f');
  for (let i = 0; i < 1_024; i++) {
    try {
      filled += writeSync(filler, block);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      break;
    }
  }
  closeSync(filler);
  // The child's stdout, as a shell's `app | shipper` hands it over: a blocking pipe.
  const stdout = options.dest === 'stdout' || options.dest === 'default' ? openSync(fifo, constants.O_WRONLY) : 'ignore';
  const child = spawn(process.execPath, [fixture], {
    env: { ...process.env, KIND: options.kind, DEST: options.dest, FIFO: fifo, LINES: String(options.lines ?? 3_000), ...options.env },
    stdio: ['ignore', stdout, 'pipe'],
  });
  if (typeof stdout === 'number') closeSync(stdout);

  let text = '';
  let pending = '';
  let last: ChildExit['last'];
  let onLogged!: () => void;
  const logged = new Promise<void>((resolve) => (onLogged = resolve));
  let onReport!: (r: ChildReport) => void;
  let noReport!: (e: Error) => void;
  const report = new Promise<ChildReport>((resolve, reject) => ((onReport = resolve), (noReport = reject)));
  report.catch(() => {}); // surfaced by the test that awaits it
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
    pending += chunk;
    for (let i = pending.indexOf('\n'); i >= 0; i = pending.indexOf('\n')) {
      const line = pending.slice(0, i);
      pending = pending.slice(i + 1);
      if (line.startsWith('LOGGED ')) onLogged();
      if (line.startsWith('REPORT ')) onReport(JSON.parse(line.slice(7)) as ChildReport);
      if (line.startsWith('EXIT ')) last = JSON.parse(line.slice(5)) as ChildExit['last'];
    }
  });
  let running = true;
  const exited = new Promise<ChildExit>((resolve) => {
    child.on('exit', (code, signal) => {
      running = false;
      noReport(new Error(`the child exited (${code ?? signal}) before its report: ${text}`));
      // 'exit' can come before the last stderr bytes are read: wait for the pipe's end.
      const done = () => resolve({ code, signal, last, at: Date.now() });
      if (child.stderr!.readableEnded) done();
      else child.stderr!.once('end', done);
    });
  });

  let readTimer: NodeJS.Timeout | undefined;
  const cleanup = (): void => {
    if (readTimer) clearInterval(readTimer);
    if (running) child.kill('SIGKILL');
    // The reader stays open until the child is gone: closing it first would end a stuck write with EPIPE.
    void exited.then(() => {
      closeSync(reader);
      rmSync(dir, { recursive: true, force: true });
    });
  };
  runs.push(cleanup);

  const chunks: Buffer[] = [];
  return {
    filled,
    logged,
    report,
    exited,
    stderr: () => text,
    alive: () => running,
    cpuMs: () => {
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1_000) / clockTicks;
    },
    readPipe: () => {
      const buf = Buffer.alloc(65_536);
      let total = 0;
      readTimer = setInterval(() => {
        for (let i = 0; i < 64 && running && total < 64 * 1_048_576; i++) {
          let n = 0;
          try {
            n = readSync(reader, buf);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
          }
          if (n === 0) break;
          total += n;
          chunks.push(Buffer.from(buf.subarray(0, n)));
        }
        if (!running) clearInterval(readTimer);
      }, 5);
    },
    received: () => Buffer.concat(chunks),
  };
}
