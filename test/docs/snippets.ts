// Reading the snippets of the user docs (the README and docs/guides/*.md) and what each says it is.
//
// Every ```ts / ```js fence must be preceded (blank lines allowed) by a marker comment:
//
//   <!-- docs-test: run [http] [warns] [exit=N] [file=name.ts] [expect="text"|expect='text']… -->  compiled and run
//   <!-- docs-test: typecheck [file=name.ts] -->                               compiled, not run
//   <!-- docs-test: skip <reason> -->                                          left out, and says why
//   <!-- docs-test: tsconfig -->  (on a ```json fence)                         the project's tsconfig.json
//
// `warns`: the snippet shows a plan warning on purpose (without it, any plan warning fails: an
// example that does not fit its own deadline teaches the wrong numbers).
// `http`: the program serves on $PORT; it is sent SIGTERM once it answered a loopback request.
// `file=`: the name the snippet is saved under (other snippets of the same page import it as
// `./name.js`); by default `snippet-<line>.ts` / `.mjs`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Mode = 'run' | 'typecheck' | 'skip';

export interface Snippet {
  /** Page, relative to the repository root. */
  readonly doc: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: 'ts' | 'js';
  readonly mode: Mode;
  readonly http: boolean;
  /** The snippet shows a plan warning on purpose. */
  readonly warns: boolean;
  readonly exit: number;
  readonly expect: readonly string[];
  /** Path inside the project: src/<page>/<file>.ts for TypeScript, js/<page>/<file>.mjs for JavaScript. */
  readonly path: string;
  readonly reason?: string;
  readonly code: string;
}

export interface Page {
  readonly doc: string;
  readonly snippets: readonly Snippet[];
  /** The tsconfig.json a `tsconfig` marker names, if the page has one. */
  readonly tsconfig?: string;
  /** Fences of code that carry no marker: each is a failure. */
  readonly unmarked: readonly string[];
}

const FENCE = /^```(\w*)\s*$/;
const MARKER = /^<!--\s*docs-test:\s*(.*?)\s*-->\s*$/;
const CODE_LANGS: Record<string, 'ts' | 'js'> = { ts: 'ts', typescript: 'ts', js: 'js', javascript: 'js', mjs: 'js' };

export function slug(doc: string): string {
  return doc.replace(/\.md$/, '').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase();
}

function tokens(text: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const m of text.matchAll(/(\w+)="([^"]*)"|(\w+)='([^']*)'|(\w+)=(\S+)|(\S+)/g)) {
    const key = m[1] ?? m[3] ?? m[5] ?? m[7]!;
    const value = m[2] ?? m[4] ?? m[6] ?? '';
    found.set(key, [...(found.get(key) ?? []), value]);
  }
  return found;
}

export function readPage(root: string, doc: string): Page {
  const lines = readFileSync(join(root, doc), 'utf8').split('\n');
  const snippets: Snippet[] = [];
  const unmarked: string[] = [];
  let tsconfig: string | undefined;
  let marker: { text: string; line: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = MARKER.exec(line.trim());
    if (m) {
      marker = { text: m[1]!, line: i + 1 };
      continue;
    }
    const fence = FENCE.exec(line);
    if (!fence) {
      if (line.trim() !== '') marker = undefined;
      continue;
    }
    // A fence: collect it to its end.
    const start = i + 1;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    const code = `${body.join('\n')}\n`;
    const lang = CODE_LANGS[fence[1]!];
    const text = marker?.text ?? '';
    marker = undefined;
    const [mode, ...rest] = text.split(/\s+/);
    if (mode === 'tsconfig') {
      tsconfig = code;
      continue;
    }
    if (!lang) continue;
    if (mode !== 'run' && mode !== 'typecheck' && mode !== 'skip') {
      unmarked.push(`${doc}:${start} (\`\`\`${fence[1]} with no docs-test marker)`);
      continue;
    }
    const opts = tokens(rest.join(' '));
    const reason = mode === 'skip' ? rest.join(' ').replace(/^[—:-]\s*/, '') : undefined;
    if (mode === 'skip' && !reason) unmarked.push(`${doc}:${start} (skip without a reason)`);
    const file = opts.get('file')?.[0] ?? `snippet-${start}.${lang === 'ts' ? 'ts' : 'mjs'}`;
    snippets.push({
      doc,
      line: start,
      lang,
      mode,
      http: opts.has('http'),
      warns: opts.has('warns'),
      exit: Number(opts.get('exit')?.[0] ?? 0),
      expect: opts.get('expect') ?? [],
      path: `${lang === 'ts' ? 'src' : 'js'}/${slug(doc)}/${file}`,
      reason,
      code,
    });
  }
  return { doc, snippets, tsconfig, unmarked };
}
