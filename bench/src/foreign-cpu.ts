import { readdirSync, readFileSync } from 'node:fs';

/**
 * How much CPU the rest of the machine took while the bench measured: every CPU's busy time
 * (/proc/stat user + nice + system, plus steal: time the hypervisor gave to another guest) minus
 * what the bench's own processes used (this process and every descendant: the variants' workers,
 * the load generator, the database and broker it started). On a shared 2-core machine another
 * process's burst lands in one variant's slice and not in the next one's; a round it touched
 * can then be told apart from a quiet one. Linux only (elsewhere `sample` returns undefined).
 */

const TICKS_PER_SECOND = 100; // USER_HZ: the unit of /proc/stat and /proc/<pid>/stat on Linux

export interface CpuSample {
  /** Busy time of the whole machine, ticks. */
  machine: number;
  /** Of which the bench's own process tree, ticks. */
  ours: number;
  at: number;
}

function machineBusy(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , , , steal = 0] = fields;
  return user + nice + system + steal;
}

/** utime + stime of every process in the trees under `roots` (this process always included). */
function treeBusy(roots: readonly number[]): number {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // "pid (comm) state ppid ... utime stime ...": comm may hold spaces, so count from the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    stats.set(Number(entry), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
  }
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of stats) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const seen = new Set<number>();
  const queue = [process.pid, ...roots];
  let ticks = 0;
  while (queue.length > 0) {
    const pid = queue.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    ticks += stats.get(pid)?.ticks ?? 0;
    queue.push(...(children.get(pid) ?? []));
  }
  return ticks;
}

export function sampleCpu(roots: readonly number[] = []): CpuSample | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    return { machine: machineBusy(), ours: treeBusy(roots), at: performance.now() };
  } catch {
    return undefined;
  }
}

/** Cores' worth of CPU (0.1 = a tenth of one core on average) that others used between the two samples. */
export function foreignCores(from: CpuSample | undefined, to: CpuSample | undefined): number | undefined {
  if (!from || !to) return undefined;
  const seconds = (to.at - from.at) / 1000;
  const foreign = to.machine - from.machine - (to.ours - from.ours);
  return Math.max(0, foreign) / TICKS_PER_SECOND / seconds;
}
