/**
 * Stable codes of the warnings nodes put in a report (`ctx.warn(code, message)` → NodeReport.warnings):
 * alerting can branch on them without matching messages. Adapters may add their own `QUIESCE_*`.
 */
export const ReportWarningCodes = {
  /**
   * Traffic was still arriving when the listener closed: the drain delay (`drainDelayMs`) was
   * shorter than the time load balancers took to stop routing here (the http, ws and grpc servers).
   */
  DrainTooShort: 'QUIESCE_DRAIN_TOO_SHORT',
} as const;
export type ReportWarningCode = (typeof ReportWarningCodes)[keyof typeof ReportWarningCodes];
