import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { isInstalled } from './binaries.js';
import type { ServerName } from './errors.js';
import { isRoot } from './os-user.js';

const execFileAsync = promisify(execFile);

/** The Debian/Ubuntu package that provides each server. */
export const APT_PACKAGES: Readonly<Record<ServerName, string>> = {
  postgres: 'postgresql',
  redis: 'redis-server',
  rabbitmq: 'rabbitmq-server',
  mariadb: 'mariadb-server',
  nats: 'nats-server',
  haproxy: 'haproxy',
};

const WHAT_IS_NEEDED: Readonly<Record<ServerName, string>> = {
  postgres: 'initdb, postgres and createdb (PostgreSQL server; Debian puts them in /usr/lib/postgresql/<version>/bin, or set QUIESCE_PG_BINDIR)',
  redis: 'redis-server',
  rabbitmq: 'rabbitmq-server, rabbitmqctl and epmd (RabbitMQ and Erlang)',
  mariadb: 'mariadbd and mariadb-install-db (MariaDB server)',
  nats: 'nats-server',
  haproxy: 'haproxy (only the rolling-deploy test and demo start it)',
};

const APT_GET = '/usr/bin/apt-get';
const POLICY_RC_D = '/usr/sbin/policy-rc.d';

// dpkg holds a lock: concurrent installs (three servers starting in parallel) must queue.
let queue: Promise<unknown> = Promise.resolve();
let aptUpdated = false;

/**
 * Makes sure the server programs exist. When some are missing and this process is
 * root on a machine with apt-get, installs them (a fresh CI container); otherwise
 * throws an error naming exactly what to install. Set QUIESCE_NO_AUTO_INSTALL=1 to
 * never install.
 */
export async function ensureServerBinaries(servers: readonly ServerName[] = ['postgres', 'redis', 'rabbitmq', 'mariadb', 'nats']): Promise<void> {
  const run = queue.then(() => ensureNow(servers));
  queue = run.catch(() => undefined);
  return run;
}

async function ensureNow(servers: readonly ServerName[]): Promise<void> {
  const missing = [...new Set(servers)].filter((s) => !isInstalled(s));
  if (missing.length === 0) return;
  const packages = missing.map((s) => APT_PACKAGES[s]);
  const why = whyNotAutoInstall();
  if (why) throw missingError(missing, packages, why);
  try {
    await aptInstall(packages);
  } catch (error) {
    throw missingError(missing, packages, `apt-get failed: ${(error as Error).message}`);
  }
  const stillMissing = missing.filter((s) => !isInstalled(s));
  if (stillMissing.length > 0) {
    throw missingError(stillMissing, stillMissing.map((s) => APT_PACKAGES[s]), 'apt-get succeeded but the programs are still not found');
  }
}

function whyNotAutoInstall(): string | undefined {
  if (process.env.QUIESCE_NO_AUTO_INSTALL === '1') return 'QUIESCE_NO_AUTO_INSTALL=1';
  if (process.platform !== 'linux') return `automatic install only works on Debian/Ubuntu (this is ${process.platform})`;
  if (!existsSync(APT_GET)) return 'apt-get is not available';
  if (!isRoot()) return 'not running as root';
  return undefined;
}

function missingError(missing: ServerName[], packages: string[], why: string): Error {
  const lines = missing.map((s) => `  - ${s}: needs ${WHAT_IS_NEEDED[s]}`);
  return new Error(
    `[test-servers] missing server programs:\n${lines.join('\n')}\n`
      + `Install them with:\n  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${packages.join(' ')}\n`
      + `or run .ci/install-servers.sh from the repository root (macOS: brew install postgresql redis rabbitmq mariadb nats-server haproxy).\n`
      + `Not installed automatically: ${why}.`,
  );
}

async function aptInstall(packages: string[]): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // Package scripts would otherwise start system-wide instances on the default
  // ports (5432, 6379, 5672, 3306, 4222, epmd on 4369) where an init system is present.
  // Exit code 101 from policy-rc.d means "action forbidden"; invoke-rc.d and
  // deb-systemd-invoke both honour it.
  const ownPolicy = !existsSync(POLICY_RC_D);
  if (ownPolicy) {
    await writeFile(POLICY_RC_D, '#!/bin/sh\n# written by @quiesce/test-servers during apt-get install\nexit 101\n');
    await chmod(POLICY_RC_D, 0o755);
  }
  try {
    const opts = { env, maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60_000 };
    if (!aptUpdated) {
      await execFileAsync(APT_GET, ['update', '-q'], opts).catch(tailOfOutput);
      aptUpdated = true;
    }
    await execFileAsync(APT_GET, ['install', '-y', '-q', '--no-install-recommends', ...packages], opts).catch(tailOfOutput);
  } finally {
    if (ownPolicy) await rm(POLICY_RC_D, { force: true });
  }
}

function tailOfOutput(error: { stdout?: string; stderr?: string; message: string }): never {
  const output = `${error.stdout ?? ''}\n${error.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
  throw new Error(`${error.message.split('\n')[0]}\n${output}`);
}
