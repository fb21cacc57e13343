import type { ServiceIdentifier } from 'inversify';

/** Anything inversify can bind: a class, a string or a symbol. */
export type Token<T = unknown> = ServiceIdentifier<T>;

/** A readable name for a token, used in every error message and report row. */
export function tokenName(token: unknown): string {
  if (typeof token === 'function') return token.name || '<anonymous class>';
  if (typeof token === 'symbol') return token.description ? `Symbol(${token.description})` : token.toString();
  if (typeof token === 'string') return token;
  // LazyServiceIdentifier and friends: fall back to something printable rather than throwing.
  return String(token);
}
