/** One call a memory logger received. */
export interface LoggedLine {
  readonly level: string;
  readonly obj: object;
  readonly msg?: string;
}

/** A pino-shaped logger that keeps what it was told, for tests that assert on log lines. */
export function memoryLogger(): { lines: LoggedLine[]; info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void } {
  const lines: LoggedLine[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

/** Runs fn and returns its value with the milliseconds it took. */
export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const began = performance.now();
  const value = await fn();
  return [value, performance.now() - began];
}
