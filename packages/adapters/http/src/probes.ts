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
  const routes = new Map<string, RequestListener>();
  if (paths.readiness) routes.set(paths.readiness, readinessHandler(source));
  if (paths.liveness) routes.set(paths.liveness, livenessHandler(source));
  return (req) => routes.get((req.url ?? '').split('?', 1)[0]!);
}
