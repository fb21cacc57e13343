export { otelSdk, otelPending, DEFAULT_RESERVE_MS } from './sdk.js';
export { OtelExportError } from './errors.js';
export { otelModule } from './module.js';
export type { OtelOptions, OtelModuleOptions, OtelShutdownable, OtelValue } from './options.js';
