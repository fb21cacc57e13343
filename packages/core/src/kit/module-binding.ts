import { tokenName, type Token } from '../token.js';
import { moduleTokenSchema } from '../container/options.js';
import { parseOptions } from '../validation/parse-options.js';

/**
 * Every `xModule(options)`'s node name and token, one convention: the node name is `name`, else
 * the given token's name (a string, a symbol's description, a class's name), else the adapter's
 * name; the token defaults to the node name. The token is validated here (a `Symbol()` typo'd as a
 * number would otherwise bind nothing usable).
 */
export function moduleBinding<T = unknown>(subject: string, options: { token?: Token<T>; name?: string }, adapter: string): { name: string; token: Token<T> } {
  parseOptions(moduleTokenSchema, { token: options.token }, subject);
  const token = options.token;
  const named = token === undefined ? undefined : tokenName(token);
  const name = options.name ?? (named === undefined || named.startsWith('<anonymous') ? adapter : named);
  return { name, token: token ?? name };
}
