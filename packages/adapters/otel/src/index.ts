export { otelSdk, otelPending, DEFAULT_RESERVE_MS } from './sdk.js';
export { OtelExportError, type OtelExportFailure, type OtelSignal } from './errors.js';
export { otelModule } from './module.js';
export type { OtelOptions, OtelModuleOptions, OtelShutdownable, OtelValue } from './options.js';
