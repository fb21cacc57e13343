import type { ServiceIdentifier } from 'inversify';

/** Anything inversify can bind: a class, a string or a symbol. */
export type Token<T = unknown> = ServiceIdentifier<T>;

/**
 * A readable name for a token, used in every error message, report row, chart and graph. A symbol
 * prints as its description (`http`, not `Symbol(http)`): that is the name its author gave it.
 */
export function tokenName(token: unknown): string {
  if (typeof token === 'function') return token.name || '<anonymous class>';
  if (typeof token === 'symbol') return token.description || '<anonymous symbol>';
  if (typeof token === 'string') return token;
  // LazyServiceIdentifier and friends: fall back to something printable rather than throwing.
  return String(token);
}
