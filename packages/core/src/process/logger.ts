/** A pino-shaped logger: `logger.info({ node }, 'message')`. pino instances fit as they are. */
export interface Logger {
  debug?(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * `logger: console` gives one readable line per event: the message alone, which already says
 * what happened (console.info(fields, msg) would print the field object, and an error's whole
 * stack, before it).
 */
export function consoleLines(out: Pick<Console, 'debug' | 'info' | 'warn' | 'error'>): Logger {
  const line = (write: (text: string) => void) => (fields: object, msg?: string) => write(msg ?? JSON.stringify(fields));
  return { debug: line((t) => out.debug(t)), info: line((t) => out.info(t)), warn: line((t) => out.warn(t)), error: line((t) => out.error(t)) };
}
