import { describeError, QuiesceError } from '@quiesce/core';

/**
 * forceFlush() or shutdown() of the SDK failed: the exporter could not deliver (the collector
 * refused, was unreachable, or the SDK's own export timeout passed), so telemetry was lost.
 */
export class OtelExportError extends QuiesceError {
  override readonly name = 'OtelExportError';
  override readonly code = 'QUIESCE_OTEL_EXPORT_FAILED';
  constructor(
    /** 'forceFlush' or 'shutdown': the call that failed first. */
    readonly step: 'forceFlush' | 'shutdown',
    override readonly cause: unknown,
  ) {
    super(`OpenTelemetry ${step}() failed, telemetry was not exported: ${describeCause(cause)}`, { cause });
  }
}

// TracerProvider.forceFlush() rejects with an array of its processors' errors.
function describeCause(cause: unknown): string {
  return Array.isArray(cause) ? cause.map(describeError).join('; ') : describeError(cause);
}
