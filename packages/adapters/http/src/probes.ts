import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { HealthReport } from '@quiesce/core';

/** The container itself, or a function returning `app.health()`. */
export type HealthSource = { health(): HealthReport } | (() => HealthReport);

const read = (source: HealthSource): HealthReport => (typeof source === 'function' ? source() : source.health());

function answer(res: ServerResponse, report: HealthReport, key: 'ready' | 'live'): void {
  const ok = report[key];
  const body = JSON.stringify({ [key]: ok, state: report.state });
  res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** 200 while `health().ready`, 503 from the first shutdown request on (drain delay included). Mountable in express too. */
export function readinessHandler(source: HealthSource): RequestListener {
  return (_req, res) => answer(res, read(source), 'ready');
}

/** 200 unless `health().live` is false (a node failed while running, or the app stopped). */
export function livenessHandler(source: HealthSource): RequestListener {
  return (_req, res) => answer(res, read(source), 'live');
}

/** The probe handler for a request's path, or undefined for every other request. */
export type ProbeRouter = (req: IncomingMessage) => RequestListener | undefined;

export function probeRouter(source: HealthSource, paths: { readiness?: string; liveness?: string }): ProbeRouter {
  const byPath = new Map<string, RequestListener>();
  if (paths.readiness) byPath.set(paths.readiness, readinessHandler(source));
  if (paths.liveness) byPath.set(paths.liveness, livenessHandler(source));
  // A path with '?' in it never matches (the query is cut off before the comparison).
  const routes = [...byPath].filter(([path]) => !path.includes('?'));
  // Asked on every request: compares in place rather than splitting the URL (an array and a
  // string per request, measured +2–4 % CPU per request: docs/PERFORMANCE.md §7).
  return (req) => {
    const url = req.url ?? '';
    for (let i = 0; i < routes.length; i++) {
      const [path, handler] = routes[i]!;
      if (url.startsWith(path) && (url.length === path.length || url.charCodeAt(path.length) === QUERY)) return handler;
    }
    return undefined;
  };
}

const QUERY = 0x3f; // '?'
