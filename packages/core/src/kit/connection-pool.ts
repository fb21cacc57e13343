import type { Socket } from 'node:net';
import { onAbort } from '../engine/abort.js';
import { forceAt } from '../engine/force.js';
import { forceCloseConnections, withinBudget } from '../engine/force-close.js';
import type { HookContext } from '../container/hooks.js';
import type { InFlight } from '../container/in-flight.js';
import type { ResourceDefinition } from '../container/registration.js';

// The one start / arm-force / stop sequence of a connection pool whose busy connections hold work
// on the server (pg, mysql2). The adapter gives driver calls only (PoolDriver); the order, the
// force path's timing, what the report says and which error is thrown live here, once.

/** The pool's connections as the adapter tracks them. */
export interface TrackedConnections {
  /** Connections with an open socket. */
  readonly open: { readonly size: number };
  /** From the shutdown request on, a connection that dies is counted as lost. */
  guard(): void;
  /** Set when the force path begins: what dies from then on was cut by us, not lost. */
  forcing: boolean;
  /** Resolves once no socket is open. */
  closed(): Promise<void>;
  readonly lost: number;
  readonly lostCause: unknown;
}

/** Only the driver calls: everything else is the kit's. */
export interface PoolDriver<P extends object, C extends TrackedConnections> {
  /** Begins tracking (connections, checkouts counted in `inFlight`) when the node starts. */
  track(pool: P, inFlight: InFlight, node: string): C;
  /** One round trip that proves the pool can reach its server (`SELECT 1`): a bad config fails start(). */
  probe(pool: P): Promise<void>;
  /** Whether `end()` was already called (by us or the user). */
  ended(pool: P): boolean;
  /** Ends the pool: idle connections close; resolves when the driver says so (its own error adds nothing: lost connections are counted). */
  end(pool: P): Promise<void>;
  /**
   * The force path begins: expect errors on the open connections (a killed connection emits
   * 'error', and unheard that would crash the process) and give the ids of the busy sessions on
   * the server (backend pids, thread ids) to kill.
   */
  beginCut(pool: P, connections: C): readonly number[];
  /** Destroys every socket still open (synchronously). */
  destroyOpen(connections: C): void;
  /**
   * Opens an admin connection with the pool's settings and kills `ids` server-side over it within
   * `budgetMs`; `connecting(socket)` is told its socket synchronously, before any await. Resolves to how many the server
   * confirmed. The kit destroys that socket at the budget, on abort, or when the work settles.
   */
  killBusy(pool: P, ids: readonly number[], budgetMs: number, connecting: (socket: Socket) => void): Promise<number>;
  /** What the pool still holds when the node's time runs out ("2 checkouts still out"). */
  pending(pool: P, connections: C, inFlight: InFlight): string[];
  /** Thrown when the force path ran. */
  forceClosed(node: string, connections: number, killed: number): Error;
  /** Thrown when connections died under the pool after the shutdown request. */
  lost(node: string, lost: number, cause: unknown): Error;
  /** How the report names the admin connection: "the terminate connection". */
  readonly killConnection: string;
  /** The share of the force reserve kept free after the destroy (forceCloseConnections' settleShare). */
  readonly settleShare?: number;
}

export interface PoolResourceOptions<P extends object> {
  /** The node's own options (timeouts, name, policy, …), already validated. */
  readonly lifecycle: Omit<ResourceDefinition<P>, 'value' | 'create'>;
  /** Adopt this pool… */
  readonly pool?: P;
  /** …or build one. */
  readonly create?: () => P;
  /** The end of the node's time kept for the force path, capped at half of it. */
  readonly forceReserveMs: number;
}

interface ForceRun {
  readonly outcome: Promise<{ connections: number; killed: number }>;
  ended: boolean;
  /** The admin connection is open (connecting, or waiting for its answers). */
  killing: boolean;
}

interface PoolState<C> {
  readonly connections: C;
  readonly inFlight: InFlight;
  force?: ForceRun;
  /** Armed once per stop; `reached` resolves when the force path begins (the graceful wait then stops). */
  armed?: ReturnType<typeof forceAt>;
}

/**
 * A connection pool as a lifecycle resource. Start tracks the connections and probes the server.
 * Stop refuses new checkouts (core's InFlight), waits for those out, ends the pool and waits for
 * every socket; `forceReserveMs` before the node's deadline (or when its signal aborts) the busy
 * sessions are killed server-side and every socket destroyed, and the node fails with the
 * driver's ForceClosedError — all before the node is reported.
 */
export function poolResource<P extends object, C extends TrackedConnections>(driver: PoolDriver<P, C>, options: PoolResourceOptions<P>): ResourceDefinition<P> {
  const tracked = new WeakMap<P, PoolState<C>>();

  const arm = (pool: P, ctx: HookContext): void => {
    const state = tracked.get(pool);
    if (!state || state.armed) return;
    state.armed = forceAt(ctx, options.forceReserveMs, () => {
      state.force ??= runForce(driver, pool, state.connections, ctx);
    });
  };

  const definition: ResourceDefinition<P> = {
    ...options.lifecycle,
    start: async (pool, ctx) => {
      const connections = driver.track(pool, ctx.inFlight, ctx.name);
      tracked.set(pool, { connections, inFlight: ctx.inFlight });
      onAbort(ctx.shutdownRequested, () => connections.guard());
      // A node whose start failed or was cut short is never stopped: end the pool here, so a
      // connection that completes after start gave up is closed instead of idling on.
      const abandon = (): void => {
        if (!driver.ended(pool)) void driver.end(pool);
      };
      ctx.signal.addEventListener('abort', abandon, { once: true });
      try {
        await driver.probe(pool);
      } catch (error) {
        abandon();
        throw error;
      } finally {
        ctx.signal.removeEventListener('abort', abandon);
      }
    },
    quiesce: (pool, ctx) => arm(pool, ctx),
    pending: (pool) => {
      const state = tracked.get(pool);
      if (!state) return undefined;
      const pending = [...driver.pending(pool, state.connections, state.inFlight), ...forceUnfinished(state, driver.killConnection)];
      return pending.length > 0 ? pending : undefined;
    },
    stop: async (pool, ctx) => {
      arm(pool, ctx);
      const state = tracked.get(pool);
      if (!state?.armed) return;
      const forceBegun = state.armed.reached;
      try {
        if (!state.force) {
          // The checkouts have drained (core waited), so end() has only idle connections to close.
          if (!driver.ended(pool)) await Promise.race([driver.end(pool), forceBegun]);
          await Promise.race([state.connections.closed(), forceBegun]);
        }
        if (state.force) {
          const { connections, killed } = await state.force.outcome;
          throw driver.forceClosed(ctx.name, connections, killed);
        }
        const { lost, lostCause } = state.connections;
        if (lost > 0) throw driver.lost(ctx.name, lost, lostCause);
      } finally {
        state.armed.cancel();
      }
    },
  };
  // Exactly one of them, as core's resource() requires (the adapter's schema validated it).
  if (options.pool) definition.value = options.pool;
  else definition.create = options.create;
  return definition;
}

const noop = (): void => {};

/**
 * The force path (forceCloseConnections): busy sessions killed over an admin connection, then
 * every socket of ours closed or destroyed by the node's deadline. Ends once every socket, the
 * admin connection's included, has closed. Never rejects (nobody may await it: a drain cut short
 * skips stop).
 */
function runForce<P extends object, C extends TrackedConnections>(driver: PoolDriver<P, C>, pool: P, connections: C, ctx: HookContext): ForceRun {
  const run: { -readonly [K in keyof ForceRun]: ForceRun[K] } = { outcome: undefined as never, ended: false, killing: false };
  const open = connections.open.size;
  run.outcome = (async () => {
    try {
      connections.forcing = true;
      const ids = driver.beginCut(pool, connections);
      if (!driver.ended(pool)) void driver.end(pool).catch(noop);
      let adminClosed: Promise<void> = Promise.resolve();
      const killed = await forceCloseConnections({
        deadline: ctx.deadline,
        signal: ctx.signal,
        settleShare: driver.settleShare,
        destroyOpen: () => driver.destroyOpen(connections),
        closed: () => connections.closed(),
        killBusy:
          ids.length > 0
            ? (budgetMs, signal) => {
                // Not even a connection attempt once the node's time is up.
                if (signal.aborted) return Promise.resolve(0);
                let socket: Socket | undefined;
                const work = driver.killBusy(pool, ids, budgetMs, (s) => {
                  socket = s;
                  run.killing = true;
                  // withinBudget destroys it in every case; 'close' comes within the loop iteration.
                  adminClosed = new Promise<void>((resolve) => s.once('close', () => resolve())).then(() => void (run.killing = false));
                });
                // Unreachable, frozen or not allowed: the sockets are destroyed all the same.
                return withinBudget(budgetMs, signal, () => socket?.destroy(), () => work).catch(() => 0);
              }
            : undefined,
      });
      // Ours too: the force path has ended only once the admin connection has closed.
      await adminClosed;
      return { connections: open, killed };
    } catch {
      return { connections: open, killed: 0 };
    } finally {
      run.ended = true;
    }
  })();
  return run;
}

/**
 * Read when the node's time runs out, before the force path's own abort listeners destroy what is
 * left (at once, synchronously): a force path the deadline caught still running is in the report,
 * with what it still held, instead of ending unseen after it.
 */
function forceUnfinished(state: PoolState<TrackedConnections>, killConnection: string): string[] {
  if (!state.force || state.force.ended) return [];
  const open = state.connections.open.size;
  const held = [...(open > 0 ? [`${open} ${open === 1 ? 'connection' : 'connections'}`] : []), ...(state.force.killing ? [killConnection] : [])];
  return [`force path still running at the deadline${held.length > 0 ? `: ${held.join(' and ')} destroyed then` : ''}`];
}
