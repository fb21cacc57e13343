import { readdir, readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isAlive, processId, type ProcessId } from './process-tree.js';

const PREFIX = 'quiesce-';
const OWNER_FILE = '.quiesce-owner';
const KINDS = /^quiesce-(pg|redis|rabbitmq|mariadb|nats|haproxy)-/;

let swept: Promise<void> | undefined;

/**
 * A fresh temp dir that records which process owns it. A test run killed with
 * SIGKILL takes its servers with it (death signal) but cannot remove their data
 * dirs; the next run removes dirs whose owner is gone.
 */
export async function makeTempDir(server: 'pg' | 'redis' | 'rabbitmq' | 'mariadb' | 'nats' | 'haproxy'): Promise<string> {
  await (swept ??= sweepStaleTempDirs().catch(() => undefined));
  const dir = await mkdtemp(path.join(tmpdir(), `${PREFIX}${server}-`));
  const self = processId(process.pid);
  if (self) await writeFile(path.join(dir, OWNER_FILE), JSON.stringify(self));
  return dir;
}

export async function removeTempDir(dir: string): Promise<void> {
  // maxRetries: a process that just exited may still be closing files in it.
  await rm(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
}

async function sweepStaleTempDirs(): Promise<void> {
  const base = tmpdir();
  for (const name of await readdir(base)) {
    if (!KINDS.test(name)) continue;
    const dir = path.join(base, name);
    let owner: ProcessId;
    try {
      owner = JSON.parse(await readFile(path.join(dir, OWNER_FILE), 'utf8')) as ProcessId;
    } catch {
      continue; // Not ours to judge (no owner record, or unreadable).
    }
    if (!isAlive(owner)) await removeTempDir(dir);
  }
}
