/** A pino-shaped logger: `logger.info({ node }, 'message')`. pino instances fit as they are. */
export interface Logger {
  debug?(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
