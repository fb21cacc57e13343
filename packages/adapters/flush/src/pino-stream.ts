/**
 * The destination a pino logger writes to. pino keeps it under `pino.symbols.streamSym`, a
 * `Symbol('pino.stream')` that is not registered (`Symbol.for`), so importing pino here would find
 * nothing on a logger made by the user's own copy of pino. The symbol is looked up by its
 * description instead, along the prototype chain (child loggers inherit it from their parent).
 */
export function pinoStreamOf(logger: unknown): object | undefined {
  for (let o: unknown = logger, depth = 0; typeof o === 'object' && o !== null && depth < 32; o = Object.getPrototypeOf(o), depth++) {
    const sym = Object.getOwnPropertySymbols(o).find((s) => s.description === 'pino.stream');
    if (sym) {
      const stream = (o as Record<symbol, unknown>)[sym];
      return typeof stream === 'object' && stream !== null ? stream : undefined;
    }
  }
  return undefined;
}
