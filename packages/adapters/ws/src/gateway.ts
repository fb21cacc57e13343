import http, { type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type HookContext, type InFlight, type Logger } from '@quiesce/core';
import { LateArrivals, onAbort } from '@quiesce/core/kit';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import { ClientLedger } from './clients.js';
import { WsClientsLostError } from './errors.js';
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
  /** From quiesce on: close frames go out (each client's once no handler of its is running). */
  #closing = false;
  /** Message handlers in progress, by client: its close frame waits for them (their replies go first). */
  readonly #running = new Map<WebSocket, number>();
  #attached = false;
  #serverClosed: Promise<void> = Promise.resolve();
  /**
   * From the node's stop on (quiesce; the drain delay is still normal serving): clients whose socket ended without a close frame (not cut by us)
   * while message handlers of theirs were running, and how many handlers. Their replies went
   * nowhere: work in flight was lost with the client, and the stop says so.
   */
  readonly #lost = { clients: 0, handlers: 0 };
  #stopping = false;
  /** Upgrades after the shutdown request (all refused): the report's QUIESCE_DRAIN_TOO_SHORT when they came late. */
  readonly #late = new LateArrivals('WebSocket upgrade', 'WebSocket upgrades');

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
    this.#late.arrived();
    if (!this.#accepting) {
      this.#refusedUpgrades++;
      return refuseUpgrade(socket, 503);
    }
    this.wss.handleUpgrade(req, socket, head, (client) => {
      this.ledger.add(client);
      client.once('close', (code: number) => this.#closed(client, code));
      this.wss.emit('connection', client, req);
    });
  };

  async start(ctx: HookContext): Promise<void> {
    this.#inFlight = ctx.inFlight;
    this.#attach();
    // From the shutdown request on (the drain delay included) a new WebSocket would only be told
    // to go away moments later: refuse it at once, with a status the client can retry elsewhere.
    onAbort(ctx.shutdownRequested, () => ((this.#accepting = false), this.#late.requested()));
    if (this.config.listen) {
      try {
        await listenOn(this.server, this.config.listen);
      } catch (error) {
        this.#detach();
        throw error;
      }
    }
    this.#accepting = !ctx.shutdownRequested.aborted;
  }

  /** Our 'upgrade' listener, on the server from start until the stop ends (or is cut): a shared server outlives this node. */
  #attach(): void {
    if (this.#attached) return;
    this.#attached = true;
    this.server.on('upgrade', this.#onUpgrade);
  }

  #detach(): void {
    if (!this.#attached) return;
    this.#attached = false;
    this.server.off('upgrade', this.#onUpgrade);
  }

  /**
   * Core closed the node's InFlight: no handler starts from now on. Refuse upgrades; arm the
   * force path now, in case the handlers' drain uses up the node's time (stop then never runs);
   * and send the close frame to every client no handler of which is running — at once, not after
   * every client's handlers drained: one slow handler must not hold the others' close frames (its
   * own client's goes out when its handlers are done, their replies ahead of it).
   */
  quiesce(ctx: HookContext): void {
    this.#late.drainEnded();
    this.#accepting = false;
    this.#stopping = true;
    onAbort(ctx.signal, () => this.#force());
    // A handshake still in a user's async verifyClient is answered 503 by ws once it is closed.
    this.wss.close();
    if (this.config.listen) this.#serverClosed = new Promise((r) => this.server.close(() => r()));
    if (this.#forced) return;
    this.#closing = true;
    this.ledger.closeAll(this.config.closeCode, this.config.closeReason, (socket) => this.#running.has(socket));
  }

  /**
   * Handlers have drained (core waited): every client has had its close frame (sent again here
   * to any still open: ws sends it once). Wait for the handshakes; the force path cuts the rest.
   */
  async stop(ctx: HookContext): Promise<void> {
    onAbort(ctx.signal, () => this.#force());
    try {
      this.#closing = true;
      this.ledger.closeAll(this.config.closeCode, this.config.closeReason);
      await raceAbort(this.ledger.allClosed(), ctx.signal);
      if (this.config.listen) {
        // Only plain HTTP sockets can be left on our own server (answered 426, or silent): nothing of ours runs on them.
        (this.server as http.Server).closeAllConnections();
        await raceAbort(this.#serverClosed, ctx.signal);
      }
    } finally {
      this.#detach();
      // The upgrade listener is gone: whether clients were still arriving by then goes on the report.
      this.#late.report(ctx);
    }
    if (this.#forced) return;
    this.#log();
    if (this.#lost.clients > 0) throw new WsClientsLostError(this.config.name, this.#lost.clients, this.#lost.handlers);
  }

  /** A client's socket closed: lost with work in flight when it ended abnormally (1006) while a handler of its ran, not cut by us. */
  #closed(client: WebSocket, code: number): void {
    const running = this.#running.get(client) ?? 0;
    if (!this.#stopping || this.#forced || code !== 1006 || running === 0) return;
    this.#lost.clients++;
    this.#lost.handlers += running;
  }

  /** The node's time is up (in the drain or in stop): every client still open is terminated, the counts are final from here. */
  #force(): void {
    if (this.#forced) return;
    this.#forced = true;
    this.ledger.terminateAll();
    if (this.config.listen) (this.server as http.Server).closeAllConnections();
    // Stop may never run (the drain used up the node's time): no listener of ours is left on a shared server.
    this.#detach();
    this.#log();
  }

  #log(): void {
    if (this.#logged) return;
    this.#logged = true;
    logOutcome(this.config.name, this.outcome(), this.config.logger());
  }

  outcome(): StopOutcome {
    return { ...this.ledger.counts, refusedUpgrades: this.#refusedUpgrades, refusedMessages: this.#refusedMessages };
  }

  /** What is still open when the node's time is up (core asks this for the report). */
  pending(): string[] | undefined {
    const found: string[] = [];
    const handlers = this.#inFlight?.active ?? 0;
    if (handlers > 0) found.push(`${plural(handlers, 'message handler')} still running`);
    let held = 0;
    for (const socket of this.ledger.open) if (this.#running.has(socket)) held++;
    const sent = this.ledger.size - held;
    if (!this.#closing) {
      if (this.ledger.size > 0) found.push(`${plural(this.ledger.size, 'WebSocket client')} still open`);
    } else {
      if (sent > 0) found.push(`${plural(sent, 'WebSocket client')} still open (close frame sent, not answered)`);
      if (held > 0) found.push(`${plural(held, 'WebSocket client')} still open (${held === 1 ? 'its close frame held back: a handler of its is' : 'their close frames held back: handlers of theirs are'} still running)`);
    }
    if (this.#forced) found.push(describeOutcome(this.outcome()));
    return found.length > 0 ? found : undefined;
  }

  /** Runs `handler` for each message of `socket` as one unit of the node's in-flight work. */
  onMessage(socket: WebSocket, handler: (data: RawData, isBinary: boolean) => unknown): void {
    socket.on('message', (data: RawData, isBinary: boolean) => {
      // Closed: the node is stopping, its dependencies may be going too; the client gets (or has) the close frame.
      // No InFlight yet: not started, no client can be here.
      if (!this.#inFlight || this.#inFlight.closed) {
        this.#refusedMessages++;
        return;
      }
      const untrack = this.#inFlight.track();
      this.#running.set(socket, (this.#running.get(socket) ?? 0) + 1);
      const done = (): void => {
        untrack();
        const left = this.#running.get(socket)! - 1;
        if (left > 0) return void this.#running.set(socket, left);
        this.#running.delete(socket);
        // Its replies are queued: now its close frame.
        if (this.#closing && !this.#forced) this.ledger.close(socket, this.config.closeCode, this.config.closeReason);
      };
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

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

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
