// Every link of an installed package's markdown files must lead somewhere (#30): a relative link
// to a file inside the package (the tarball, as node_modules holds it), an absolute one into this
// repository to a file that exists here. Other sites are not fetched (no network in the test).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPOSITORY, root } from '../pack.mjs';

const LINK = /\]\(([^)\s]+)\)/g;

/** The broken links of the markdown files at the top of `packageDir`, as "FILE: target — why". */
export function brokenLinks(packageDir, label) {
  const broken = [];
  for (const file of readdirSync(packageDir).filter((f) => f.endsWith('.md'))) {
    for (const [, target] of readFileSync(join(packageDir, file), 'utf8').matchAll(LINK)) {
      const why = whyBroken(packageDir, target);
      if (why) broken.push(`${label}/${file}: ${target} — ${why}`);
    }
  }
  return broken;
}

function whyBroken(packageDir, target) {
  if (target.startsWith('#') || target.startsWith('mailto:')) return undefined;
  if (target.startsWith(`${REPOSITORY}/`)) {
    const path = /^\/(?:blob|tree)\/main\/([^#?]+)/.exec(target.slice(REPOSITORY.length))?.[1];
    if (path === undefined) return /^\/?(#.*)?$/.test(target.slice(REPOSITORY.length)) ? undefined : 'not a blob/tree link into main';
    return existsSync(join(root, decodeURIComponent(path))) ? undefined : `no ${path} in the repository`;
  }
  if (/^https?:/.test(target)) return undefined;
  const path = target.split('#')[0];
  return existsSync(join(packageDir, path)) ? undefined : 'not in the tarball (relative links break inside node_modules)';
}
