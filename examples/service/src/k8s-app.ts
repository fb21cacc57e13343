// The example service's app, configured but not started, for `quiesce k8s` (pnpm example:k8s):
// its plan gives the pod-spec numbers. Placeholder URLs stand in when the environment has none;
// nothing connects, because nothing starts. On Kubernetes the drain must outlast kube-proxy's
// propagation lag (5 s, docs/KUBERNETES.md), so the local demo's 1 s drain and 12 s deadline are
// raised here; the environment still wins.
import { buildApp } from './app.js';
import { loadConfig } from './config.js';

export const app = buildApp(
  loadConfig({
    DATABASE_URL: 'postgres://placeholder/orders',
    REDIS_URL: 'redis://placeholder:6379',
    AMQP_URL: 'amqp://placeholder',
    DRAIN_DELAY_MS: '5000',
    SHUTDOWN_TIMEOUT_MS: '16000',
    ...process.env,
  }),
);
