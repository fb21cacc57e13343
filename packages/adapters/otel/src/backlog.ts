/**
 * What an SDK still holds when its shutdown is cut: spans and log records queued in batch
 * processors, and export requests in flight. The SDKs expose none of it publicly; these are the
 * fields of @opentelemetry/sdk-trace(-base) 1.x/2.x (`_finishedSpans`), sdk-logs
 * (`_finishedLogRecords`) and otlp-exporter-base (`_sendingPromises`). Found by a bounded walk over
 * plain fields, so NodeSDK, providers, multi-processors and exporters nest however they like; a
 * version that renames them yields an empty backlog, never an error.
 */
export interface Backlog {
  spans: number;
  logRecords: number;
  exports: number;
}

const MAX_VISITS = 2_000;
const MAX_DEPTH = 8;
// Arrays longer than this are data (attributes, events), not processors or exporters.
const MAX_ARRAY = 64;

export function backlogOf(roots: readonly object[]): Backlog {
  const backlog: Backlog = { spans: 0, logRecords: 0, exports: 0 };
  walkSdk(roots, (fields) => {
    if (Array.isArray(fields._finishedSpans)) backlog.spans += fields._finishedSpans.length;
    if (Array.isArray(fields._finishedLogRecords)) backlog.logRecords += fields._finishedLogRecords.length;
    if (Array.isArray(fields._sendingPromises)) backlog.exports += fields._sendingPromises.length;
    return true;
  });
  return backlog;
}

/**
 * Breadth first over the plain fields of `roots` (NodeSDK, providers, processors, readers,
 * exporters as they nest), each object once, bounded in visits, depth and array length. `visit`
 * returns whether to look inside the object too.
 */
export function walkSdk(roots: readonly object[], visit: (fields: Record<string, unknown>) => boolean): void {
  const seen = new Set<object>();
  const queue: Array<[object, number]> = roots.map((r) => [r, 0]);
  let visits = 0;
  while (queue.length > 0 && visits < MAX_VISITS) {
    const [node, depth] = queue.shift()!;
    if (seen.has(node)) continue;
    seen.add(node);
    visits++;
    const fields = node as Record<string, unknown>;
    if (!visit(fields) || depth >= MAX_DEPTH) continue;
    const children = Array.isArray(node) ? (node.length <= MAX_ARRAY ? node : []) : Object.keys(node).map((k) => (COUNTED.has(k) ? undefined : fields[k]));
    for (const child of children) if (typeof child === 'object' && child !== null && !seen.has(child)) queue.push([child, depth + 1]);
  }
}

const COUNTED = new Set(['_finishedSpans', '_finishedLogRecords', '_sendingPromises']);

/** "12 spans queued, 1 export request in flight", or undefined when nothing is known to be left. */
export function describeBacklog(b: Backlog): string | undefined {
  const parts: string[] = [];
  if (b.spans > 0) parts.push(`${b.spans} span${b.spans === 1 ? '' : 's'} queued`);
  if (b.logRecords > 0) parts.push(`${b.logRecords} log record${b.logRecords === 1 ? '' : 's'} queued`);
  if (b.exports > 0) parts.push(`${b.exports} export request${b.exports === 1 ? '' : 's'} in flight`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}
