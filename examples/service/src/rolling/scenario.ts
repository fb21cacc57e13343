import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startHaproxy, type HaproxyServer } from '@quiesce/test-servers';
import { deleteQueue, publishOrders, waitForOrders } from './order-traffic.js';
import { failed, startPacedLoad, type PacedRequest } from './paced-load.js';
import { Replica, type ReplicaExit } from './replica.js';

export interface RollingOptions {
  /** DATABASE_URL, REDIS_URL, AMQP_URL of the servers all replicas share. */
  urls: { DATABASE_URL: string; REDIS_URL: string; AMQP_URL: string };
  /** 'naive': the replicas run with NAIVE=1 and call process.exit() on SIGTERM. */
  variant: 'quiesce' | 'naive';
  replicas?: number;
  /** How many times every replica is replaced. */
  rounds?: number;
  ratePerSecond?: number;
  /** HAProxy's health-check interval; the drain delay is sized from it. */
  checkIntervalMs?: number;
  shutdownTimeoutMs?: number;
  /** Default: fall × inter + 3 × inter (1000 ms at 200 ms). Shorter than fall × inter shows what a too-short drain does. */
  drainDelayMs?: number;
  /**
   * HAProxy's connect retries on another replica. Default 0, the main verdict: kube-proxy does not
   * retry on another endpoint, and retries hide a closed listener's damage. 2 (+ redispatch) is the
   * kinder balancer, kept beside it.
   */
  balancerRetries?: number;
  /** Order messages published to the shared queue while the deploy runs. */
  orders?: number;
  log?: (line: string) => void;
  /** The service's main.js; by default the one built next to this file (tests run from src pass dist's). */
  entry?: string;
}

export interface Replacement {
  replica: string;
  pid: number;
  exit: ReplicaExit;
  /** Its shutdown report's `ok` (undefined: it printed none, as the naive variant). */
  reportOk: boolean | undefined;
  /** Its shutdown report's warnings: QUIESCE_DRAIN_TOO_SHORT when HAProxy still routed to it as the drain ended. */
  reportWarnings: readonly string[];
  /** From SIGTERM to the old process's exit. */
  exitMs: number;
  /** From SIGTERM until HAProxy reported the replacement UP. */
  replaceMs: number;
  requests: number;
  failed: number;
  worstLatencyMs: number;
}

export interface RollingResult {
  variant: 'quiesce' | 'naive';
  balancerRetries: number;
  queue: string;
  requests: PacedRequest[];
  failed: PacedRequest[];
  replacements: Replacement[];
  /** The last replicas, stopped with SIGTERM once the orders were all applied. */
  finalExits: { replica: string; pid: number; exit: ReplicaExit; reportOk: boolean | undefined; exitMs: number }[];
  /** Every replica process that ran, for checking their server connections afterwards. */
  pids: number[];
  orderIds: string[];
  /** Names of the POSTs sent: each must be one row in `items`. */
  postNames: string[];
  createdIds: number[];
  drainDelayMs: number;
  wallMs: number;
}

const FALL = 2;

/**
 * The rolling deploy: `replicas` service processes behind HAProxy, a paced keep-alive load through
 * it, orders published to the shared queue, and each replica in turn SIGTERMed, awaited, replaced
 * and awaited UP in HAProxy, `rounds` times. The drain delay covers HAProxy's detection time
 * (fall × inter) plus margin: until then HAProxy still routes new requests to the old replica.
 * Returns what happened; the caller asserts. Everything it started is stopped before it returns.
 */
export async function runRollingDeploy(opts: RollingOptions): Promise<RollingResult> {
  const began = performance.now();
  const log = opts.log ?? (() => undefined);
  const count = opts.replicas ?? 3;
  const inter = opts.checkIntervalMs ?? 200;
  const drainDelayMs = opts.drainDelayMs ?? FALL * inter + 3 * inter;
  const retries = opts.balancerRetries ?? 0;
  const shutdownTimeoutMs = opts.shutdownTimeoutMs ?? 8_000;
  const queue = `rolling-${opts.variant}-${Date.now()}-${Math.random().toString(36).slice(2, 7)}`;
  const env = {
    ...opts.urls,
    QUEUE: queue,
    NAIVE: opts.variant === 'naive' ? '1' : '0',
    WORK_MS: '20',
    PREFETCH: '10',
    DRAIN_DELAY_MS: String(drainDelayMs),
    SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
  };
  const entry = opts.entry ?? fileURLToPath(new URL('../main.js', import.meta.url));
  const all: Replica[] = [];
  let serial = 0;
  const spawnReplica = async (slot: number): Promise<{ replica: Replica; port: number }> => {
    const replica = Replica.spawn(`r${slot + 1}.${++serial}`, entry, env);
    all.push(replica);
    return { replica, port: await replica.port() };
  };
  let proxy: HaproxyServer | undefined;
  let load: ReturnType<typeof startPacedLoad> | undefined;
  let publishing: Promise<string[]> | undefined;
  try {
    log(`[${opts.variant}] starting ${count} replicas (drain delay ${drainDelayMs} ms; HAProxy needs up to ${FALL} failed checks × ${inter} ms + one interval to notice, and retries a refused connect ${retries === 0 ? 'never (as kube-proxy)' : `${retries} times on another replica`})`);
    // The first one alone: it creates the tables, and concurrent CREATE TABLE IF NOT EXISTS can collide.
    const current = [await spawnReplica(0)];
    current.push(...(await Promise.all(Array.from({ length: count - 1 }, (_, k) => spawnReplica(k + 1)))));
    proxy = await startHaproxy({ backends: current.map((r) => r.port), checkIntervalMs: inter, fall: FALL, rise: 1, retries });
    for (const [k, r] of current.entries()) await proxy.waitUntilUp(proxy.backendNames[k]!, r.port);
    log(`[${opts.variant}] HAProxy on ${proxy.url} routes to ${current.map((r) => `${r.replica.name}:${r.port}`).join(', ')}`);

    const rate = opts.ratePerSecond ?? 250;
    load = startPacedLoad({ port: proxy.port, ratePerSecond: rate, clients: 16, maxTotal: rate * 120, namePrefix: queue });
    publishing = publishOrders(opts.urls.AMQP_URL, queue, opts.orders ?? 300, 100);
    log(`[${opts.variant}] load: ${rate} requests/s over 16 keep-alive connections; ${opts.orders ?? 300} orders into queue ${queue}`);
    await sleep(1_000);

    const replacements: Replacement[] = [];
    for (let round = 1; round <= (opts.rounds ?? 2); round++) {
      for (let slot = 0; slot < count; slot++) {
        const old = current[slot]!;
        const name = proxy.backendNames[slot]!;
        const signalledAt = old.replica.signal('SIGTERM');
        log(`[${opts.variant}] round ${round}: SIGTERM ${old.replica.name} (pid ${old.replica.pid})`);
        const exit = await old.replica.exited;
        log(`[${opts.variant}] round ${round}: ${old.replica.name} exited ${exit.code ?? exit.signal} after ${Math.round(exit.at - signalledAt)} ms; starting its replacement`);
        const next = await spawnReplica(slot);
        await proxy.setBackend(name, next.port);
        await proxy.waitUntilUp(name, next.port);
        const upAt = performance.now();
        current[slot] = next;
        const during = load.done.filter((r) => r.startedAt >= signalledAt && r.startedAt <= upAt);
        const replacement: Replacement = {
          replica: old.replica.name,
          pid: old.replica.pid,
          exit,
          reportOk: old.replica.reportOk(),
          reportWarnings: old.replica.reportWarnings(),
          exitMs: exit.at - signalledAt,
          replaceMs: upAt - signalledAt,
          requests: during.length,
          failed: during.filter(failed).length,
          worstLatencyMs: Math.max(0, ...during.map((r) => r.latencyMs)),
        };
        replacements.push(replacement);
        log(`[${opts.variant}] round ${round}: ${next.replica.name} UP in HAProxy ${Math.round(replacement.replaceMs)} ms after the SIGTERM; ${replacement.requests} requests meanwhile, ${replacement.failed} failed, worst latency ${Math.round(replacement.worstLatencyMs)} ms`);
      }
    }
    await sleep(500);
    const requests = await load.stop();
    load = undefined;
    const orderIds = await publishing;
    publishing = undefined;
    log(`[${opts.variant}] load stopped: ${requests.length} requests, ${requests.filter(failed).length} failed; waiting for the orders to be applied`);
    await waitForOrders(opts.urls.DATABASE_URL, orderIds);

    const finalExits = await Promise.all(current.map(async ({ replica }) => {
      const at = replica.signal('SIGTERM');
      const exit = await replica.exited;
      return { replica: replica.name, pid: replica.pid, exit, reportOk: replica.reportOk(), exitMs: exit.at - at };
    }));
    log(`[${opts.variant}] final replicas stopped: exit codes ${finalExits.map((e) => e.exit.code ?? e.exit.signal).join(', ')}`);
    const posts = requests.filter((r) => r.kind === 'POST');
    return {
      variant: opts.variant,
      balancerRetries: retries,
      queue,
      requests,
      failed: requests.filter(failed),
      replacements,
      finalExits,
      pids: all.map((r) => r.pid),
      orderIds,
      postNames: posts.map((r) => r.target),
      createdIds: posts.flatMap((r) => (r.id === undefined ? [] : [r.id])),
      drainDelayMs,
      wallMs: performance.now() - began,
    };
  } finally {
    await load?.stop();
    await publishing?.catch(() => undefined);
    for (const r of all) r.kill();
    await proxy?.stop();
    await deleteQueue(opts.urls.AMQP_URL, queue).catch(() => undefined);
  }
}
