import type { E2eRow } from './e2e.js';
import type { EngineRow } from './engine.js';
import type { HttpRow } from './http.js';
import type { RaceRow } from './race.js';
import type { ResolutionRow } from './resolution.js';
import { requestPathTargets, type RequestPathRow } from './request-path.js';

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

export interface BenchResults {
  race?: RaceRow[];
  engine?: EngineRow[];
  resolution?: ResolutionRow;
  e2e?: E2eRow;
  http?: HttpRow[];
  requestPath?: RequestPathRow[];
}

/** Each target of the benchmark issue, judged on this run's own numbers (never on stored ones). */
export function checkTargets({ race, engine, resolution, e2e, http, requestPath }: BenchResults): TargetCheck[] {
  const checks: TargetCheck[] = [];
  if (race) {
    const ours = race.filter((r) => r.contestant === 'quiesce');
    const worst = Math.max(...ours.map((r) => r.ratio));
    const violations = ours.reduce((sum, r) => sum + r.violations, 0);
    checks.push({ target: `race: quiesce ≤ 1.01 × critical path on every seed (${ours.length} seeds)`, measured: `max ${worst}`, met: worst <= 1.01 });
    checks.push({ target: 'race: quiesce 0 order violations', measured: String(violations), met: violations === 0 });
  }
  if (engine) {
    const at = (n: number): EngineRow | undefined => engine.find((r) => r.nodes === n);
    const tenK = at(10_000);
    const oneK = at(1_000);
    const hundredK = at(100_000);
    // What a user would feel, not a ratio to a bare walk (retired in #28: services have tens to
    // hundreds of nodes, and the engine now keeps plain records a reader can change).
    if (tenK) checks.push({ target: 'engine: 10k zero-cost nodes (start + stop walk) ≤ 20 ms', measured: `${tenK.quiesceMs} ms (${tenK.ratio}× a bare walk, for reference)`, met: tenK.quiesceMs <= 20 });
    if (oneK && tenK) {
      const growth = Math.round((tenK.quiesceMs / oneK.quiesceMs) * 10) / 10;
      checks.push({ target: 'engine: growth 1k → 10k ≤ 12×', measured: `${growth}×`, met: growth <= 12 });
    }
    if (hundredK) checks.push({ target: 'engine: 100k nodes complete', measured: `${hundredK.quiesceMs} ms, peak RSS ${hundredK.peakRssMb} MB`, met: Number.isFinite(hundredK.quiesceMs) });
  }
  if (resolution) checks.push({ target: 'resolution: ≤ 1.3 × raw inversify', measured: `${resolution.ratio}×`, met: resolution.ratio <= 1.3 });
  if (e2e) {
    checks.push({ target: 'e2e: idle SIGTERM → exit < 250 ms (drain delay subtracted)', measured: `${e2e.idleExitMs} ms`, met: e2e.idleExitMs < 250 });
    checks.push({ target: 'e2e: 0 failed requests under load', measured: `${e2e.failedRequests} of ${e2e.requestsUnderLoad}`, met: e2e.failedRequests === 0 });
  }
  if (http) checks.push(...httpTargets(http));
  if (requestPath) checks.push(...requestPathTargets(requestPath));
  return checks;
}

/** At every socket count: quiesce's median stop ≤ the fastest peer's, and no reset at all. */
function httpTargets(rows: readonly HttpRow[]): TargetCheck[] {
  return [...new Set(rows.map((r) => r.sockets))].map((sockets) => {
    const at = rows.filter((r) => r.sockets === sockets);
    const ours = at.find((r) => r.contestant === 'quiesce')!;
    const fastest = at.filter((r) => r.contestant !== 'quiesce').reduce((a, b) => (b.stopMs < a.stopMs ? b : a));
    return {
      target: `http ${sockets} sockets: quiesce stop ≤ fastest peer's, 0 resets`,
      measured: `${ours.stopMs} ms vs ${fastest.contestant} ${fastest.stopMs} ms, ${ours.resets} resets`,
      met: ours.stopMs <= fastest.stopMs && ours.resets === 0,
    };
  });
}
