// Type-only import (erased from the JS): without it tsc 5.9 rejects the
// augmentation below with TS2664 "module 'vitest' cannot be found".
import type {} from 'vitest';

/**
 * What the vitest global setup hands to test files. Serializable data only:
 * provided values cross into worker processes.
 */
export interface ProvidedServers {
  pg: { url: string; host: string; port: number; user: string; password: string | undefined; database: string };
  redis: { url: string; host: string; port: number };
  amqp: { url: string; host: string; port: number };
  mariadb: { url: string; host: string; port: number; user: string; password: string | undefined; database: string };
  nats: { url: string; host: string; port: number };
}

// Lets `inject('servers')` in any test file be typed without a cast.
declare module 'vitest' {
  export interface ProvidedContext {
    servers: ProvidedServers;
  }
}
