export interface TestServer {
  host: string;
  port: number;
  url: string;
  /** Pid of the process we started (undefined when the server came from an environment variable). */
  pid: number | undefined;
  /** True when the server was given by QUIESCE_*_URL and is not ours to stop. */
  external: boolean;
  /** Stops the server, waits for its processes to exit and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
}

export interface PgServer extends TestServer {
  user: string;
  password: string | undefined;
  database: string;
}

export type RedisServer = TestServer;

export type RabbitMQServer = TestServer;

export interface StartOptions {
  /** Listen on this port instead of a free one picked at random (no retry if it is busy). */
  port?: number;
  /** How long to wait for the server to accept connections. */
  startTimeoutMs?: number;
}
