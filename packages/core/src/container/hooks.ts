import type { PhaseContext } from '../engine/node-run.js';
import { HOOK_NAMES } from './hook-table.js';
import type { ShutdownReason } from '../shutdown-reason.js';
import type { Token } from '../token.js';
import type { InFlight } from './in-flight.js';

/** What every lifecycle hook receives: the phase context plus the node's in-flight work counter. */
export interface HookContext extends PhaseContext {
  readonly inFlight: InFlight;
  /**
   * Aborts the moment shutdown is requested — before the drain delay, before any node stops.
   * A resource can keep it from `start` to change behaviour early (an HTTP server answering with
   * `Connection: close` while the load balancer is still draining, say).
   */
  readonly shutdownRequested: AbortSignal;
  /**
   * Why the shutdown happened (a signal, a crash, a failed start's rollback, `app.shutdown()`);
   * undefined while nothing asked for one (a start hook before any shutdown).
   */
  readonly reason: ShutdownReason | undefined;
  /**
   * Put a warning on this node's report line (`NodeReport.warnings`, and `report.warnings` as
   * `<node> <code>: <message>`): something the status alone does not say, that an operator should
   * act on — a drain too short for the traffic still arriving, say. Never makes the report not ok.
   * `code`: a stable `QUIESCE_*`-style word (see ReportWarningCodes). Callable from any hook of
   * the node, also after it returned; the next shutdown report of this run shows it.
   */
  warn(code: string, message: string): void;
  /**
   * Say on this node's report line what its stop did or waited for ("waited for 3 active jobs",
   * "served 12 requests in flight"): the `note` of its `NodeReport`, in the table's "why" column.
   * Notes of one node are joined with "; ". Informational: never makes the report not ok.
   */
  note(text: string): void;
}

/** A node's hooks as data. All optional; each may return a promise. */
export interface LifecycleHooks {
  start?(ctx: HookContext): unknown;
  /** Stop taking new work (close a listener, cancel a consumer). Runs before in-flight work drains. */
  quiesce?(ctx: HookContext): unknown;
  /** Release the resource. Runs after in-flight work drained. */
  stop?(ctx: HookContext): unknown;
  /**
   * What is still open ("2 checkouts still out", "3 unacked deliveries"): called the moment the
   * node's stop time runs out, so the report says what the stop was waiting for.
   */
  pending?(): string | readonly string[] | undefined;
}

type Callable = (ctx: HookContext) => unknown;

function method(instance: unknown, key: PropertyKey): Callable | undefined {
  if (instance === null || (typeof instance !== 'object' && typeof instance !== 'function')) return undefined;
  const fn = (instance as Record<PropertyKey, unknown>)[key];
  return typeof fn === 'function' ? (ctx) => (fn as Callable).call(instance, ctx) : undefined;
}

const NONE: LifecycleHooks = Object.freeze({});

/** Hooks found on an instance: its methods named in the hook table, else TC39 disposal for stop. */
export function hooksOf(instance: unknown): LifecycleHooks {
  let found: Record<string, unknown> | undefined;
  for (const name of HOOK_NAMES) {
    const fn = method(instance, name);
    if (fn) (found ??= {})[name] = fn;
  }
  const dispose = found?.stop === undefined ? (method(instance, Symbol.asyncDispose) ?? method(instance, Symbol.dispose)) : undefined;
  if (dispose) (found ??= {}).stop = dispose;
  // Most injectables have none: share one empty record instead of allocating one per node.
  return (found as LifecycleHooks | undefined) ?? NONE;
}

/** What a node's context needs from its container (the container itself, structurally). */
export interface HookHost {
  inFlight(token: Token): InFlight;
  readonly shutdownRequested: AbortSignal;
  readonly shutdownReason: ShutdownReason | undefined;
}

/**
 * The HookContext a hook receives: the engine's per-run context (signal, deadline) plus what the
 * container adds. A class with getters, allocated once per node and phase (see ARCHITECTURE.md).
 */
export class NodeHookContext implements HookContext {
  constructor(
    private readonly ctx: PhaseContext,
    private readonly host: HookHost,
    private readonly token: Token,
    /** Where `warn` records (the running graph's NodeWarnings, bound to this node). */
    private readonly record: (code: string, message: string) => void,
    /** Where `note` records (the node's remarks for its report line). */
    private readonly remark: (text: string) => void = () => {},
  ) {}
  get name(): string {
    return this.ctx.name;
  }
  get phase(): 'start' | 'stop' {
    return this.ctx.phase;
  }
  get signal(): AbortSignal {
    return this.ctx.signal;
  }
  get aborted(): boolean {
    return this.ctx.aborted;
  }
  get deadline(): number {
    return this.ctx.deadline;
  }
  get inFlight(): InFlight {
    return this.host.inFlight(this.token);
  }
  get shutdownRequested(): AbortSignal {
    return this.host.shutdownRequested;
  }
  get reason(): ShutdownReason | undefined {
    return this.host.shutdownReason;
  }
  warn(code: string, message: string): void {
    this.record(String(code), String(message));
  }
  note(text: string): void {
    this.remark(String(text));
  }
}
