import type { LogTail } from './log-tail.js';

export type ServerName = 'postgres' | 'redis' | 'rabbitmq' | 'mariadb' | 'nats' | 'haproxy';

/**
 * Every failure names the server and carries the end of its log: the cause is
 * nearly always printed there, and a CI log should not need a re-run to see it.
 */
export class ServerError extends Error {
  readonly server: ServerName;
  readonly logLines: string[];

  constructor(server: ServerName, message: string, log?: LogTail, options?: { cause?: unknown }) {
    const logLines = log?.tail(20) ?? [];
    const body = logLines.length > 0
      ? `\n--- last ${logLines.length} lines of the ${server} log ---\n${logLines.join('\n')}`
      : `\n(no output from ${server})`;
    super(`[test-servers] ${server}: ${message}${body}`, options);
    this.name = 'ServerError';
    this.server = server;
    this.logLines = logLines;
  }
}
