import { isAlive, processTree, type ProcessId } from './process-tree.js';
import type { TestServer } from './types.js';

/**
 * Faults for the fault tests: they act on the whole process tree of a server this process
 * started, found by the pid its start returned, never by name: other tests keep using the shared
 * servers, and a server given by QUIESCE_*_URL is not ours to hurt.
 */
function treeOf(server: TestServer, what: string): ProcessId[] {
  if (server.external || server.pid === undefined) {
    throw new Error(`[test-servers] ${what}: ${server.url} was not started by this process; refusing to signal it`);
  }
  // Postgres backends and the Erlang VM are children of the pid we hold: signalling the root
  // alone would leave them serving (a SIGSTOPped postmaster does not stop its backends).
  return processTree(server.pid);
}

function signalAll(ids: ProcessId[], signal: NodeJS.Signals): void {
  for (const id of ids) {
    try {
      if (isAlive(id)) process.kill(id.pid, signal);
    } catch {
      // exited between the check and the kill
    }
  }
}

/** SIGSTOP the server and its children: sockets stay open, nothing is answered (a hung host). */
export function freeze(server: TestServer): void {
  signalAll(treeOf(server, 'freeze'), 'SIGSTOP');
}

/** SIGCONT what `freeze` stopped. */
export function thaw(server: TestServer): void {
  signalAll(treeOf(server, 'thaw'), 'SIGCONT');
}

/**
 * SIGKILL the server and its children (a crashed host: the kernel resets every connection) and
 * wait until all of them are gone. `server.stop()` afterwards only cleans up.
 */
export async function crash(server: TestServer, timeoutMs = 5_000): Promise<void> {
  const ids = treeOf(server, 'crash');
  signalAll(ids, 'SIGKILL');
  const end = Date.now() + timeoutMs;
  while (ids.some((id) => isAlive(id))) {
    if (Date.now() > end) throw new Error(`[test-servers] crash: ${server.url} still has processes ${timeoutMs} ms after SIGKILL`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
