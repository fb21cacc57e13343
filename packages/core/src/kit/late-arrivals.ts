import { ReportWarningCodes } from '../report/warning-codes.js';

/**
 * The last part of the drain in which an arrival means the drain was too short: its last 20 %,
 * and at least its last LATE_WINDOW_MIN_MS. Traffic that still arrives there means the balancers
 * took (nearly) the whole drain to stop routing here, so it had no margin; earlier arrivals are
 * what a drain is for. A share, so a 1 s drain and a 20 s one are judged alike; a floor, so a short
 * drain's window is wide enough to see moderate traffic at all (a 100 ms drain's 20 % is 20 ms:
 * behind HAProxy at ~80 requests/s per replica it missed a replacement whose requests failed).
 */
export const LATE_WINDOW_SHARE = 0.2;
export const LATE_WINDOW_MIN_MS = 100;

/** What a server saw arrive from the shutdown request to its close (see LateArrivals). */
export interface ArrivalCounts {
  /** New requests/connections/calls after the shutdown request (the drain delay included). */
  readonly afterRequest: number;
  /** Of those, how many in the drain's last part (see LATE_WINDOW_SHARE) or after it, before the server closed. */
  readonly late: number;
  /** The drain as it ran: from the shutdown request to the node's quiesce (drainDelayMs, unless cut). */
  readonly drainMs: number;
  /** The length of the drain's last part counted in `late`. */
  readonly windowMs: number;
}

/** What `ctx.warn` is called on (a hook's context). */
export interface Warns {
  warn(code: string, message: string): void;
}

/**
 * Counts what arrives at a server after the shutdown request, so its report can say when the
 * drain delay was shorter than the balancers' propagation lag: if new work still arrived in the
 * last part of the drain, or after it while the listener was still open, the balancers were still
 * routing here when it closed (quiesce itself cannot see that: its stop may be clean, while the
 * clients that arrived a moment later were refused). Times are performance.now(); an arrival is
 * kept only after the request, so a server with no shutdown pays one comparison per arrival
 * (callers on a request path check `counting` first).
 */
export class LateArrivals {
  #requestedAt: number | undefined;
  #drainEndedAt: number | undefined;
  readonly #times: number[] = [];

  /** What is counted, in the warning's words: one and many (`'request', 'requests'`; `'call', 'calls'`). */
  constructor(
    readonly unit: string,
    readonly units: string,
  ) {}

  /** The shutdown was requested: the drain delay begins (ctx.shutdownRequested aborted). */
  requested(at = performance.now()): void {
    this.#requestedAt ??= at;
  }

  /** From the shutdown request on: before it, a caller can skip what it does only to count an arrival (a probe lookup). */
  get counting(): boolean {
    return this.#requestedAt !== undefined;
  }

  /** One new request (connection, call) arrived. Before the shutdown request a no-op: not even the clock is read. */
  arrived(at?: number): void {
    if (this.#requestedAt !== undefined) this.#times.push(at ?? performance.now());
  }

  /** The node's quiesce began: the drain delay is over (for this node). */
  drainEnded(at = performance.now()): void {
    if (this.#requestedAt !== undefined) this.#drainEndedAt ??= at;
  }

  /** The counts so far; undefined when no shutdown was requested or the drain has not ended. */
  counts(): ArrivalCounts | undefined {
    const requestedAt = this.#requestedAt;
    const ended = this.#drainEndedAt;
    if (requestedAt === undefined || ended === undefined) return undefined;
    const drainMs = ended - requestedAt;
    const windowMs = Math.min(drainMs, Math.max(drainMs * LATE_WINDOW_SHARE, LATE_WINDOW_MIN_MS));
    const from = ended - windowMs;
    let late = 0;
    for (const t of this.#times) if (t >= from) late++;
    return { afterRequest: this.#times.length, late, drainMs, windowMs };
  }

  /** Call once the server is closed: warns (QUIESCE_DRAIN_TOO_SHORT) on the node when traffic still arrived late. */
  report(ctx: Warns): ArrivalCounts | undefined {
    const c = this.counts();
    if (c && c.late > 0) ctx.warn(ReportWarningCodes.DrainTooShort, drainTooShortMessage([this.unit, this.units], c));
    return c;
  }
}

/** `37 requests arrived in the last 200 ms of the 1000 ms drain or after it (52 after the shutdown request): …` */
export function drainTooShortMessage([one, many]: readonly [string, string], c: ArrivalCounts): string {
  const ms = (v: number): string => `${Math.round(v)} ms`;
  return (
    `${c.late} ${c.late === 1 ? one : many} arrived in the last ${ms(c.windowMs)} of the ${ms(c.drainMs)} drain or after it, before the listener closed ` +
    `(${c.afterRequest} after the shutdown request): the load balancer was still routing here; raise drainDelayMs above the propagation lag`
  );
}
