import { expect, it } from 'vitest';
import { activeHandles, leftoverHandles, watchProcessErrors } from './handles.js';
import { cpuLoad, recordSockets, stallLoop } from './load.js';
import { socketsTo, waitFor } from './sockets.js';
import { freeze, thaw } from './faults.js';
import type { TestServer } from './types.js';

/**
 * The force-path tests a pool adapter whose busy connections hold work on the server runs (pg,
 * mysql: the kit's `poolResource`): the force path opens one connection of its own (pg's
 * terminate, mysql's KILL) and destroys the pool's sockets, and all of it must have ended before
 * the node is reported. The adapter gives the app, the stuck work and what its report says.
 *
 * Structural types only: this package does not import core.
 */
export interface PoolForceNode {
  readonly status: string;
  readonly error?: { readonly name?: string; readonly message: string };
  readonly durationMs?: number | null;
  readonly cut?: { readonly open: readonly string[] };
}

export interface PoolForceApp {
  on(event: 'transition', listener: (e: { readonly phase: string; readonly node: string; readonly type: string }) => void): unknown;
  shutdown(): Promise<{ node(name: string): PoolForceNode | undefined }>;
}

/** What the adapter says about its force path, for the test names and the checks. */
interface ForcePath {
  /** The node's name in the report. */
  readonly node: string;
  /** The force path's own connection, as the report says it: 'terminate connection', 'KILL connection'. */
  readonly forceConnection: string;
}

/** One round of `forceOrderRounds`: the app started, `checkouts` checkouts stuck in a long query on the server. */
export interface StuckCheckouts {
  readonly app: PoolForceApp;
  /** True once every checkout's query is running. */
  busy(): boolean | Promise<boolean>;
  /** After the shutdown: give back what the test held (the leaked checkout) and wait for every caller. */
  release(): Promise<void>;
  /** True once the server holds nothing of this round's (terminated, killed, or its sleep over). */
  serverClean(): Promise<boolean>;
}

export interface ForceOrderSubject extends ForcePath {
  readonly rounds: number;
  readonly checkouts: number;
  /** The node's stop timeout, for the test's name (the adapter builds the app with it). */
  readonly stopTimeoutMs: number;
  /** Where the checkouts are stuck, for the test's name: 'pg_sleep'. */
  readonly stuckIn: string;
  /** `leaks`: one caller never releases its checkout (odd rounds). */
  stuck(leaks: boolean): Promise<StuckCheckouts>;
  /** What the report says of the node in this round (`context` for the assertion messages). */
  expectNode(node: PoolForceNode, leaks: boolean, context: string): void;
}

/** Registers `forceOrderRounds(subject)` as one test, named after what it does. */
export function forceOrderTest(subject: ForceOrderSubject): void {
  const { rounds, checkouts, stuckIn, stopTimeoutMs, forceConnection } = subject;
  it(`${rounds} rounds of ${checkouts} checkouts stuck in ${stuckIn} under a ${stopTimeoutMs} ms stop: every socket of the pool and the ${forceConnection} closed before the node settles; nothing left after`, () => forceOrderRounds(subject), 900_000);
}

/**
 * Rounds of `checkouts` stuck checkouts, each shutdown under busy children on every CPU (only then:
 * a load for the whole test slowed every file beside it): the pool's sockets plus exactly one force
 * connection, every one of them closed — its handle gone — before the node is reported; nothing
 * left after, no process error, nothing left on the server.
 */
export async function forceOrderRounds(subject: ForceOrderSubject): Promise<void> {
  let load: { stop(): void } = { stop: () => {} };
  try {
    for (let round = 0; round < subject.rounds; round++) {
      const leaks = round % 2 === 1;
      const baseline = activeHandles();
      const errors = watchProcessErrors();
      const recorder = recordSockets();
      let reported: { at: number; open: number; tcpHandles: number } | undefined;
      let stuck: StuckCheckouts | undefined;
      try {
        stuck = await subject.stuck(leaks);
        const { app } = stuck;
        // The moment the scheduler settles the node: what the report will say is fixed then.
        app.on('transition', (e) => {
          if (e.phase === 'stop' && e.node === subject.node && e.type !== 'stopping') {
            reported = { at: performance.now(), open: recorder.open(), tcpHandles: activeHandles().TCPSocketWrap ?? 0 };
          }
        });
        expect(await waitFor(stuck.busy, 5_000)).toBeGreaterThanOrEqual(0);
        await new Promise((r) => setTimeout(r, 50)); // the queries have reached the server
        load = cpuLoad(5_000);
        await new Promise((r) => setTimeout(r, 150)); // the children are busy
        const shutdownBegan = performance.now();
        const report = await app.shutdown();
        load.stop();
        const resolvedAt = performance.now();
        recorder.stop();

        const forceConnections = recorder.sockets.filter((s) => s.openedAt > shutdownBegan).length;
        const node = report.node(subject.node)!;
        const context = `round ${round} (${leaks ? 'one checkout leaked' : 'all released'}): ${JSON.stringify({ reported, lastCloseAfterReport: recorder.lastClose() - reported!.at, resolvedAfterBegan: resolvedAt - shutdownBegan, node })}`;
        // The pool's connections plus exactly one force connection, opened by the force path.
        expect(recorder.sockets.length, context).toBe(subject.checkouts + 1);
        expect(forceConnections, context).toBe(1);
        // Every one of them closed — its handle gone, not just destroyed — before the node was reported.
        expect(reported, context).toBeDefined();
        expect(reported!.open, context).toBe(0);
        expect(recorder.lastClose(), context).toBeLessThan(reported!.at);
        expect(reported!.tcpHandles, context).toBeLessThanOrEqual(baseline.TCPSocketWrap ?? 0);
        subject.expectNode(node, leaks, context);
      } finally {
        recorder.stop();
        await stuck?.release();
      }
      // Nothing of the pool's or the force path's is left once the test's own leaked checkout is back.
      expect(await leftoverHandles(baseline, 500), `round ${round}`).toEqual({});
      expect(errors.stop(), `round ${round}`).toEqual([]);
      expect(await waitFor(stuck!.serverClean, 15_000), `round ${round}`).toBeGreaterThanOrEqual(0);
    }
  } finally {
    load.stop();
  }
}

export interface StalledForceSubject extends ForcePath {
  /** The file's own server, frozen here (and thawed after). */
  victim(): TestServer;
  /** The adapter's force reserve (`FORCE_RESERVE_MS`): at most half the node's time is used. */
  readonly forceReserveMs: number;
  /** The force path's error (`PgForceClosedError`) and its message when it ended in time with one connection cut. */
  readonly forcedError: string;
  readonly forcedMessage: RegExp;
  /** A started app with one pool on the victim; `running`: a query of 30 s started on it, settled with what it ended with. */
  startApp(stopTimeoutMs: number): Promise<{ app: PoolForceApp; running: Promise<unknown>; expectClean(): Promise<void> }>;
}

/**
 * Registers, in the calling `describe`, the tests of a force path against a frozen server: it
 * runs inside the node's time and the node fails with the force count; then under a stalled event
 * loop. The force path runs to its own timers (the force connection cut at its budget, the sockets
 * destroyed when their share is up), so a loop stalled near the node's deadline decides whether it
 * ends before the node is reported: stalled for the last 40 % of the reserve, it has ended;
 * stalled from its start until after the deadline, the cut destroys everything and the report says
 * the force path was still running.
 */
export function frozenServerForceTests(subject: StalledForceSubject): void {
  const { node: name, forceConnection } = subject;

  it('the server freezes (SIGSTOP) mid-drain: the force path runs inside the node’s time, the node fails with the force count before its deadline', async () => {
    const stopTimeoutMs = 1_500;
    const { app, running, expectClean } = await subject.startApp(stopTimeoutMs);
    await new Promise((r) => setTimeout(r, 100));
    freeze(subject.victim());
    try {
      const node = (await app.shutdown()).node(name)!;
      expect(node.status).toBe('failed');
      expect(node.error).toMatchObject({ name: subject.forcedError });
      expect(node.error!.message).toMatch(subject.forcedMessage);
      // Ended inside its own time, the force reserve included (pg's old force path ran 1 s + 1 s after it).
      expect(node.durationMs!).toBeLessThan(stopTimeoutMs);
      expect(await running).toBeInstanceOf(Error);
      await expectClean();
    } finally {
      thaw(subject.victim());
    }
  });

  const stopTimeoutMs = 2_000;
  const reserve = Math.min(subject.forceReserveMs, stopTimeoutMs / 2);

  it(`a frozen server and the event loop stalled for the last 40 % of the force reserve: the force path (${forceConnection}, sockets) has ended before the node is reported`, async () => {
    const recorder = recordSockets();
    const { app, running, expectClean } = await subject.startApp(stopTimeoutMs);
    let reported: { at: number; open: number; fds: number } | undefined;
    app.on('transition', (e) => {
      if (e.phase === 'stop' && e.type !== 'stopping') reported = { at: performance.now(), open: recorder.open(), fds: socketsTo(subject.victim().port) };
    });
    await new Promise((r) => setTimeout(r, 100));
    freeze(subject.victim());
    try {
      const began = Date.now();
      // Stalled from 0.4 × reserve before the node's deadline until 50 ms after it: the node's own
      // timer and anything of the force path's scheduled in that window fire together, afterwards.
      const stalled = stallLoop(began + stopTimeoutMs - 0.4 * reserve, began + stopTimeoutMs + 50);
      const report = await app.shutdown();
      recorder.stop();
      await stalled;
      const node = report.node(name)!;
      const context = JSON.stringify({ reported, lastClose: recorder.lastClose(), node });
      // The pool's connection and the force connection: both closed before the node settled.
      expect(recorder.sockets.length, context).toBe(2);
      expect(reported!.open, context).toBe(0);
      expect(reported!.fds, context).toBe(0);
      expect(recorder.lastClose(), context).toBeLessThan(reported!.at);
      expect(node.status, context).toBe('failed');
      expect(node.error!.message, context).toMatch(subject.forcedMessage);
      expect(await running).toBeInstanceOf(Error);
      await expectClean();
    } finally {
      recorder.stop();
      thaw(subject.victim());
    }
  });

  it('a frozen server and the event loop stalled from the force path’s start until after the deadline: everything is destroyed at the cut, and the report names the unfinished force path', async () => {
    const { app, running, expectClean } = await subject.startApp(stopTimeoutMs);
    let fdsAtReport = -1;
    app.on('transition', (e) => {
      if (e.phase === 'stop' && e.type !== 'stopping') fdsAtReport = socketsTo(subject.victim().port);
    });
    await new Promise((r) => setTimeout(r, 100));
    freeze(subject.victim());
    try {
      const began = Date.now();
      // From 50 ms into the force reserve (the force connection is waiting for the frozen server)
      // until 50 ms past the deadline: no step of the force path can run before the cut.
      const stalled = stallLoop(began + stopTimeoutMs - reserve + 50, began + stopTimeoutMs + 50);
      const report = await app.shutdown();
      await stalled;
      const node = report.node(name)!;
      expect(node.status).toBe('timedOut');
      // Said in the report, read at the cut: what the force path still held, destroyed then.
      expect(node.cut!.open).toContain(`force path still running at the deadline: 1 connection and the ${forceConnection} destroyed then`);
      // Destroyed synchronously at the cut: no socket of ours to the server when the node settled.
      expect(fdsAtReport).toBe(0);
      expect(await running).toBeInstanceOf(Error);
      await expectClean();
    } finally {
      thaw(subject.victim());
    }
  });
}
