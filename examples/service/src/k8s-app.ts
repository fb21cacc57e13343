// The example service's app, configured but not started, for `quiesce k8s` (pnpm example:k8s):
// its plan gives the pod-spec numbers. Placeholder URLs stand in when the environment has none;
// nothing connects, because nothing starts.
import { buildApp } from './app.js';
import { loadConfig } from './config.js';

export const app = buildApp(
  loadConfig({
    DATABASE_URL: 'postgres://placeholder/orders',
    REDIS_URL: 'redis://placeholder:6379',
    AMQP_URL: 'amqp://placeholder',
    ...process.env,
  }),
);
