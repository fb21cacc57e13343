import { AdapterError, describeError } from '@quiesce/core/kit';

/** The three OpenTelemetry signals, as the OTLP paths name them. */
export type OtelSignal = 'traces' | 'metrics' | 'logs';

/** One export the collector refused (or that could not be delivered), or a failed SDK call. */
export interface OtelExportFailure {
  /** Which signal's export failed; undefined when only the SDK call's rejection is known. */
  readonly signal?: OtelSignal;
  /** The SDK error: the exporter's result error (OTLPExporterError carries the HTTP status as `code`). */
  readonly error: unknown;
}

/**
 * forceFlush() or shutdown() of the SDK did not export everything: an exporter reported a failed
 * export (the collector refused it, was unreachable, or the exporter's own timeout passed), or the
 * SDK call itself rejected. Telemetry was lost.
 */
export class OtelExportError extends AdapterError {
  override readonly name = 'OtelExportError';
  override readonly code = 'QUIESCE_OTEL_EXPORT_FAILED';
  /** Each failure, first first. */
  readonly failures: readonly OtelExportFailure[];
  /** The signals whose export failed (empty when only an SDK call's rejection is known). */
  readonly signals: readonly OtelSignal[];
  constructor(
    node: string,
    /** 'forceFlush' or 'shutdown': the call during which the first failure happened. */
    readonly step: 'forceFlush' | 'shutdown',
    /** The first failure's error, or every failure's error when there were several. */
    override readonly cause: unknown,
    failures?: readonly OtelExportFailure[],
  ) {
    const all: readonly OtelExportFailure[] = failures ?? (Array.isArray(cause) ? cause : [cause]).map((error: unknown) => ({ error }));
    super(node, `OpenTelemetry ${step}() failed, ${what(all)} not exported: ${detail(all)}`, { cause });
    this.failures = all;
    this.signals = [...new Set(all.flatMap((f) => (f.signal ? [f.signal] : [])))];
  }
}

// "metrics were", "metrics and logs were", "telemetry was".
function what(failures: readonly OtelExportFailure[]): string {
  const names = [...new Set(failures.map((f) => f.signal ?? 'telemetry'))];
  if (names.length === 1 && names[0] === 'telemetry') return 'telemetry was';
  return `${names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`} were`;
}

function detail(failures: readonly OtelExportFailure[]): string {
  if (failures.length === 1) return describeExportError(failures[0]!.error);
  return failures.map((f) => `${f.signal ?? 'telemetry'}: ${describeExportError(f.error)}`).join('; ');
}

/**
 * "HTTP 400 Bad Request: <the collector's answer>" for the OTLP exporters' OTLPExporterError
 * (status in `code`, response body in `data`); the message for anything else.
 */
export function describeExportError(error: unknown): string {
  if (Array.isArray(error)) return error.map(describeExportError).join('; ');
  const fields = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; data?: unknown };
  if (typeof fields.code === 'number' && fields.code >= 100 && fields.code <= 599) {
    const message = error instanceof Error && error.message ? ` ${error.message}` : '';
    const body = typeof fields.data === 'string' && fields.data.trim() !== '' ? `: ${truncate(fields.data.trim(), 200)}` : '';
    return `HTTP ${fields.code}${message}${body}`;
  }
  return describeError(error);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
