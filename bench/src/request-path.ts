import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processTree, startPostgres, startRabbitMQ, type PgServer, type RabbitMQServer } from '@quiesce/test-servers';
import { foreignCores, sampleCpu } from './foreign-cpu.js';
import { forkChild, pin, type Child } from './request-path-ipc.js';
import type { TargetCheck } from './targets.js';
import { median } from './timing.js';

/**
 * What quiesce costs on the request path, side by side in one run (`node bench/dist/run.js
 * request-path`): requests/s through `@quiesce/http` against a bare `http.Server`,
 * http-terminator and stoppable; queries/s through `@quiesce/pg` against a raw `pg.Pool`;
 * messages/s through `@quiesce/amqp` against raw amqplib. Two more variants in each part:
 * `quiesce:origins-off` (the same wiring with the container option `handleOrigins: 'off'`) and
 * `baseline again` (the baseline in a second process: the A/A control, whose distance from 1 is
 * what this run's noise makes of no difference at all).
 *
 * Every variant runs in a fresh process of its own each round (request-path-worker.ts); HTTP load
 * comes from another process (request-path-load.ts). Variants take turns in rounds (the order
 * rotates every round) and only one is loaded at a time; each slice is preceded by an uncounted
 * warm-up of the same variant; each round's ratio to the baseline is taken within the round. Rounds in which other processes used more than QUIET_CORES of the machine (/proc/stat
 * minus this process tree: foreign-cpu.ts) are told apart; the ROUNDS least disturbed are used.
 * Reported: each variant's median rate, the median of its per-round ratios to the baseline with
 * their min–max, and the CPU time its process spent per request/query/message.
 *
 * `QUIESCE_REQUEST_PATH=http,pg,amqp` picks parts; `QUIESCE_REQUEST_PATH_ROUNDS` (11 quiet
 * rounds wanted), `QUIESCE_REQUEST_PATH_WARM_MS` (500) and `QUIESCE_REQUEST_PATH_SLICE_MS` (200:
 * each variant's counted time per round) size the run; `QUIESCE_REQUEST_PATH_PIN=0` leaves CPU
 * placement to the scheduler; `QUIESCE_REQUEST_PATH_DEBUG=1` prints every round;
 * `QUIESCE_REQUEST_PATH_BEFORE` adds another build's quiesce (see BEFORE).
 */

export interface RequestPathRow {
  part: 'http' | 'pg' | 'amqp';
  variant: string;
  /** Median over the rounds: requests, queries or messages per second. */
  perSecond: number;
  /** Median of the per-round ratios of its rate to the baseline's (1 for the baseline itself). */
  ratio: number;
  ratioMin: number;
  ratioMax: number;
  /** Median CPU time of the variant's process per request/query/message, µs. */
  cpuUsPerOp: number;
  /** Median of the per-round ratios of its CPU per op to the baseline's. */
  cpuRatio: number;
  /** Median of the per-round differences of its CPU per op from the baseline's, µs: what it adds to each request/query/message. */
  cpuAddedUs: number;
  /** HTTP: median share of one core the server process used while loaded. */
  serverCpu?: number;
  /** Rounds used, of those run, and how many of the used ones were quiet. */
  rounds: string;
  /** Of the rounds used, those in which other processes used at most QUIET_CORES. */
  quietRounds: number;
  /** The most CPU (cores) other processes took during a used round. */
  foreignMax: number;
}

const ROUNDS = Number(process.env.QUIESCE_REQUEST_PATH_ROUNDS ?? 11);
const SLICE_MS = Number(process.env.QUIESCE_REQUEST_PATH_SLICE_MS ?? 200);
const PARTS = (process.env.QUIESCE_REQUEST_PATH ?? 'http,pg,amqp').split(',').map((p) => p.trim());
/** The target of issue #27: each adapter within 3 % of its baseline's throughput. */
export const MAX_OVERHEAD = 0.03;

const HTTP_CONNECTIONS = 32;
/** Before every measured slice, the same variant under the same load, not counted. */
const WARM_MS = Number(process.env.QUIESCE_REQUEST_PATH_WARM_MS ?? 500);
const PG_CONCURRENCY = 32;
const AMQP_WINDOW = 100;
/**
 * The measured process's main thread runs on CPU 1; the HTTP load generator, PostgreSQL and
 * RabbitMQ on CPU 0 (`taskset`; off with QUIESCE_REQUEST_PATH_PIN=0). Left to the scheduler, a
 * server sometimes shared a core with its load for a whole slice (A/A controls of 1.08–1.5 on an
 * idle machine). Only the main thread: a fresh process's compiler and GC threads pinned beside
 * it doubled its CPU per request and its spread.
 */
const PIN = process.env.QUIESCE_REQUEST_PATH_PIN !== '0' && (await import('node:os')).availableParallelism() >= 2;
const MEASURED_CPU = PIN ? 1 : undefined;
const LOAD_CPU = PIN ? 0 : undefined;
const CALL_MS = 30_000; // no single call of the bench outlives this

const worker = fileURLToPath(new URL('./request-path-worker.js', import.meta.url));
const loader = fileURLToPath(new URL('./request-path-load.js', import.meta.url));

interface Sample {
  perSecond: number;
  cpuUsPerOp: number;
  serverCpu?: number;
}

const r = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** A round in which the rest of the machine took more than this share of a core is "disturbed". */
export const QUIET_CORES = 0.05;
/** Rounds go on until ROUNDS quiet ones are in, or until the part's budget is spent (and MIN_ROUNDS are in). */
const BUDGET_MS = { http: 60_000, pg: 35_000, amqp: 35_000 } as const;
const MIN_ROUNDS = 5;

interface Round {
  /** By variant, baseline first. */
  samples: Sample[];
  /** Cores' worth of CPU other processes used during the round. */
  foreign: number;
}

/** Display name, the worker's arguments, and the worker script when not this build's. */
type Variant = readonly [name: string, args: readonly string[], script?: string];

/**
 * `QUIESCE_REQUEST_PATH_BEFORE=<another checkout>/bench/dist`: its `quiesce` worker runs as one
 * more variant, `quiesce (before)`, in the same rounds — a change measured against the code it
 * replaces, side by side (that checkout built, its packages its own).
 */
const BEFORE = process.env.QUIESCE_REQUEST_PATH_BEFORE;
const BEFORE_VARIANT = 'quiesce (before)';
const before = (args: readonly string[]): Variant[] => (BEFORE ? [[BEFORE_VARIANT, args, resolve(BEFORE, 'request-path-worker.js')]] : []);

/** One part of the section: its variants (baseline first) and how a slice of one is measured. */
interface Part {
  part: RequestPathRow['part'];
  variants: readonly Variant[];
  /** After a variant's process answered 'ready' (with this reply). */
  ready?(child: Child, reply: Record<string, unknown>): void;
  /** One slice: an uncounted warm-up of the variant, then the counted time. */
  measure(child: Child): Promise<Sample>;
  /** Before a variant's process is stopped. */
  release?(child: Child): Promise<void>;
}

/**
 * Rounds in which every variant (the baseline too) runs in a **fresh process** for one slice, the
 * order rotated every round; each variant's ratio is taken against the baseline's slice of the
 * same round. Fresh processes because one process keeps its speed for its whole life: identical
 * servers started side by side differed by up to 25 % CPU per request, for the whole run (an
 * A/A control of 0.80 on an idle machine), so a variant measured in one process measures that
 * process's luck as much as the variant. Every slice begins with an uncounted warm-up (JIT,
 * pool connections). Rounds go on until ROUNDS quiet ones are in, or the part's budget is spent
 * (then the ROUNDS least disturbed ones are used). Each variant's own graceful stop ends its
 * process (quiesce's `app.shutdown()` must report ok).
 */
async function rounds(p: Part, roots: readonly number[]): Promise<RequestPathRow[]> {
  const all: Round[] = [];
  const quiet = (list: readonly Round[]): number => list.filter((round) => round.foreign <= QUIET_CORES).length;
  const deadline = performance.now() + BUDGET_MS[p.part];
  for (let k = 0; quiet(all) < ROUNDS && (performance.now() < deadline || all.length < MIN_ROUNDS); k++) {
    const children = p.variants.map(([name, args, script]) => forkChild(name, script ?? worker, args));
    try {
      const replies = await Promise.all(children.map((child) => child.call<Record<string, unknown>>({ cmd: 'ready' }, CALL_MS)));
      children.forEach((child, i) => {
        if (MEASURED_CPU !== undefined && child.pid !== undefined) pin(child.pid, MEASURED_CPU);
        p.ready?.(child, replies[i]!);
      });
      const samples: Sample[] = new Array(children.length);
      const from = sampleCpu(roots);
      for (let j = 0; j < children.length; j++) {
        const i = (j + k) % children.length;
        samples[i] = await p.measure(children[i]!);
      }
      const foreign = foreignCores(from, sampleCpu(roots)) ?? 0;
      all.push({ samples, foreign });
      if (process.env.QUIESCE_REQUEST_PATH_DEBUG) {
        console.log(`${p.part} ${String(k).padStart(2)} others ${foreign.toFixed(2)}  ${samples.map((x) => `${Math.round(x.perSecond)}/s ${x.cpuUsPerOp.toFixed(1)}µs ${(x.perSecond / samples[0]!.perSecond).toFixed(3)}`).join(' | ')}`);
      }
      for (const child of children) {
        await p.release?.(child);
        await child.stop(CALL_MS);
      }
    } finally {
      for (const child of children) child.kill();
    }
  }
  const used = [...all].sort((a, b) => a.foreign - b.foreign).slice(0, ROUNDS);
  return p.variants.map(([name], i) => {
    const own = used.map((round) => round.samples[i]!);
    const ratios = used.map((round) => round.samples[i]!.perSecond / round.samples[0]!.perSecond);
    const cpuRatios = used.map((round) => round.samples[i]!.cpuUsPerOp / round.samples[0]!.cpuUsPerOp);
    const cpuAdded = used.map((round) => round.samples[i]!.cpuUsPerOp - round.samples[0]!.cpuUsPerOp);
    return {
      part: p.part,
      variant: name,
      perSecond: Math.round(median(own.map((s) => s.perSecond))),
      ratio: r(median(ratios), 3),
      ratioMin: r(Math.min(...ratios), 3),
      ratioMax: r(Math.max(...ratios), 3),
      cpuUsPerOp: r(median(own.map((s) => s.cpuUsPerOp)), 2),
      cpuRatio: r(median(cpuRatios), 3),
      cpuAddedUs: r(median(cpuAdded), 2),
      ...(own[0]!.serverCpu === undefined ? {} : { serverCpu: r(median(own.map((s) => s.serverCpu!)), 2) }),
      rounds: `${used.length} of ${all.length} (${quiet(used)} quiet)`,
      quietRounds: quiet(used),
      foreignMax: r(Math.max(...used.map((round) => round.foreign)), 3),
    };
  });
}

/** The same build as the baseline in a second process: its ratio is what this run's noise alone makes of "no difference". */
export const CONTROL = 'baseline again';

async function httpPart(roots: readonly number[]): Promise<RequestPathRow[]> {
  const load = forkChild('load', loader, []);
  try {
    await load.call({ cmd: 'ready' }, CALL_MS);
    if (LOAD_CPU !== undefined && load.pid !== undefined) pin(load.pid, LOAD_CPU);
    const ports = new Map<Child, number>();
    type Mark = { cpuUs: number; requests: number };
    const rows = await rounds(
      {
        part: 'http',
        variants: [...['bare', 'quiesce', 'quiesce:origins-off', 'http-terminator', 'stoppable'].map((v): Variant => [v, ['http', v]]), ...before(['http', 'quiesce']), [CONTROL, ['http', 'bare']]],
        ready: (server, reply) => ports.set(server, reply.port as number),
        measure: async (server) => {
          const before = await server.call<Mark>({ cmd: 'mark' }, CALL_MS);
          const began = performance.now();
          const run = await load.call<{ requests: number; elapsedMs: number; failed: number }>({ cmd: 'run', port: ports.get(server), connections: HTTP_CONNECTIONS, warmMs: WARM_MS, ms: SLICE_MS }, CALL_MS);
          const wall = performance.now() - began;
          const after = await server.call<Mark>({ cmd: 'mark' }, CALL_MS);
          if (run.failed > 0) throw new Error(`http ${server.name}: ${run.failed} failed responses`);
          const cpu = after.cpuUs - before.cpuUs;
          // CPU per request over warm-up and counted time together (both under the same load).
          return { perSecond: (run.requests / run.elapsedMs) * 1000, cpuUsPerOp: cpu / (after.requests - before.requests), serverCpu: cpu / 1000 / wall };
        },
        release: async (server) => {
          await load.call({ cmd: 'forget', port: ports.get(server) }, CALL_MS);
          ports.delete(server);
        },
      },
      roots,
    );
    await load.stop(CALL_MS);
    return rows;
  } finally {
    load.kill();
  }
}

function clientPart(part: 'pg' | 'amqp', url: string, roots: readonly number[], run: Record<string, unknown>): Promise<RequestPathRow[]> {
  return rounds(
    {
      part,
      variants: [...['raw', 'quiesce', 'quiesce:origins-off'].map((v): Variant => [v, [part, v, url]]), ...before([part, 'quiesce', url]), [CONTROL, [part, 'raw', url]]],
      measure: async (child) => {
        const result = await child.call<{ ops: number; elapsedMs: number; cpuUs: number }>({ cmd: 'run', ...run }, CALL_MS);
        return { perSecond: (result.ops / result.elapsedMs) * 1000, cpuUsPerOp: result.cpuUs / result.ops };
      },
    },
    roots,
  );
}

const progress = (what: string): void => {
  if (process.env.QUIESCE_REQUEST_PATH_DEBUG) console.log(`[request-path ${(performance.now() / 1000).toFixed(1)} s] ${what}`);
};

export async function requestPath(): Promise<RequestPathRow[]> {
  const wants = (part: string): boolean => PARTS.includes(part);
  progress('starting servers');
  // Started before anything is loaded: RabbitMQ's boot (5–15 s of CPU) must not land in a round.
  const [pgServer, amqpServer] = await Promise.all([wants('pg') ? startPostgres() : undefined, wants('amqp') ? startRabbitMQ() : undefined] as const);
  const servers: Array<PgServer | RabbitMQServer> = [pgServer, amqpServer].filter((s) => s !== undefined);
  try {
    const rows: RequestPathRow[] = [];
    const roots = servers.flatMap((s) => (s.pid === undefined ? [] : [s.pid]));
    // PostgreSQL and RabbitMQ (every process and thread they have; backends forked later inherit
    // it) on the CPU the measured process is not on, as the HTTP load generator is.
    if (LOAD_CPU !== undefined) for (const root of roots) for (const { pid } of processTree(root)) pin(pid, LOAD_CPU, true);
    progress('http');
    if (wants('http')) rows.push(...(await httpPart(roots)));
    progress('pg');
    if (pgServer) rows.push(...(await clientPart('pg', pgServer.url, roots, { warmMs: WARM_MS, ms: SLICE_MS, concurrency: PG_CONCURRENCY })));
    progress('amqp');
    if (amqpServer) rows.push(...(await clientPart('amqp', amqpServer.url, roots, { warmMs: WARM_MS, ms: SLICE_MS, window: AMQP_WINDOW })));
    progress('stopping servers');
    return rows;
  } finally {
    await Promise.allSettled(servers.map((s) => s.stop()));
    progress('done');
  }
}

const UNIT = { http: 'req/s', pg: 'queries/s', amqp: 'msgs/s' } as const;

/** The printed table: one row per variant. */
export function requestPathTable(rows: readonly RequestPathRow[]): object[] {
  return rows.map((row) => ({
    part: row.part,
    variant: row.variant,
    [`median /s`]: `${row.perSecond.toLocaleString('en-US')} ${UNIT[row.part]}`,
    'ratio to baseline': row.variant === baselineOf(row.part) ? 'baseline' : row.ratio.toFixed(3),
    'per-round min–max': row.variant === baselineOf(row.part) ? '' : `${row.ratioMin.toFixed(3)}–${row.ratioMax.toFixed(3)}`,
    'CPU µs/op': row.cpuUsPerOp.toFixed(2),
    'CPU/op ratio': row.variant === baselineOf(row.part) ? 'baseline' : row.cpuRatio.toFixed(3),
    'CPU added/op': row.variant === baselineOf(row.part) ? '' : `${row.cpuAddedUs >= 0 ? '+' : ''}${row.cpuAddedUs.toFixed(2)} µs`,
    ...(row.serverCpu === undefined ? {} : { 'server CPU': `${Math.round(row.serverCpu * 100)} %` }),
    rounds: row.rounds,
    'others\' CPU (max)': `${Math.round(row.foreignMax * 100)} %`,
  }));
}

const baselineOf = (part: RequestPathRow['part']): string => (part === 'http' ? 'bare' : 'raw');

/** Quiet rounds a verdict needs: with fewer, the ratios are mostly the other processes' doing. */
export const MIN_QUIET_ROUNDS = 5;

/**
 * quiesce's throughput ≥ (1 − 3 %) × the baseline's in each part (median of the per-round ratios),
 * on a run that can tell 3 % apart: at least MIN_QUIET_ROUNDS of its rounds quiet, and its A/A
 * control (the baseline in a second process) within 3 % of 1. A run that is not (other processes
 * took the machine) is reported as not met, "inconclusive", whatever quiesce's own ratio says.
 */
export function requestPathTargets(rows: readonly RequestPathRow[]): TargetCheck[] {
  return rows
    .filter((row) => row.variant === 'quiesce')
    .map((row) => {
      const control = rows.find((c) => c.part === row.part && c.variant === CONTROL);
      const quietEnough = row.quietRounds >= MIN_QUIET_ROUNDS;
      const controlled = control === undefined || Math.abs(control.ratio - 1) <= MAX_OVERHEAD;
      const conclusive = quietEnough && controlled;
      const why = !quietEnough ? `only ${row.quietRounds} quiet rounds` : `A/A control off by more than ${MAX_OVERHEAD * 100} %`;
      return {
        target: `request path ${row.part}: @quiesce/${row.part} ≥ ${1 - MAX_OVERHEAD} × ${baselineOf(row.part)} ${UNIT[row.part]}`,
        measured:
          `${row.ratio.toFixed(3)} (rounds ${row.ratioMin.toFixed(3)}–${row.ratioMax.toFixed(3)}), CPU/op ${row.cpuRatio.toFixed(3)}× (${row.cpuAddedUs >= 0 ? '+' : ''}${row.cpuAddedUs.toFixed(2)} µs)` +
          (control ? `; A/A control ${control.ratio.toFixed(3)}` : '') +
          (conclusive ? '' : `; inconclusive (${why}: the machine was not quiet)`),
        met: conclusive && row.ratio >= 1 - MAX_OVERHEAD,
      };
    });
}
