import type { z } from 'zod';

interface Def {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly element?: z.ZodType;
  readonly valueType?: z.ZodType;
  readonly left?: z.ZodType;
  readonly right?: z.ZodType;
  readonly getter?: () => z.ZodType;
}
const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/**
 * The schemas a value at `path` is checked by, through zod's wrappers (optional, default, a
 * refinement's pipe, a union's branches): where an unknown key's siblings are looked up.
 */
function schemasAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType[] {
  const def = defOf(schema);
  const inner = def.innerType ?? def.in ?? def.getter?.();
  if (inner) return schemasAt(inner, path);
  if (def.type === 'union') return (def.options ?? []).flatMap((o) => schemasAt(o, path));
  if (def.type === 'intersection') return [def.left!, def.right!].flatMap((o) => schemasAt(o, path));
  if (path.length === 0) return [schema];
  const [head, ...rest] = path;
  const next = def.type === 'object' ? def.shape?.[String(head)] : (def.element ?? def.valueType);
  return next ? schemasAt(next, rest) : [];
}

/** The option names an object schema at `path` declares (none when the schema is not known). */
export function keysAt(schema: z.ZodType | undefined, path: readonly PropertyKey[]): string[] {
  if (!schema) return [];
  return [...new Set(schemasAt(schema, path).flatMap((s) => Object.keys(defOf(s).shape ?? {})))];
}

// Names users bring from the peers (terminus, lightship, close-with-grace) or guess, that no edit
// distance finds: a deadline is `shutdownTimeoutMs` here.
const SYNONYMS: Readonly<Record<string, string>> = {
  deadlinems: 'shutdownTimeoutMs',
  deadline: 'shutdownTimeoutMs',
  timeout: 'shutdownTimeoutMs',
  timeoutms: 'shutdownTimeoutMs',
  gracefultimeoutms: 'shutdownTimeoutMs',
  delay: 'drainDelayMs',
  delayms: 'drainDelayMs',
  beforeshutdowndelayms: 'drainDelayMs',
  shutdowndelay: 'drainDelayMs',
  shutdowndelayms: 'drainDelayMs',
};

/** The candidate `word` was most likely meant as, or undefined when none is close. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const synonym = SYNONYMS[lower];
  if (synonym && candidates.includes(synonym)) return synonym;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/** Levenshtein distance where swapping two neighbours counts once (`prot` → `port`: 1). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}
