import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { findHaproxy } from './binaries.js';
import { ServerError } from './errors.js';
import { ensureServerBinaries } from './install.js';
import { LogTail } from './log-tail.js';
import { parseServersState, runtimeCommand } from './haproxy-runtime.js';
import { getFreePort, isPortOpen } from './ports.js';
import { launch, type ManagedProcess } from './process.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';
import type { StartOptions, TestServer } from './types.js';
import type { BackendState } from './haproxy-runtime.js';
import { waitUntilReady, withPortRetry } from './wait.js';

export interface HaproxyOptions extends StartOptions {
  /** Ports of the backends on 127.0.0.1, named s1, s2, … in this order. */
  backends: readonly number[];
  /** Health-check path; a backend is routed to only while it answers 200 there. */
  checkPath?: string;
  /** Health-check interval (`inter`), ms. Default 200. */
  checkIntervalMs?: number;
  /** Failed checks before a backend is marked DOWN (`fall`). Default 2. */
  fall?: number;
  /** Passed checks before a backend is marked UP again (`rise`). Default 1. */
  rise?: number;
  /**
   * Connect retries on another backend (`retries N` + `option redispatch`). Default 0: kube-proxy
   * and most L4 paths do not retry on another endpoint, and retries hide a closed listener's damage
   * (a refused connect is silently sent elsewhere), so a drain judged with them is judged too kindly.
   */
  retries?: number;
}

export interface HaproxyServer extends TestServer {
  /** Backend names, s1…sN, in the order of `backends`. */
  readonly backendNames: readonly string[];
  /** Runs one runtime-API command over the admin socket and resolves its output. */
  command(cmd: string): Promise<string>;
  /** The backends' addresses and health as HAProxy sees them now. */
  backends(): Promise<BackendState[]>;
  /** Points backend `name` at 127.0.0.1:`port` (runtime API: no reload, no dropped client connection). */
  setBackend(name: string, port: number): Promise<void>;
  /** Resolves once HAProxy reports `name` UP on `port`; throws after `timeoutMs`. */
  waitUntilUp(name: string, port: number, timeoutMs?: number): Promise<void>;
}

const HOST = '127.0.0.1';
const BACKEND = 'be';

/**
 * Starts HAProxy in the foreground (`-db`, no daemon, no master) on a free loopback port with a
 * config generated in a temp dir: HTTP mode, keep-alive to clients and servers, round robin over
 * `backends`, each health-checked on `checkPath`. The admin socket in the temp dir serves the
 * runtime API, which changes a backend's address without a reload. Killed by PID on stop.
 * Not part of startAllServers: only the rolling-deploy test and demo start one.
 */
export async function startHaproxy(opts: HaproxyOptions): Promise<HaproxyServer> {
  // Written verbatim into the config: a bad value would fail HAProxy's parse with a less direct message.
  const bad =
    opts.backends.length === 0
      ? 'backends: expected at least one port'
      : opts.backends.find((p) => !Number.isInteger(p) || p < 1 || p > 65_535) !== undefined
        ? 'backends: expected ports from 1 to 65535'
        : opts.retries !== undefined && (!Number.isInteger(opts.retries) || opts.retries < 0)
          ? 'retries: expected a whole number ≥ 0'
          : undefined;
  if (bad) throw new ServerError('haproxy', bad);
  await ensureServerBinaries(['haproxy']);
  const bin = findHaproxy()!.server;
  return withPortRetry(opts.port === undefined, () => startOnce(bin, opts));
}

function config(port: number, socket: string, opts: HaproxyOptions): string {
  const inter = opts.checkIntervalMs ?? 200;
  const retries = opts.retries ?? 0;
  const servers = opts.backends.map((p, k) => `  server s${k + 1} ${HOST}:${p} check`);
  return [
    'global',
    `  stats socket ${socket} mode 600 level admin`,
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  timeout http-keep-alive 10s',
    // Without it a check times out after `inter`: on a loaded machine a healthy backend that answers
    // /readyz late would be marked DOWN. A 503 still counts at once, so detection stays fall × inter.
    '  timeout check 2s',
    '  option http-keep-alive',
    // With retries, a refused connect (a backend gone but not yet marked DOWN) is retried on another one.
    ...(retries > 0 ? [`  retries ${retries}`, '  option redispatch'] : ['  retries 0']),
    'frontend fe',
    `  bind ${HOST}:${port}`,
    `  default_backend ${BACKEND}`,
    `backend ${BACKEND}`,
    '  balance roundrobin',
    `  option httpchk GET ${opts.checkPath ?? '/readyz'}`,
    '  http-check expect status 200',
    `  default-server inter ${inter} fastinter ${inter} downinter ${inter} fall ${opts.fall ?? 2} rise ${opts.rise ?? 1}`,
    ...servers,
    '',
  ].join('\n');
}

async function startOnce(bin: string, opts: HaproxyOptions): Promise<HaproxyServer> {
  const port = opts.port ?? (await getFreePort());
  const log = new LogTail();
  const dir = await makeTempDir('haproxy');
  const socket = path.join(dir, 'admin.sock');
  let proc: ManagedProcess | undefined;
  try {
    const cfg = path.join(dir, 'haproxy.cfg');
    await writeFile(cfg, config(port, socket, opts));
    proc = await launch('haproxy', bin, ['-db', '-f', cfg], { log, cwd: dir, deathSignal: 'SIGKILL' });
    const running = proc;
    await waitUntilReady(running, () => isPortOpen(port, HOST), { timeoutMs: opts.startTimeoutMs ?? 10_000, what: `accepting on ${HOST}:${port}` });
    const command = (cmd: string) => runtimeCommand(socket, cmd);
    const backends = async () => parseServersState(await command(`show servers state ${BACKEND}`));
    let stopping: Promise<void> | undefined;
    return {
      host: HOST,
      port,
      url: `http://${HOST}:${port}`,
      pid: running.pid,
      external: false,
      backendNames: opts.backends.map((_, k) => `s${k + 1}`),
      command,
      backends,
      async setBackend(name, backendPort) {
        const out = await command(`set server ${BACKEND}/${name} addr ${HOST} port ${backendPort}`);
        // HAProxy answers a changed address with a sentence, an error with one starting like these.
        if (/^(No such|Require|Unknown|invalid)/im.test(out)) throw new ServerError('haproxy', `set server ${name}: ${out.trim()}`, log);
      },
      async waitUntilUp(name, backendPort, timeoutMs = 10_000) {
        const deadline = performance.now() + timeoutMs;
        for (;;) {
          const state = (await backends()).find((b) => b.name === name);
          if (state?.status === 'UP' && state.port === backendPort) return;
          if (performance.now() > deadline) throw new ServerError('haproxy', `${name} not UP on port ${backendPort} after ${timeoutMs} ms (${JSON.stringify(state)})`, log);
          await new Promise((r) => setTimeout(r, 20));
        }
      },
      stop: () => (stopping ??= (async () => {
        await running.stop({ signal: 'SIGTERM', graceMs: 3_000 });
        await removeTempDir(dir);
      })()),
    };
  } catch (error) {
    await proc?.stop({ signal: 'SIGKILL', graceMs: 2_000 });
    await removeTempDir(dir);
    throw error;
  }
}
