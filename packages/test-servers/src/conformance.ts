import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invalidOptions } from './assertions.js';
import { crash, freeze, thaw } from './faults.js';
import { activeHandles, leftoverHandles, watchProcessErrors } from './handles.js';
import type { TestServer } from './types.js';

export { PeerError, pollUntil, startPeer, type PeerProcess } from './peer-process.js';

/**
 * The contract every adapter keeps, as one suite each adapter runs against its own throwaway real
 * server (issue #27): new work refused once its node stops; work in flight finishes and what was
 * accepted is complete; the force path cuts inside the node's time and the report is not ok; a
 * frozen and a killed server end by the deadline with a true report; bad options refused naming
 * the (nested) field; no handle left after any stop; no unhandled rejection or exception.
 *
 * Structural types only: this package does not import core (the adapter's own test builds the
 * container with its own `LifecycleContainer`).
 */
export interface ConformanceReport {
  readonly ok: boolean;
  node(name: string): { readonly status: string; readonly error?: { readonly message: string } } | undefined;
}

export interface ConformanceApp {
  shutdown(): Promise<ConformanceReport>;
}

/**
 * The suite's cases, by the name a subject declares one not applicable under. `refusesNew` is the
 * "new work refused" check of the in-flight case; the others are a test each.
 */
export type ConformanceCase = 'refusesNew' | 'inFlight' | 'force' | 'frozen' | 'killed' | 'badOptions';

export interface ConformanceSubject<R, S extends TestServer = TestServer> {
  /** The adapter, for the test names: "pg". */
  readonly adapter: string;
  /** The node's name in the report. */
  readonly node: string;
  /** A server of this suite's own (the suite freezes it, then kills it): `startPostgres({ useEnv: false })`. */
  startServer(): Promise<S>;
  /** A started app whose node uses `server`, under these limits; `resource` is what the node holds. `close` ends anything else the test opened. */
  startApp(server: S, limits: { readonly stopTimeoutMs: number; readonly shutdownTimeoutMs: number }): Promise<{ app: ConformanceApp; resource: R; close?(): Promise<void> }>;
  /**
   * Begins one unit of work that takes about `ms` on the server (a query, a request, a delivery
   * handled) and resolves with what proves it was done in full (`completed` checks it).
   */
  work(resource: R, server: S, ms: number): Promise<unknown>;
  completed(result: unknown): boolean;
  /** Work that never ends by itself (a 60 s query, a handler that hangs): the force path must cut it. */
  hang(resource: R, server: S): Promise<unknown>;
  /** New work: must be refused once the node's stop began. Required unless `refusesNew` is not applicable. */
  tryNew?(resource: R, server: S): Promise<unknown>;
  /** Options to refuse, each naming `field` (a nested one where the adapter has nested options). */
  readonly badOptions: readonly { readonly options: () => unknown; readonly field: string }[];
  /**
   * Optional: resolves once `count` units of work begun on this app (`work`, `hang`) have reached
   * the server and are running there. Without it the suite gives them a fixed 100–150 ms, which is
   * plenty for a database on loopback; a server-side adapter's peer is a client in a process of its
   * own, whose requests may take longer than that to arrive on a loaded machine.
   */
  reached?(resource: R, server: S, count: number): Promise<void>;
  /**
   * Cases that do not apply to this adapter, each with the reason, printed in the (skipped) test's
   * title: "refuses new work: not applicable — a log stream has no 'new work' to refuse …". A case
   * is never silently left out: one without a reason runs.
   */
  readonly notApplicable?: Partial<Record<ConformanceCase, string>>;
  /**
   * Handle types (`process.getActiveResourcesInfo()` names: 'PipeWrap', 'FSReqCallback', 'Worker'…)
   * this adapter legitimately creates, compared after every stop on top of the sockets and timers
   * every adapter is held to, so the "no handle left" check covers what this adapter could leak.
   */
  readonly handleKinds?: readonly string[];
}

/** The titles cases are printed under, when not applicable. */
const CASE_TITLES: Record<ConformanceCase, string> = {
  refusesNew: 'refuses new work once the node stops',
  inFlight: 'work in flight finishes in full',
  force: "the force path cuts work that never ends inside the node's time",
  frozen: 'a frozen server ends by the deadline',
  killed: 'a killed server ends by the deadline',
  badOptions: 'bad options are refused naming the field',
};

/** Node stop timeout for the cut cases, and the slack a loaded 2-core machine needs on top of a bound. */
const STOP_MS = 1_500;
const DEADLINE_MS = 4_000;
const SLACK_MS = 1_000;

const settle = (p: Promise<unknown>): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

export function conformance<R, S extends TestServer>(subject: ConformanceSubject<R, S>): void {
  const na = subject.notApplicable ?? {};
  for (const [name, reason] of Object.entries(na)) {
    if (!(name in CASE_TITLES)) throw new Error(`conformance(${subject.adapter}): no case named ${name} (one of ${Object.keys(CASE_TITLES).join(', ')})`);
    if (typeof reason !== 'string' || reason.trim() === '') throw new Error(`conformance(${subject.adapter}): case ${name} declared not applicable without a reason`);
  }
  // In flight and refuses-new share one app: the late work is tried while the in-flight work drains.
  if (na.inFlight !== undefined && na.refusesNew === undefined) throw new Error(`conformance(${subject.adapter}): refusesNew is checked within inFlight, which is declared not applicable`);
  if (na.refusesNew === undefined && subject.tryNew === undefined) throw new Error(`conformance(${subject.adapter}): give tryNew, or declare refusesNew not applicable with a reason`);
  /** `it` for a case that applies; a skipped test saying why for one that does not. */
  const test = (name: ConformanceCase, title: string, body: () => Promise<void> | void, timeout?: number): void => {
    const reason = na[name];
    if (reason === undefined) it(title, body, timeout);
    else it.skip(`${CASE_TITLES[name]}: not applicable — ${reason}`, () => {});
  };
  const kinds = subject.handleKinds;
  describe(`${subject.adapter}: the adapter contract (conformance)`, () => {
    let server: S;
    beforeAll(async () => {
      server = await subject.startServer();
    }, 120_000);
    afterAll(async () => {
      if (server) {
        thaw(server);
        await server.stop();
      }
    });

    /** The work begun has reached the server: a fixed wait, then the subject's own check when it has one. */
    async function reached(resource: R, count: number, ms: number): Promise<void> {
      await new Promise((r) => setTimeout(r, ms));
      await subject.reached?.(resource, server, count);
    }

    /** One app per test, with the checks every case ends with: no handle of the app's left, no stray error. */
    async function run(limits: { stopTimeoutMs: number; shutdownTimeoutMs: number }, body: (app: ConformanceApp, resource: R) => Promise<void>): Promise<void> {
      const before = activeHandles(kinds);
      const errors = watchProcessErrors();
      const { app, resource, close } = await subject.startApp(server, limits);
      try {
        await body(app, resource);
      } finally {
        await close?.();
      }
      expect(await leftoverHandles(before, 1_500, kinds), 'handles left after the stop').toEqual({});
      expect(errors.stop(), 'unhandled rejections or exceptions').toEqual([]);
    }

    if (na.refusesNew !== undefined) test('refusesNew', '', () => {});
    const inFlightTitle = na.refusesNew === undefined ? 'work in flight finishes in full; new work is refused once the node stops; the report is ok' : 'work in flight finishes in full; the report is ok';
    test('inFlight', inFlightTitle, async () => {
      await run({ stopTimeoutMs: 10_000, shutdownTimeoutMs: 15_000 }, async (app, resource) => {
        const running = [300, 400, 500].map((ms) => settle(subject.work(resource, server, ms)));
        await reached(resource, 3, 100);
        const shutdown = app.shutdown();
        await new Promise((r) => setTimeout(r, 50)); // the node's stop has begun (no drain delay)
        const late = na.refusesNew === undefined ? await settle(subject.tryNew!(resource, server)) : undefined;
        const report = await shutdown;
        const results = await Promise.all(running);
        if (late) expect(late.ok, 'new work after the stop began was accepted').toBe(false);
        expect(results.map((r) => r.ok && subject.completed(r.value)), JSON.stringify(results)).toEqual([true, true, true]);
        expect(report.ok).toBe(true);
        expect(report.node(subject.node)?.status).toBe('stopped');
      });
    });

    test('force', `work that never ends is cut by the force path inside the node's ${STOP_MS} ms; the report is not ok`, async () => {
      await run({ stopTimeoutMs: STOP_MS, shutdownTimeoutMs: DEADLINE_MS }, async (app, resource) => {
        const hung = settle(subject.hang(resource, server));
        await reached(resource, 1, 150);
        const began = performance.now();
        const report = await app.shutdown();
        const took = performance.now() - began;
        expect(took).toBeLessThan(STOP_MS + SLACK_MS);
        expect(report.ok).toBe(false);
        expect(['timedOut', 'failed']).toContain(report.node(subject.node)?.status);
        // Cut, not left running: the hung work settles (it would take 60 s or forever).
        const outcome = await Promise.race([hung, new Promise((r) => setTimeout(() => r('still running'), 2_000))]);
        expect(outcome).not.toBe('still running');
      });
    });

    test('frozen', 'a frozen server (SIGSTOP) with work in flight: the shutdown ends by the deadline and the report is not ok', async () => {
      await run({ stopTimeoutMs: STOP_MS, shutdownTimeoutMs: DEADLINE_MS }, async (app, resource) => {
        const running = settle(subject.work(resource, server, 1_000));
        await reached(resource, 1, 150);
        freeze(server);
        try {
          const began = performance.now();
          const report = await app.shutdown();
          expect(performance.now() - began).toBeLessThan(DEADLINE_MS + SLACK_MS);
          expect(report.ok).toBe(false);
          expect(report.node(subject.node)?.status).not.toBe('stopped');
        } finally {
          thaw(server);
        }
        await running;
      });
    });

    test('badOptions', 'bad options are refused before anything starts, naming the field', () => {
      expect(subject.badOptions.length).toBeGreaterThan(0);
      for (const bad of subject.badOptions) {
        const failure = invalidOptions(bad.options);
        expect(failure.issues.map((i) => i.field), failure.message).toContain(bad.field);
      }
    });

    // Last: the server is gone afterwards.
    test('killed', 'the server killed (SIGKILL) mid-drain with work in flight: the shutdown ends by the deadline and the report is not ok', async () => {
      await run({ stopTimeoutMs: STOP_MS, shutdownTimeoutMs: DEADLINE_MS }, async (app, resource) => {
        const running = settle(subject.work(resource, server, 1_000));
        await reached(resource, 1, 150);
        const began = performance.now();
        const shutdown = app.shutdown();
        // Mid-drain: the work was accepted before the shutdown and is still running on the server.
        await new Promise((r) => setTimeout(r, 100));
        await crash(server);
        const report = await shutdown;
        expect(performance.now() - began).toBeLessThan(DEADLINE_MS + SLACK_MS);
        // The work in flight was lost with the server: a true report says so.
        const result = await running;
        expect(result.ok && subject.completed(result.value)).toBe(false);
        expect(report.ok).toBe(false);
      });
    });
  });
}
