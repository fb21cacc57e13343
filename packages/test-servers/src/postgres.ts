import { chown, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { findPostgres, type PostgresBinaries } from './binaries.js';
import { pgFromEnv } from './env-override.js';
import { ServerError } from './errors.js';
import { LogTail } from './log-tail.js';
import { serverUser, type OsUser } from './os-user.js';
import { getFreePort } from './ports.js';
import { probePostgres } from './probes.js';
import { launch, run, type ManagedProcess } from './process.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';
import type { PgServer, StartOptions } from './types.js';
import { startOrReuse } from './start-or-reuse.js';
import { waitUntilReady } from './wait.js';

export interface PostgresOptions extends StartOptions {
  /** Superuser created by initdb. Default 'quiesce'. */
  user?: string;
  /** Password for TCP logins (scram-sha-256). Default 'quiesce'; null = trust, no password. */
  password?: string | null;
  /** Database created for the tests. Default 'quiesce'. */
  database?: string;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string | number>;
}

const HOST = '127.0.0.1';

/**
 * Starts a throw-away PostgreSQL cluster: initdb into a fresh temp dir, postmaster
 * on 127.0.0.1 only, unix socket inside the temp dir, durability off for speed.
 * QUIESCE_PG_URL, when set, is returned instead.
 */
export function startPostgres(opts: PostgresOptions = {}): Promise<PgServer> {
  return startOrReuse('postgres', opts, pgFromEnv, findPostgres, (bins) => startOnce(bins, opts));
}

async function startOnce(bins: PostgresBinaries, opts: PostgresOptions): Promise<PgServer> {
  const runAs = serverUser('postgres', 'postgres', 'initdb/postgres', 'postgresql');
  const port = opts.port ?? (await getFreePort());
  const user = opts.user ?? 'quiesce';
  const password = opts.password === undefined ? 'quiesce' : (opts.password ?? undefined);
  const database = opts.database ?? 'quiesce';
  const log = new LogTail();
  const dir = await makeTempDir('pg');
  const dataDir = path.join(dir, 'data');
  let proc: ManagedProcess | undefined;
  try {
    if (runAs) await chown(dir, runAs.uid, runAs.gid);
    await initdb(bins, { dir, dataDir, user, password, runAs, log });
    const settings: Record<string, string | number> = {
      listen_addresses: HOST,
      unix_socket_directories: dir,
      // Throw-away data: skip everything that exists to survive a crash.
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      ...opts.settings,
    };
    const args = ['-D', dataDir, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
    // Run postgres itself rather than `pg_ctl start`: pg_ctl daemonizes the
    // postmaster, which then cannot be tied to our lifetime. SIGQUIT on our death
    // is postgres' "immediate shutdown"; its backends follow the postmaster.
    proc = await launch('postgres', bins.postgres, args, { log, runAs, cwd: dir, deathSignal: 'SIGQUIT' });
    const running = proc;
    await waitUntilReady(running, () => probePostgres(port, HOST, user), {
      timeoutMs: opts.startTimeoutMs ?? 30_000,
      what: `connections on ${HOST}:${port}`,
    });
    if (database !== 'postgres') {
      // Over the unix socket, where initdb set trust auth: no password juggling.
      await run('postgres', bins.createdb, ['-h', dir, '-p', String(port), '-U', user, database], {
        log, runAs, cwd: dir, timeoutMs: 30_000,
      });
    }
    let stopping: Promise<void> | undefined;
    const auth = password === undefined ? encodeURIComponent(user) : `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
    return {
      host: HOST,
      port,
      user,
      password,
      database,
      url: `postgres://${auth}@${HOST}:${port}/${encodeURIComponent(database)}`,
      pid: running.pid,
      external: false,
      stop: () => (stopping ??= (async () => {
        // SIGINT is what `pg_ctl stop -m fast` sends: roll back open transactions,
        // disconnect clients, checkpoint, exit. We own the postmaster, so we signal
        // it directly and wait for its exit event instead of polling a pid file.
        await running.stop({ signal: 'SIGINT', graceMs: 15_000 });
        await removeTempDir(dir);
      })()),
    };
  } catch (error) {
    await proc?.stop({ signal: 'SIGQUIT', graceMs: 5_000 });
    await removeTempDir(dir);
    throw error;
  }
}

async function initdb(
  bins: PostgresBinaries,
  o: { dir: string; dataDir: string; user: string; password: string | undefined; runAs: OsUser | undefined; log: LogTail },
): Promise<void> {
  const args = ['-D', o.dataDir, '-U', o.user, '-E', 'UTF8', '--locale=C', '--no-sync', '--auth-local=trust'];
  const pwfile = path.join(o.dir, 'pwfile');
  if (o.password !== undefined) {
    await writeFile(pwfile, `${o.password}\n`, { mode: 0o600 });
    if (o.runAs) await chown(pwfile, o.runAs.uid, o.runAs.gid);
    args.push('--auth-host=scram-sha-256', `--pwfile=${pwfile}`);
  } else {
    args.push('--auth-host=trust');
  }
  try {
    await run('postgres', bins.initdb, args, { log: o.log, runAs: o.runAs, cwd: o.dir, timeoutMs: 120_000 });
  } finally {
    await rm(pwfile, { force: true });
  }
}
