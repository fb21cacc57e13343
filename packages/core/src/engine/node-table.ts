import { LIMITS, STATUSES, type NodeOutcome, type WalkResult, type WalkStatus } from './walk-types.js';

/**
 * One walk's per-node state as typed arrays over a single buffer: one off-heap allocation per walk
 * instead of nine (ARCHITECTURE.md, performance: nine of them triggered GC marking steps of up to
 * ~4 ms before a shutdown's first stop). Widest element type first keeps every view aligned.
 */
export class NodeTable {
  readonly beganAt: Float64Array;
  readonly endedAt: Float64Array;
  /** Configured and effective timeouts, read when a node begins (NaN until then). */
  readonly timeout: Float64Array;
  readonly allowed: Float64Array;
  readonly remaining: Int32Array;
  readonly gatedBy: Int32Array;
  readonly state: Uint8Array;
  readonly status: Uint8Array;
  readonly limit: Uint8Array;
  readonly errors = new Map<number, unknown>();
  readonly reasons = new Map<number, string>();

  constructor(n: number) {
    const f64 = 8 * n;
    const i32 = 4 * n;
    const buffer = new ArrayBuffer(4 * f64 + 2 * i32 + 3 * n);
    this.beganAt = new Float64Array(buffer, 0, n).fill(NaN);
    this.endedAt = new Float64Array(buffer, f64, n).fill(NaN);
    this.timeout = new Float64Array(buffer, 2 * f64, n).fill(NaN);
    this.allowed = new Float64Array(buffer, 3 * f64, n).fill(NaN);
    this.remaining = new Int32Array(buffer, 4 * f64, n);
    this.gatedBy = new Int32Array(buffer, 4 * f64 + i32, n).fill(-1);
    this.state = new Uint8Array(buffer, 4 * f64 + 2 * i32, n);
    this.status = new Uint8Array(buffer, 4 * f64 + 2 * i32 + n, n).fill(3);
    this.limit = new Uint8Array(buffer, 4 * f64 + 2 * i32 + 2 * n, n);
  }

  /** The walk's answer: counts at once, one outcome record per node only when first read. */
  result(timeoutMs: (i: number) => number, beganAt: number, halted: boolean, deadlinePassed: boolean): WalkResult {
    const counts: Record<WalkStatus, number> = { done: 0, failed: 0, timedOut: 0, skipped: 0 };
    for (let i = 0; i < this.status.length; i++) counts[STATUSES[this.status[i]!]!]++;
    let outcomes: NodeOutcome[] | undefined;
    const table = this;
    return {
      get outcomes() {
        outcomes ??= table.#materialize(timeoutMs);
        return outcomes;
      },
      statusOf: (i) => STATUSES[this.status[i]!]!,
      reasonOf: (i) => this.reasons.get(i),
      counts,
      beganAt,
      endedAt: performance.now(),
      halted,
      deadlinePassed,
    };
  }

  #materialize(timeoutMs: (i: number) => number): NodeOutcome[] {
    const out: NodeOutcome[] = new Array(this.status.length);
    for (let i = 0; i < out.length; i++) {
      if (Number.isNaN(this.timeout[i])) this.timeout[i] = this.allowed[i] = timeoutMs(i);
      out[i] = {
        status: STATUSES[this.status[i]!]!,
        beganAt: this.beganAt[i]!,
        endedAt: this.endedAt[i]!,
        timeoutMs: this.timeout[i]!,
        effectiveTimeoutMs: this.allowed[i]!,
        limitedBy: LIMITS[this.limit[i]!]!,
        gatedBy: this.gatedBy[i]!,
        ...(this.errors.has(i) ? { error: this.errors.get(i) } : {}),
        ...(this.reasons.has(i) ? { reason: this.reasons.get(i) } : {}),
      };
    }
    return out;
  }
}
