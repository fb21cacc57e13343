import type { z } from 'zod';
import type { OptionIssue } from '../errors.js';
import { closest, keysAt } from './did-you-mean.js';
import { describeInput, wordIssue } from './wording.js';

type Issue = z.core.$ZodIssue & { readonly input?: unknown };

/**
 * zod's issues as the fields an InvalidOptionsError names (`a.b`, an unknown key as `a.key`), in
 * the reference's words (wording.ts). A union's "Invalid input" is opened up: the branches the
 * value matched in shape (an object whose field is wrong) name that field; when it matched none,
 * the message lists what each expected. Given the schema, an unknown key gets a "did you mean".
 * Parse with `reportInput: true` so the messages can say what was given.
 */
export function optionIssues(issues: readonly Issue[], schema?: z.ZodType): OptionIssue[] {
  return issues.flatMap((issue) => expand(issue, [], schema));
}

function expand(issue: Issue, prefix: readonly PropertyKey[], schema: z.ZodType | undefined): OptionIssue[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const matchedInShape = issue.errors.filter((branch) => branch.some((i) => i.path.length > 0 || i.code === 'unrecognized_keys'));
    if (matchedInShape.length > 0) return matchedInShape.flat().flatMap((i) => expand(i, path, schema));
    const field = fieldOf(path);
    const expected = [...new Set(issue.errors.flat().map((i) => wordIssue(i, field).replace(/, got .*$/, '')))];
    const got = 'input' in issue ? `, got ${describeInput(issue.input, field)}` : '';
    return [{ field, message: `${expected.join('; or ')}${got}` }];
  }
  if (issue.code === 'unrecognized_keys') {
    const known = keysAt(schema, path);
    return issue.keys.map((key) => ({ field: fieldOf([...path, key]), message: unknownKey(key, known) }));
  }
  const field = fieldOf(path);
  return [{ field, message: wordIssue(issue, field) }];
}

function unknownKey(key: string, known: readonly string[]): string {
  if (known.length === 0) return 'unknown option';
  const meant = closest(key, known);
  return meant ? `unknown option: did you mean \`${meant}\`?` : `unknown option (known: ${known.join(', ')})`;
}

function fieldOf(path: readonly PropertyKey[]): string {
  return path.length > 0 ? path.map(String).join('.') : '(root)';
}
