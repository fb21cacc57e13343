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

export interface MariaDBServer extends TestServer {
  user: string;
  password: string | undefined;
  database: string;
}

export type NatsServer = TestServer;

export interface RabbitMQServer extends TestServer {
  /**
   * Runs `rabbitmqctl` against this node and resolves its stdout (`close_all_connections`,
   * `list_connections`...). Undefined for a server given by QUIESCE_AMQP_URL.
   */
  ctl?: (args: string[]) => Promise<string>;
}

export interface StartOptions {
  /** Listen on this port instead of a free one picked at random (no retry if it is busy). */
  port?: number;
  /** How long to wait for the server to accept connections. */
  startTimeoutMs?: number;
  /**
   * Start a server of our own even when QUIESCE_*_URL names one: fault tests hurt their server
   * and must never get a shared one. Default true.
   */
  useEnv?: boolean;
}
