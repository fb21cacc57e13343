import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import net from 'node:net';

/**
 * TCP sockets this process holds to 127.0.0.1:`port` (Linux): inodes of our socket fds that
 * /proc/net/tcp lists with that remote port. Independent of any driver's own bookkeeping, which
 * is what an adapter test needs to prove "every socket closed".
 */
export function socketsTo(port: number): number {
  const ours = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) ours.add(m[1]!);
    } catch {
      // fd closed between readdir and readlink
    }
  }
  let count = 0;
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const remotePort = parseInt(cols[2]!.split(':')[1]!, 16);
      if (remotePort === port && ours.has(cols[9]!)) count++;
    }
  }
  return count;
}

/** A port nothing listens on (bound, then released). */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Poll until `check` returns true or `timeoutMs` passes; returns the elapsed ms, or -1 when it never held. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<number> {
  const began = performance.now();
  for (;;) {
    if (await check()) return performance.now() - began;
    if (performance.now() - began > timeoutMs) return -1;
    await new Promise((r) => setTimeout(r, 20));
  }
}
