import { readFileSync } from 'node:fs';
import { ServerError, type ServerName } from './errors.js';

export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Reads /etc/passwd directly: no `id` process, and no native module. */
export function lookupOsUser(name: string): OsUser | undefined {
  let passwd: string;
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) {
      return { name, uid: Number(uid), gid: Number(gid) };
    }
  }
  return undefined;
}

/**
 * The OS user a database server runs as when the tests run as root (initdb, postgres and mariadbd
 * refuse root), or undefined when they do not. Its Debian package creates it.
 */
export function serverUser(server: ServerName, name: string, refuses: string, debianPackage: string): OsUser | undefined {
  if (!isRoot()) return undefined;
  const user = lookupOsUser(name);
  if (!user) {
    throw new ServerError(server, `running as root but there is no "${name}" OS user to run ${refuses} as `
      + `(installing the Debian ${debianPackage} package creates it; or: useradd --system ${name})`);
  }
  return user;
}
