import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { ServerName } from './errors.js';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  createdb: string;
}

export interface RedisBinaries {
  redisServer: string;
}

export interface RabbitMQBinaries {
  /** The real start script, not Debian's /usr/sbin wrapper (which su's to the rabbitmq user and redirects logs). */
  server: string;
  ctl: string;
  epmd: string;
}

function onPath(name: string, extraDirs: string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), ...extraDirs];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

function inDir(dir: string, names: string[]): boolean {
  return names.every((name) => existsSync(path.join(dir, name)));
}

// Debian/Ubuntu keep the server binaries out of PATH, one directory per major version.
function debianPostgresBinDirs(): string[] {
  try {
    return readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
      .map((v) => `/usr/lib/postgresql/${v}/bin`);
  } catch {
    return [];
  }
}

export function findPostgres(): PostgresBinaries | undefined {
  const names = ['initdb', 'postgres', 'createdb'];
  const fromEnv = process.env.QUIESCE_PG_BINDIR;
  const candidates = [...(fromEnv ? [fromEnv] : []), ...debianPostgresBinDirs()];
  let dir = candidates.find((d) => inDir(d, names));
  if (!dir) {
    const initdb = onPath('initdb');
    if (initdb && inDir(path.dirname(initdb), names)) dir = path.dirname(initdb);
  }
  if (!dir) return undefined;
  return { initdb: path.join(dir, 'initdb'), postgres: path.join(dir, 'postgres'), createdb: path.join(dir, 'createdb') };
}

export function findRedis(): RedisBinaries | undefined {
  const redisServer = onPath('redis-server', ['/usr/bin', '/usr/local/bin', '/opt/homebrew/bin']);
  return redisServer ? { redisServer } : undefined;
}

export function findRabbitMQ(): RabbitMQBinaries | undefined {
  const libDir = '/usr/lib/rabbitmq/bin';
  const sbinDirs = ['/usr/local/sbin', '/opt/homebrew/sbin'];
  const server = existsSync(path.join(libDir, 'rabbitmq-server'))
    ? path.join(libDir, 'rabbitmq-server')
    : onPath('rabbitmq-server', sbinDirs);
  const ctl = existsSync(path.join(libDir, 'rabbitmqctl')) ? path.join(libDir, 'rabbitmqctl') : onPath('rabbitmqctl', sbinDirs);
  const epmd = onPath('epmd', ['/usr/lib/erlang/bin', '/usr/local/bin', '/opt/homebrew/bin']);
  return server && ctl && epmd ? { server, ctl, epmd } : undefined;
}

export interface MariaDBBinaries {
  server: string;
  installDb: string;
}

export interface NatsBinaries {
  server: string;
}

// Debian keeps mariadbd in /usr/sbin (not on a non-root PATH); mysqld/mysql_install_db are the old names.
export function findMariaDB(): MariaDBBinaries | undefined {
  const sbin = ['/usr/sbin', '/usr/local/sbin', '/opt/homebrew/bin'];
  const server = onPath('mariadbd', sbin) ?? onPath('mysqld', sbin);
  const installDb = onPath('mariadb-install-db', sbin) ?? onPath('mysql_install_db', sbin);
  return server && installDb ? { server, installDb } : undefined;
}

// Debian installs nats-server in /usr/sbin.
export function findNats(): NatsBinaries | undefined {
  const server = onPath('nats-server', ['/usr/sbin', '/usr/bin', '/usr/local/bin', '/opt/homebrew/bin']);
  return server ? { server } : undefined;
}

export interface HaproxyBinaries {
  server: string;
}

// Debian installs haproxy in /usr/sbin.
export function findHaproxy(): HaproxyBinaries | undefined {
  const server = onPath('haproxy', ['/usr/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/sbin', '/opt/homebrew/bin']);
  return server ? { server } : undefined;
}

export function isInstalled(server: ServerName): boolean {
  switch (server) {
    case 'postgres':
      return findPostgres() !== undefined;
    case 'redis':
      return findRedis() !== undefined;
    case 'rabbitmq':
      return findRabbitMQ() !== undefined;
    case 'mariadb':
      return findMariaDB() !== undefined;
    case 'nats':
      return findNats() !== undefined;
    case 'haproxy':
      return findHaproxy() !== undefined;
  }
}
