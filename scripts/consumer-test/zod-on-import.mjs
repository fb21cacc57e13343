// Which of a project's packages load zod when merely imported. quiesce validates options with zod
// but loads it on the first validation only (packages/core/src/validation/load-zod.cjs): importing
// @quiesce/* must cost a pod start nothing for zod. Both ways in are watched: ESM resolutions through
// a module.register() resolve hook, CommonJS through require.cache.
//
//   zodOnImport(projectDir, ['@quiesce/core', …]) → names of the packages that did load zod
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.RESOLVE_LOG, resolved.url + '\\n');
  return resolved;
}`;

export function zodOnImport(projectDir, packages) {
  const work = mkdtempSync(join(tmpdir(), 'quiesce-zod-'));
  try {
    writeFileSync(join(work, 'hooks.mjs'), HOOKS);
    writeFileSync(join(work, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${join(work, 'hooks.mjs')}`)});\n`);
    const loaded = [];
    for (const pkg of packages) {
      const log = join(work, `${pkg.replace(/\W/g, '_')}.log`);
      writeFileSync(log, '');
      const script = `await import(${JSON.stringify(pkg)}); const { createRequire } = await import('node:module'); process.stdout.write(String(Object.keys(createRequire(import.meta.url).cache).filter((f) => f.includes('/node_modules/zod/')).length));`;
      const required = Number(execFileSync(process.execPath, ['--import', join(work, 'register.mjs'), '--input-type=module', '-e', script], { cwd: projectDir, env: { ...process.env, RESOLVE_LOG: log }, encoding: 'utf8' }));
      const imported = readFileSync(log, 'utf8').split('\n').filter((url) => url.includes('/node_modules/zod/'));
      if (required > 0 || imported.length > 0) loaded.push(`${pkg} (${required} required, ${imported.length} imported)`);
    }
    return loaded;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
