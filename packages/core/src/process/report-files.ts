import { accessSync, constants, existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ErrorCodes, QuiesceError } from '../errors.js';
import { fmt, headline, whyNode } from '../report/format.js';
import type { ShutdownReport } from '../report/report.js';
import type { ProcessExitReport } from './exit.js';

/** Kubernetes keeps at most 4096 bytes of a container's termination message. */
export const TERMINATION_LOG_MAX_BYTES = 4096;
const K8S_TERMINATION_LOG = '/dev/termination-log';

/** A report (or its summary) could not be written where the options asked; the shutdown itself is unaffected. */
export class ReportWriteError extends QuiesceError {
  override readonly name = 'ReportWriteError';
  override readonly code = ErrorCodes.ReportWriteError;
  constructor(
    readonly path: string,
    readonly reason: string,
    override readonly cause?: unknown,
  ) {
    super(`Could not write the shutdown report to ${path}: ${reason}`);
  }
}

/**
 * The JSON report, pretty, written to a temp file in the same directory and renamed over `path`:
 * a reader (a sidecar shipping it, an operator) sees the old report or the new one, never half.
 * With `exit`, the same report again with how the process ended (written on the way out).
 */
export function writeReportFile(path: string, report: ShutdownReport, exit?: ProcessExitReport): void {
  const dir = dirname(path);
  // Creating directories would hide a typo in a mount path; say so instead.
  if (!existsSync(dir)) throw new ReportWriteError(path, `directory ${dir} does not exist (quiesce creates none)`);
  const temp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  try {
    const json = exit === undefined ? report.toJSON() : { ...report.toJSON(), exit };
    writeFileSync(temp, `${JSON.stringify(json, null, 2)}\n`);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new ReportWriteError(path, (error as NodeJS.ErrnoException).code ?? String(error), error);
  }
}

/** Where the termination summary goes: the option's path, or Kubernetes' file when it is there to write. */
export function terminationLogPath(
  option: string | false | undefined,
  env: NodeJS.ProcessEnv = process.env,
  kubernetesPath = K8S_TERMINATION_LOG,
): string | undefined {
  if (option === false) return undefined;
  if (option !== undefined) return option;
  if (!env.KUBERNETES_SERVICE_HOST) return undefined;
  try {
    accessSync(kubernetesPath, constants.W_OK);
    return kubernetesPath;
  } catch {
    return undefined;
  }
}

/**
 * Written in place, not renamed: the kubelet bind-mounts the file itself, and a rename over a
 * mount point fails (EBUSY), as would a temp file in a read-only /dev.
 */
export function writeTerminationLog(path: string, line: string): void {
  try {
    writeFileSync(path, truncateUtf8(line, TERMINATION_LOG_MAX_BYTES));
  } catch (error) {
    throw new ReportWriteError(path, (error as NodeJS.ErrnoException).code ?? String(error), error);
  }
}

/**
 * One line for `kubectl describe pod`: the report's own headline (ok or not, the total, the nodes
 * that made it not ok and where they were cut), the critical path with each node's time, and why
 * each node that failed or timed out did so.
 */
export function terminationSummary(report: ShutdownReport): string {
  const json = report.toJSON();
  const chain = json.criticalPath.map((name) => {
    const ms = report.node(name)?.durationMs;
    return ms === null || ms === undefined ? name : `${name} ${fmt(ms)}`;
  });
  const why = json.nodes
    .filter((n) => n.status === 'failed' || n.status === 'timedOut')
    .map((n) => `${n.name}${n.policy === 'bestEffort' ? ' (best effort)' : ''} ${n.status}: ${whyNode(n)}`);
  return [`quiesce: ${headline(json)}`, `critical path: ${chain.join(' → ') || '-'}`, ...(why.length > 0 ? [`why: ${why.join('; ')}`] : [])]
    .join('; ')
    .replace(/\s*\n\s*/g, ' ');
}

/** At most `max` bytes of UTF-8, never splitting a character, with an ellipsis when cut. */
export function truncateUtf8(text: string, max: number): string {
  const bytes = Buffer.from(text);
  if (bytes.length <= max) return text;
  const ellipsis = '…'; // 3 bytes
  let end = max - 3;
  // Back up over continuation bytes (10xxxxxx) to the first byte of the character that would be split.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8') + ellipsis;
}
