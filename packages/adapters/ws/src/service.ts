import type { RawData, WebSocket, WebSocketServer } from 'ws';
import type { Gateway } from './gateway.js';
import type { SharedServer } from './options.js';
import type { StopOutcome } from './report.js';

const gateways = new WeakMap<WebSocketService, Gateway>();

/** The lifecycle behind a service (the resource's hooks reach it through the injected value). */
export function gatewayOf(service: WebSocketService): Gateway {
  return gateways.get(service)!;
}

/**
 * What `wsServer` binds: the ws `WebSocketServer` and the server its upgrades arrive on, plus the
 * two things graceful closing needs from your code — message handlers run through `onMessage`
 * (counted as the node's in-flight work, so the stop lets them finish and send their replies
 * before the close frame), and `pending()` for the report.
 */
export class WebSocketService {
  constructor(gateway: Gateway) {
    gateways.set(this, gateway);
  }

  /** ws's server (`noServer` mode: the adapter hands it the upgrades). `wss.clients` are the open clients. */
  get wss(): WebSocketServer {
    return gatewayOf(this).wss;
  }

  /** The http(s) server the upgrades arrive on: the adapter's own, or the shared one. */
  get server(): SharedServer {
    return gatewayOf(this).server;
  }

  /**
   * Runs `handler` for every message of `socket`, each run counted on the node's `InFlight`
   * until its promise settles. Once the node is stopping, new messages are not handed to it
   * (counted in the stop's log as "not handled"); a handler that throws or rejects is logged.
   */
  onMessage(socket: WebSocket, handler: (data: RawData, isBinary: boolean) => unknown): void {
    gatewayOf(this).onMessage(socket, handler);
  }

  /** Sends `data` to every open client; returns how many it was sent to. */
  broadcast(data: string | Buffer): number {
    let sent = 0;
    for (const client of this.wss.clients) {
      if (client.readyState !== client.OPEN) continue;
      client.send(data);
      sent++;
    }
    return sent;
  }

  /** Clients closed cleanly / abnormally / terminated during the stop, refused upgrades and messages. */
  get outcome(): StopOutcome {
    return gatewayOf(this).outcome();
  }

  /** What was still open when the node's time ran out (read by core for the shutdown report). */
  pending(): string[] | undefined {
    return gatewayOf(this).pending();
  }
}
