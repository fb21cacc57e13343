import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';

export type Http1Server = http.Server | https.Server;
export type Http2ServerLike = http2.Http2Server | http2.Http2SecureServer;
export type HttpServerLike = Http1Server | Http2ServerLike;

// node:http2 does not export its server classes; their constructors are taken from one instance
// each (never listening, nothing else allocated).
const Http2Server = http2.createServer().constructor as new () => http2.Http2Server;
const Http2SecureServer = http2.createSecureServer().constructor as new () => http2.Http2SecureServer;

export const isHttp1Server = (v: unknown): v is Http1Server => v instanceof http.Server || v instanceof https.Server;
export const isHttp2Server = (v: unknown): v is Http2ServerLike => v instanceof Http2Server || v instanceof Http2SecureServer;
export const isHttpServer = (v: unknown): v is HttpServerLike => isHttp1Server(v) || isHttp2Server(v);

/** What the resource needs of a server's tracker, whichever protocol it speaks. */
export interface ServerTracker {
  /** Shutdown was requested (drain delay): keep serving, keep no connection alive past its response. */
  closeAfterEachResponse(): void;
  /** quiesce: stop accepting, let what is in flight finish; `signal` aborting is the force path (warned about under `name`). */
  close(signal: AbortSignal, name: string): void;
  /** Resolves when the last connection is gone. */
  readonly closed: Promise<void>;
}
