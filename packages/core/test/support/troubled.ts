import { injectable, preDestroy } from 'inversify';
import { LifecycleContainer, resource } from '../../src/index.js';
import { sleep } from './timeline.js';

/**
 * A service whose shutdown has something to explain: a drain delay; an HTTP node that refuses new
 * work, waits for two requests and stops; a queue cut while deliveries were still open; a
 * best-effort metrics node that fails; a cache with inversify's own @preDestroy.
 */
export async function troubledShutdown() {
  @resource({ name: 'cache', dependsOn: ['pg'] })
  @injectable()
  class Cache {
    flushed = false;
    stop(): Promise<void> {
      return sleep(5);
    }
    @preDestroy()
    async flush(): Promise<void> {
      await sleep(15);
      this.flushed = true;
    }
  }
  const app = new LifecycleContainer({ serviceName: 'orders-api', shutdownTimeoutMs: 3_000, drainDelayMs: 60, defaultStopTimeoutMs: 700 });
  app
    .resource('pg', { value: {}, stop: () => sleep(10), reserveMs: 200 })
    .bind(Cache)
    .resource('api', { value: {}, dependsOn: ['pg', Cache] })
    .resource('http', {
      value: {},
      dependsOn: ['api'],
      // The two requests end 40 and 80 ms after quiesce began (timed from here, not from before
      // shutdown(): a loaded machine must not let the first end before the drain phase counts it).
      quiesce: () => {
        setTimeout(requests[0]!, 40);
        setTimeout(requests[1]!, 80);
        return sleep(20);
      },
      stop: () => sleep(10),
    })
    .resource('queue', {
      value: { unacked: 3 },
      dependsOn: ['pg'],
      stopTimeoutMs: 400,
      pending: (q) => `${q.unacked} unacked deliveries`,
      stop: () => sleep(5),
    })
    .resource('metrics', { value: {}, policy: 'bestEffort', stop: () => Promise.reject(new Error('push gateway refused')) });
  let requests: Array<() => void> = [];
  await app.start();
  const http = app.inFlight('http');
  requests = [http.track(), http.track()];
  app.inFlight('queue').track(); // a delivery whose handler never finishes
  const cache = app.get(Cache);
  const report = await app.shutdown();
  return { report, cache };
}

