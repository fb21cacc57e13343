import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ServerError, type ServerName } from './errors.js';
import type { LogTail } from './log-tail.js';
import type { OsUser } from './os-user.js';
import { isAlive, processTree, type ProcessId } from './process-tree.js';

export interface LaunchOptions {
  log: LogTail;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Drop from root to this user before exec (initdb and postgres refuse to run as root). */
  runAs?: OsUser;
  /**
   * Signal the kernel sends to the process when this Node process dies, even by
   * SIGKILL (prctl PR_SET_PDEATHSIG via util-linux `setpriv`). Without it a crashed
   * test run leaves servers holding ports and temp dirs until the machine reboots.
   */
  deathSignal?: NodeJS.Signals;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

let setprivPath: string | null | undefined;
function findSetpriv(): string | null {
  if (setprivPath === undefined) {
    setprivPath = process.platform === 'linux'
      ? (['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) ?? null)
      : null;
  }
  return setprivPath;
}

// setpriv changes uid and sets the death signal and then execs, so the server ends
// up as our direct child with no su/runuser process in between to swallow signals.
// It sets PR_SET_PDEATHSIG after the uid change, which would otherwise clear it.
function wrapCommand(command: string, args: string[], opts: LaunchOptions): [string, string[]] {
  const setpriv = findSetpriv();
  if (setpriv && (opts.runAs || opts.deathSignal)) {
    const prefix: string[] = [];
    if (opts.runAs) {
      prefix.push('--reuid', String(opts.runAs.uid), '--regid', String(opts.runAs.gid), '--init-groups');
    }
    if (opts.deathSignal) prefix.push('--pdeathsig', opts.deathSignal.replace(/^SIG/, ''));
    return [setpriv, [...prefix, '--', command, ...args]];
  }
  if (opts.runAs) {
    const runuser = ['/usr/sbin/runuser', '/sbin/runuser'].find((p) => existsSync(p));
    if (!runuser) throw new Error(`[test-servers] need setpriv or runuser to run ${command} as ${opts.runAs.name}`);
    return [runuser, ['-u', opts.runAs.name, '--', command, ...args]];
  }
  return [command, args];
}

// Last-resort cleanup for platforms without setpriv; with setpriv the kernel does it.
const live = new Set<ManagedProcess>();
let exitHookInstalled = false;
function track(proc: ManagedProcess): void {
  live.add(proc);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const p of live) p.signal(p.deathSignal ?? 'SIGKILL');
    });
  }
}

export class ManagedProcess {
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;

  constructor(
    readonly server: ServerName,
    readonly child: ChildProcess,
    readonly log: LogTail,
    readonly deathSignal: NodeJS.Signals | undefined,
  ) {
    this.pid = child.pid!;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        live.delete(this);
        resolve(this.exitInfo);
      });
    });
    track(this);
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  describeExit(): string {
    const info = this.exitInfo;
    if (!info) return 'is still running';
    return info.signal ? `was killed by ${info.signal}` : `exited with code ${info.code}`;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.hasExited) return;
    try {
      this.child.kill(sig);
    } catch {
      // Already gone between the check and the kill.
    }
  }

  /** Resolves true when the process exited within `ms`. */
  async waitForExit(ms: number): Promise<boolean> {
    if (this.hasExited) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const result = await Promise.race([this.exited.then(() => true as const), timeout]);
    clearTimeout(timer);
    return result;
  }

  /**
   * Asks the process to stop with `request` (e.g. a protocol-level SHUTDOWN) or, if
   * there is none or it fails, with `signal`; escalates to SIGKILL after `graceMs`;
   * then kills any descendant still alive: a server's helpers (Erlang port
   * programs, postgres backends) must not outlive it.
   */
  async stop(opts: { request?: () => Promise<void>; signal?: NodeJS.Signals; graceMs: number }): Promise<void> {
    const descendants = this.hasExited ? [] : processTree(this.pid).slice(1);
    if (!this.hasExited) {
      // A fault test may have left it SIGSTOPped: a stopped process would sit on SIGINT/SIGTERM
      // until the SIGKILL escalation.
      for (const pid of [this.pid, ...descendants.map((d) => d.pid)]) killQuietly(pid, 'SIGCONT');
      let requested = false;
      if (opts.request) {
        requested = await opts.request().then(
          () => true,
          (error: unknown) => {
            this.log.append(`[test-servers] graceful stop request failed: ${String(error).split('\n')[0]}`);
            return false;
          },
        );
      }
      if (!requested && opts.signal) this.signal(opts.signal);
      if (!(await this.waitForExit(opts.graceMs))) {
        this.log.append(`[test-servers] ${this.server} did not exit within ${opts.graceMs} ms; sending SIGKILL`);
        this.signal('SIGKILL');
        await this.waitForExit(5_000);
      }
    }
    await killSurvivors(descendants);
  }
}

async function killSurvivors(ids: ProcessId[]): Promise<void> {
  for (let round = 0; round < 50; round++) {
    const alive = ids.filter((id) => isAlive(id));
    if (alive.length === 0) return;
    // Give them a moment to exit on their own (they notice their parent is gone).
    if (round === 10) for (const id of alive) killQuietly(id.pid);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function killQuietly(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Exited meanwhile.
  }
}

/** Starts a long-running server process whose output goes into `opts.log`. */
export async function launch(server: ServerName, command: string, args: string[], opts: LaunchOptions): Promise<ManagedProcess> {
  const [file, argv] = wrapCommand(command, args, opts);
  const child = spawn(file, argv, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a Ctrl-C in the terminal (SIGINT to the foreground group) must not
    // stop the servers under a service that is still shutting down. The death signal set in
    // wrapCommand still takes it down if we die.
    detached: true,
  });
  child.stdout!.on('data', (chunk: Buffer) => opts.log.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => opts.log.push(chunk));
  // Not events.once(): its 'spawn' promise would also reject on 'error'. The
  // 'error' listener stays attached so a later error cannot crash the process.
  const outcome = await new Promise<Error | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.on('error', (error) => resolve(error));
  });
  if (outcome) {
    throw new ServerError(server, `could not run ${command}: ${outcome.message}`, opts.log, { cause: outcome });
  }
  return new ManagedProcess(server, child, opts.log, opts.deathSignal);
}

/** Runs a helper command (initdb, createdb, rabbitmqctl) to completion; throws with its output on failure. */
export async function run(
  server: ServerName,
  command: string,
  args: string[],
  opts: LaunchOptions & { timeoutMs: number },
): Promise<void> {
  const proc = await launch(server, command, args, { ...opts, deathSignal: opts.deathSignal ?? 'SIGKILL' });
  if (!(await proc.waitForExit(opts.timeoutMs))) {
    proc.signal('SIGKILL');
    await proc.waitForExit(5_000);
    throw new ServerError(server, `${path.basename(command)} did not finish within ${opts.timeoutMs} ms`, opts.log);
  }
  const { code, signal } = await proc.exited;
  if (code !== 0) {
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    throw new ServerError(server, `${path.basename(command)} ${args.join(' ')} ${how}`, opts.log);
  }
}
