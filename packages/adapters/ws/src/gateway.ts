import http, { type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type HookContext, type InFlight, type Logger } from '@quiesce/core';
import { onAbort } from '@quiesce/core/kit';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import { ClientLedger } from './clients.js';
import { claimSocket } from './owner.js';
import { refuseUpgrade } from './refuse.js';
import { describeOutcome, logOutcome, type StopOutcome } from './report.js';
import type { SharedServer } from './options.js';

export interface GatewayConfig {
  name: string;
  path: string | undefined;
  closeCode: number;
  closeReason: string;
  /** Read when the outcome is logged (a module's container logger is known only once loaded). */
  logger: () => Logger | undefined;
  /** Listen here at start (own server); undefined: the server is shared and someone else listens. */
  listen: { port: number; host: string } | undefined;
}

/**
 * One WebSocket server's lifecycle: which upgrades it takes, its clients, and its stop. Upgrades
 * are taken by hand (`noServer`), not by ws's own listener, so they can be refused from the
 * shutdown request on and marked as ours for a shared `@quiesce/http` server.
 */
export class Gateway {
  readonly ledger = new ClientLedger();
  #inFlight: InFlight | undefined;
  #accepting = false;
  #refusedUpgrades = 0;
  #refusedMessages = 0;
  #forced = false;
  #logged = false;
  #stopping = false;
  #serverClosed: Promise<void> = Promise.resolve();

  constructor(
    readonly wss: WebSocketServer,
    readonly server: SharedServer,
    readonly config: GatewayConfig,
  ) {}

  readonly #onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (this.config.path !== undefined && (req.url ?? '').split('?', 1)[0] !== this.config.path) {
      // Another 'upgrade' listener may own that path; alone, we answer for the server.
      if (this.server.listenerCount('upgrade') === 1) refuseUpgrade(socket, 404);
      return;
    }
    claimSocket(socket, this.config.name);
    if (!this.#accepting) {
      this.#refusedUpgrades++;
      return refuseUpgrade(socket, 503);
    }
    this.wss.handleUpgrade(req, socket, head, (client) => {
      this.ledger.add(client);
      this.wss.emit('connection', client, req);
    });
  };

  async start(ctx: HookContext): Promise<void> {
    this.#inFlight = ctx.inFlight;
    this.server.on('upgrade', this.#onUpgrade);
    // From the shutdown request on (the drain delay included) a new WebSocket would only be told
    // to go away moments later: refuse it at once, with a status the client can retry elsewhere.
    onAbort(ctx.shutdownRequested, () => (this.#accepting = false));
    if (this.config.listen) await listenOn(this.server, this.config.listen);
    this.#accepting = !ctx.shutdownRequested.aborted;
  }

  /** Refuse upgrades; arm the force path now, in case the handlers' drain uses up the node's time (stop then never runs). */
  quiesce(ctx: HookContext): void {
    this.#accepting = false;
    onAbort(ctx.signal, () => this.#force());
    // A handshake still in a user's async verifyClient is answered 503 by ws once it is closed.
    this.wss.close();
    if (this.config.listen) this.#serverClosed = new Promise((r) => this.server.close(() => r()));
  }

  /**
   * Handlers have drained (core waited): every reply they sent is queued ahead of the close
   * frame. Send it to every client and wait for the handshakes; the force path cuts the rest.
   */
  async stop(ctx: HookContext): Promise<void> {
    this.#stopping = true;
    onAbort(ctx.signal, () => this.#force());
    this.ledger.closeAll(this.config.closeCode, this.config.closeReason);
    await raceAbort(this.ledger.allClosed(), ctx.signal);
    if (this.config.listen) {
      // Only plain HTTP sockets can be left on our own server (answered 426, or silent): nothing of ours runs on them.
      (this.server as http.Server).closeAllConnections();
      await raceAbort(this.#serverClosed, ctx.signal);
    }
    if (!this.#forced) this.#log();
  }

  #force(): void {
    if (this.#forced) return;
    this.#forced = true;
    const counts = this.ledger.counts;
    const terminated = this.ledger.terminateAll();
    if (this.config.listen) (this.server as http.Server).closeAllConnections();
    this.#log({ ...counts, terminated: counts.terminated + terminated, open: 0 });
  }

  #log(counts = this.ledger.counts): void {
    if (this.#logged) return;
    this.#logged = true;
    logOutcome(this.config.name, this.outcome(counts), this.config.logger());
  }

  outcome(counts = this.ledger.counts): StopOutcome {
    return { ...counts, refusedUpgrades: this.#refusedUpgrades, refusedMessages: this.#refusedMessages };
  }

  /** What is still open when the node's time is up (core asks this for the report). */
  pending(): string[] | undefined {
    const found: string[] = [];
    const handlers = this.#inFlight?.active ?? 0;
    if (handlers > 0) found.push(`${handlers} message handler${handlers === 1 ? '' : 's'} still running`);
    const open = this.ledger.size;
    if (open > 0) found.push(`${open} WebSocket client${open === 1 ? '' : 's'} still open${this.#stopping ? ' (close frame sent, not answered)' : ''}`);
    if (this.#forced) found.push(describeOutcome(this.outcome()));
    return found.length > 0 ? found : undefined;
  }

  /** Runs `handler` for each message of `socket` as one unit of the node's in-flight work. */
  onMessage(socket: WebSocket, handler: (data: RawData, isBinary: boolean) => unknown): void {
    socket.on('message', (data: RawData, isBinary: boolean) => {
      let done: () => void;
      try {
        if (!this.#inFlight) throw new Error('not started');
        done = this.#inFlight.track();
      } catch {
        // The node is stopping: its dependencies may be going too. The client is about to get the close frame.
        this.#refusedMessages++;
        return;
      }
      const failed = (error: unknown): void => {
        done();
        this.#handlerFailed(error);
      };
      try {
        const result = handler(data, isBinary);
        if (isThenable(result)) result.then(done, failed);
        else done();
      } catch (error) {
        failed(error);
      }
    });
  }

  #handlerFailed(error: unknown): void {
    const message = `${this.config.name}: message handler failed: ${error instanceof Error ? error.message : String(error)}`;
    const logger = this.config.logger();
    if (logger) logger.error({ node: this.config.name, err: error }, message);
    else process.emitWarning(message, { code: 'QUIESCE_WS_HANDLER_FAILED' });
  }
}

const isThenable = (v: unknown): v is PromiseLike<unknown> => typeof (v as { then?: unknown } | null)?.then === 'function';

/** Resolves when `promise` does or `signal` aborts, whichever is first (the force path runs on the abort). */
function raceAbort(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const giveUp = (): void => resolve();
    signal.addEventListener('abort', giveUp, { once: true });
    void promise.then(() => {
      signal.removeEventListener('abort', giveUp);
      resolve();
    });
  });
}

function listenOn(server: SharedServer, { port, host }: { port: number; host: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(new Error(`cannot listen on ${host}:${port}: ${error.message}`, { cause: error }));
    server.once('error', onError);
    server.listen({ port, host }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
