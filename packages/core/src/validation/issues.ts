import type { z } from 'zod';
import type { OptionIssue } from '../errors.js';

type Issue = z.core.$ZodIssue;

/**
 * zod's issues as the fields an InvalidOptionsError names (`a.b`, an unknown key as `a.key`). A
 * union's "Invalid input" is opened up: the branches the value matched in shape (an object whose
 * field is wrong) name that field; when it matched none, the message lists what each expected.
 */
export function optionIssues(issues: readonly Issue[]): OptionIssue[] {
  return issues.flatMap((issue) => expand(issue, []));
}

function expand(issue: Issue, prefix: readonly PropertyKey[]): OptionIssue[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const matchedInShape = issue.errors.filter((branch) => branch.some((i) => i.path.length > 0 || i.code === 'unrecognized_keys'));
    if (matchedInShape.length > 0) return matchedInShape.flat().flatMap((i) => expand(i, path));
    const expected = [...new Set(issue.errors.flat().map((i) => i.message.replace(/^Invalid input: /, '')))];
    return [{ field: fieldOf(path), message: `Invalid input: ${expected.join('; or ')}` }];
  }
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ field: fieldOf([...path, key]), message: issue.message }));
  return [{ field: fieldOf(path), message: issue.message }];
}

function fieldOf(path: readonly PropertyKey[]): string {
  return path.length > 0 ? path.map(String).join('.') : '(root)';
}
