import http from 'node:http';
import type http2 from 'node:http2';
import https from 'node:https';

export type Http1Server = http.Server | https.Server;
export type Http2ServerLike = http2.Http2Server | http2.Http2SecureServer;
export type HttpServerLike = Http1Server | Http2ServerLike;

// node:http2 does not export its server classes; their constructors are taken from one instance
// each (never listening, nothing else allocated). Loading it and building the two costs ≈ 9 ms, so
// it happens on the first check of a value that is not an HTTP/1 server, not at import: a service
// on plain http never pays it, one on http2 has loaded the module itself already.
let http2Classes: readonly [new () => http2.Http2Server, new () => http2.Http2SecureServer] | undefined;
function http2ServerClasses(): NonNullable<typeof http2Classes> {
  if (http2Classes) return http2Classes;
  const h2 = process.getBuiltinModule('node:http2');
  http2Classes = [h2.createServer().constructor as new () => http2.Http2Server, h2.createSecureServer().constructor as new () => http2.Http2SecureServer];
  return http2Classes;
}

export const isHttp1Server = (v: unknown): v is Http1Server => v instanceof http.Server || v instanceof https.Server;
export const isHttp2Server = (v: unknown): v is Http2ServerLike =>
  typeof v === 'object' && v !== null && !isHttp1Server(v) && http2ServerClasses().some((Server) => v instanceof Server);
export const isHttpServer = (v: unknown): v is HttpServerLike => isHttp1Server(v) || isHttp2Server(v);

/** What the resource needs of a server's tracker, whichever protocol it speaks. */
export interface ServerTracker {
  /** Shutdown was requested (drain delay): keep serving, keep no connection alive past its response. */
  closeAfterEachResponse(): void;
  /** quiesce: stop accepting, let what is in flight finish; `signal` aborting is the force path (warned about under `name`). */
  close(signal: AbortSignal, name: string): void;
  /** Resolves when the last connection is gone; rejects then (HttpResponsesLostError) when clients' vanishing cut responses begun before the stop. */
  closed(node: string): Promise<void>;
}
