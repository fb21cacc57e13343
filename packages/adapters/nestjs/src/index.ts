export { quiesceNest, NEST_APP_NODE } from './quiesce-nest.js';
export { quiesceNestOptionsSchema, type QuiesceNestOptions, type ProviderOverride } from './options.js';
export { NestNotAnApplicationError, NestShutdownHooksEnabledError } from './errors.js';
export { NEST_HOOKS, type NestHook } from './hooks.js';
