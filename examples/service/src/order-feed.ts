import type { LifecycleContainer } from '@quiesce/core';
import { wsServer, type WebSocketService } from '@quiesce/ws';
import type { ConsumeMessage } from 'amqplib';
import { Http, OrderFeed } from './tokens.js';

/** Where WebSocket clients subscribe to processed orders, on the HTTP server's port. */
export const ORDER_FEED_PATH = '/orders/feed';

/**
 * The live feed of processed orders: a WebSocket server on the HTTP node's server (given by token,
 * so it depends on it: it starts after HTTP and stops before it). From the shutdown request on it
 * refuses new subscribers (503); at its stop every client gets the close frame 1001 "Going Away"
 * after the orders broadcast so far. Orders applied after that are not broadcast: a live feed's
 * client resubscribes elsewhere.
 */
export function registerOrderFeed(app: LifecycleContainer): void {
  app.resource(OrderFeed, wsServer({ name: 'order-feed', serverToken: Http, path: ORDER_FEED_PATH, stopTimeoutMs: 2_000 }));
}

/** Tells every feed client about an order whose effect was just committed. */
export function publishProcessed(app: LifecycleContainer, msg: ConsumeMessage): void {
  app.get<WebSocketService>(OrderFeed).broadcast(msg.content.toString('utf8'));
}
