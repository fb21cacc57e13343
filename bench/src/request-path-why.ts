import { fileURLToPath } from 'node:url';
import { startPostgres, startRabbitMQ, type PgServer, type RabbitMQServer } from '@quiesce/test-servers';
import { forkChild, pin, type Child } from './request-path-ipc.js';
import { median } from './timing.js';

/**
 * Where quiesce's request-path cost goes (`node bench/dist/run.js request-path-why`): one process
 * per adapter, wired as in the request-path section, kept under load while one piece of quiesce
 * is switched off and on in 100 ms phases (on off off on …); the CPU per request/query/message of
 * adjacent phases is compared. Same process, heap and connections on both sides, a few hundred ms
 * apart: far less exposed to the rest of the machine than two processes measured in turn.
 *
 * - `als`: core's handle-origins AsyncLocalStorage, which the start's hooks ran in. On Node 20 and
 *   22 an AsyncLocalStorage that has run once keeps an async hook (and promise hooks) enabled
 *   until disable() is called; core only disables its `init` hook after the phase.
 * - `tracker`: the adapter's own per-request work (http: the server's emit wrapper, i.e. request
 *   and response tracking, probes routing, InFlight; pg: the gated `pool.connect`; amqp: the
 *   consumer's delivery path and the publisher's InFlight, against the raw variant's). With it off
 *   the 'connection' / pool event listeners remain, which are per connection, not per request.
 */

export interface WhyRow {
  part: 'http' | 'pg' | 'amqp';
  piece: string;
  /** Median CPU µs per op with the piece on / off, over the phases. */
  onUs: number;
  offUs: number;
  /** Median of the ratios of adjacent on/off phases. */
  ratio: number;
  /** Median of the differences of adjacent on/off phases, µs per op. */
  addedUs: number;
  pairs: number;
}

const PHASES = 80;
const PHASE_MS = 100;
const CALL_MS = 60_000;
const worker = fileURLToPath(new URL('./request-path-worker.js', import.meta.url));
const loader = fileURLToPath(new URL('./request-path-load.js', import.meta.url));
const r = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;

function row(part: WhyRow['part'], piece: string, { on, off }: { on: number[]; off: number[] }): WhyRow {
  const n = Math.min(on.length, off.length);
  const pairs = Array.from({ length: n }, (_, k) => [on[k]!, off[k]!] as const);
  return {
    part,
    piece,
    onUs: r(median(on), 2),
    offUs: r(median(off), 2),
    ratio: r(median(pairs.map(([a, b]) => a / b)), 3),
    addedUs: r(median(pairs.map(([a, b]) => a - b)), 2),
    pairs: n,
  };
}

async function toggled(part: WhyRow['part'], child: Child, pieces: readonly string[], extra: Record<string, unknown>, load?: { child: Child; port: number }): Promise<WhyRow[]> {
  const rows: WhyRow[] = [];
  for (const piece of pieces) {
    const ms = PHASES * (PHASE_MS + 12) + 1_500;
    const loading = load?.child.call({ cmd: 'run', port: load.port, connections: 32, warmMs: 500, ms }, CALL_MS);
    if (loading) await new Promise((resolve) => setTimeout(resolve, 800));
    const phases = await child.call<{ on: number[]; off: number[] }>({ cmd: 'toggle', what: piece, phases: PHASES, phaseMs: PHASE_MS, ...extra }, CALL_MS);
    await loading;
    rows.push(row(part, piece, phases));
  }
  return rows;
}

const pinTo = (child: Child, cpu: number): void => {
  if (process.env.QUIESCE_REQUEST_PATH_PIN !== '0' && child.pid !== undefined) pin(child.pid, cpu);
};

/** `QUIESCE_REQUEST_PATH=http,pg,amqp` picks parts, as in the request-path section (only their servers are started). */
const PARTS = (process.env.QUIESCE_REQUEST_PATH ?? 'http,pg,amqp').split(',').map((p) => p.trim());

export async function requestPathWhy(): Promise<WhyRow[]> {
  const [pgServer, amqpServer] = await Promise.all([PARTS.includes('pg') ? startPostgres() : undefined, PARTS.includes('amqp') ? startRabbitMQ() : undefined] as const);
  const servers: Array<PgServer | RabbitMQServer> = [pgServer, amqpServer].filter((s) => s !== undefined);
  const children: Child[] = [];
  try {
    const rows: WhyRow[] = [];
    if (PARTS.includes('http')) {
      const http = forkChild('http quiesce', worker, ['http', 'quiesce']);
      const load = forkChild('load', loader, []);
      children.push(http, load);
      const { port } = await http.call<{ port: number }>({ cmd: 'ready' }, CALL_MS);
      await load.call({ cmd: 'ready' }, CALL_MS);
      // As in the request-path section: the measured process on CPU 1, its HTTP load on CPU 0.
      pinTo(http, 1);
      pinTo(load, 0);
      rows.push(...(await toggled('http', http, ['als', 'tracker'], {}, { child: load, port })));
    }
    // A client adapter: its quiesce worker on CPU 1, its server (started above) on CPU 0.
    const client = async (part: 'pg' | 'amqp', url: string, extra: Record<string, unknown>): Promise<void> => {
      const child = forkChild(`${part} quiesce`, worker, [part, 'quiesce', url]);
      children.push(child);
      await child.call({ cmd: 'ready' }, CALL_MS);
      pinTo(child, 1);
      rows.push(...(await toggled(part, child, ['als', 'tracker'], extra)));
    };
    if (pgServer) await client('pg', pgServer.url, { concurrency: 32 });
    if (amqpServer) await client('amqp', amqpServer.url, { window: 100 });
    for (const child of children) await child.stop(CALL_MS);
    return rows;
  } finally {
    for (const child of children) child.kill();
    await Promise.allSettled(servers.map((s) => s.stop()));
  }
}
