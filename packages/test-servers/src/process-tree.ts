import { readdirSync, readFileSync } from 'node:fs';

/** A process identity that survives pid reuse: pid plus its start time in clock ticks. */
export interface ProcessId {
  pid: number;
  startTime: string;
}

interface StatLine {
  pid: number;
  ppid: number;
  state: string;
  startTime: string;
}

// /proc/<pid>/stat is "pid (comm) state ppid ... starttime ..."; comm may itself
// contain spaces and parentheses, so fields are counted from the last ')'.
function readStat(pid: number): StatLine | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, state: fields[0] ?? '?', ppid: Number(fields[1]), startTime: fields[19] ?? '' };
}

/** Identity of a running process, or undefined when it does not exist. */
export function processId(pid: number): ProcessId | undefined {
  if (process.platform !== 'linux') return isAlive(pid) ? { pid, startTime: '' } : undefined;
  const stat = readStat(pid);
  return stat ? { pid, startTime: stat.startTime } : undefined;
}

/**
 * The process and all its descendants, as they are right now (Linux only; elsewhere
 * just the process itself). Taken while a server runs, because once its root exits
 * the grandchildren are re-parented and can no longer be found by ancestry.
 */
export function processTree(rootPid: number): ProcessId[] {
  const root = readStat(rootPid);
  if (!root) return process.platform === 'linux' ? [] : [{ pid: rootPid, startTime: '' }];
  const children = new Map<number, StatLine[]>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [{ pid: root.pid, startTime: root.startTime }];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const list = children.get(stat.ppid) ?? [];
    list.push(stat);
    children.set(stat.ppid, list);
  }
  const result: ProcessId[] = [];
  const queue: StatLine[] = [root];
  while (queue.length > 0) {
    const next = queue.shift()!;
    result.push({ pid: next.pid, startTime: next.startTime });
    queue.push(...(children.get(next.pid) ?? []));
  }
  return result;
}

/**
 * Still running (zombies count as gone: they hold no resources, and whether one is
 * reaped depends on who pid 1 is, not on us).
 */
export function isAlive(id: ProcessId | number): boolean {
  const { pid, startTime } = typeof id === 'number' ? { pid: id, startTime: '' } : id;
  if (process.platform === 'linux') {
    const stat = readStat(pid);
    if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
    return startTime === '' || stat.startTime === startTime;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
