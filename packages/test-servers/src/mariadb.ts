import { chown, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { findMariaDB, type MariaDBBinaries } from './binaries.js';
import { mariadbFromEnv } from './env-override.js';
import { ServerError } from './errors.js';
import { LogTail } from './log-tail.js';
import { serverUser } from './os-user.js';
import { getFreePort } from './ports.js';
import { probeMariaDB } from './probes.js';
import { launch, run, type ManagedProcess } from './process.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';
import type { MariaDBServer, StartOptions } from './types.js';
import { startOrReuse } from './start-or-reuse.js';
import { waitUntilReady } from './wait.js';

export interface MariaDBOptions extends StartOptions {
  /** User created for the tests, with every privilege on `database`. Default 'quiesce'. */
  user?: string;
  /** Its password. Default 'quiesce'. */
  password?: string;
  /** Database created for the tests. Default 'quiesce'. */
  database?: string;
  /** Extra mariadbd arguments, e.g. ['--max-connections=20']. */
  args?: string[];
}

const HOST = '127.0.0.1';
const IDENT = /^[A-Za-z0-9_]+$/;

/**
 * Starts a throw-away MariaDB: mariadb-install-db into a fresh temp dir, mariadbd on 127.0.0.1
 * only (TCP on, socket inside the temp dir), durability off for speed. The user and database are
 * created by an --init-file before the first connection is accepted, so no client program is
 * needed. QUIESCE_MYSQL_URL, when set, is returned instead.
 */
export function startMariaDB(opts: MariaDBOptions = {}): Promise<MariaDBServer> {
  return startOrReuse('mariadb', opts, mariadbFromEnv, findMariaDB, (bins) => startOnce(bins, opts));
}

async function startOnce(bins: MariaDBBinaries, opts: MariaDBOptions): Promise<MariaDBServer> {
  const runAs = serverUser('mariadb', 'mysql', 'mariadbd', 'mariadb-server');
  const port = opts.port ?? (await getFreePort());
  const user = opts.user ?? 'quiesce';
  const password = opts.password ?? 'quiesce';
  const database = opts.database ?? 'quiesce';
  for (const [field, value] of [['user', user], ['database', database]] as const) {
    if (!IDENT.test(value)) throw new ServerError('mariadb', `${field} must match ${IDENT}: ${JSON.stringify(value)}`);
  }
  const log = new LogTail();
  const dir = await makeTempDir('mariadb');
  const dataDir = path.join(dir, 'data');
  let proc: ManagedProcess | undefined;
  try {
    if (runAs) await chown(dir, runAs.uid, runAs.gid);
    await run('mariadb', bins.installDb, [
      '--no-defaults', `--datadir=${dataDir}`, ...(runAs ? [`--user=${runAs.name}`] : []),
      '--auth-root-authentication-method=normal', '--skip-test-db',
    ], { log, runAs, cwd: dir, timeoutMs: 120_000 });
    const initFile = path.join(dir, 'init.sql');
    const quoted = password.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
    await writeFile(initFile, [
      `CREATE USER '${user}'@'%' IDENTIFIED BY '${quoted}';`,
      `CREATE DATABASE ${database};`,
      `GRANT ALL ON ${database}.* TO '${user}'@'%';`,
      // PROCESS: see every connection in the processlist (the adapter's KILL needs only its own).
      `GRANT PROCESS ON *.* TO '${user}'@'%';`,
      '',
    ].join('\n'), { mode: 0o600 });
    if (runAs) await chown(initFile, runAs.uid, runAs.gid);
    const args = [
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--socket=${path.join(dir, 'mysqld.sock')}`,
      `--pid-file=${path.join(dir, 'mysqld.pid')}`,
      `--port=${port}`,
      `--bind-address=${HOST}`,
      '--skip-networking=0',
      '--skip-name-resolve',
      `--init-file=${initFile}`,
      // Throw-away data: small buffers, no flush per commit, no binary log.
      '--innodb-buffer-pool-size=16M',
      '--innodb-log-file-size=8M',
      '--innodb-flush-log-at-trx-commit=0',
      '--skip-log-bin',
      ...(opts.args ?? []),
    ];
    // mariadbd's log goes to stderr without --log-error; SIGKILL on our death (data is throw-away).
    proc = await launch('mariadb', bins.server, args, { log, runAs, cwd: dir, deathSignal: 'SIGKILL' });
    const running = proc;
    await waitUntilReady(running, () => probeMariaDB(port, HOST), {
      timeoutMs: opts.startTimeoutMs ?? 30_000,
      what: `a handshake on ${HOST}:${port}`,
    });
    let stopping: Promise<void> | undefined;
    return {
      host: HOST,
      port,
      user,
      password,
      database,
      url: `mysql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${HOST}:${port}/${database}`,
      pid: running.pid,
      external: false,
      stop: () => (stopping ??= (async () => {
        // SIGTERM is mariadbd's normal shutdown (what `mariadb-admin shutdown` asks for).
        await running.stop({ signal: 'SIGTERM', graceMs: 15_000 });
        await removeTempDir(dir);
      })()),
    };
  } catch (error) {
    await proc?.stop({ signal: 'SIGKILL', graceMs: 5_000 });
    await removeTempDir(dir);
    throw error;
  }
}
