import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Both drivers are optional peers: a project that installed one of them compiles these
// declarations with `skipLibCheck: false`, so they must not import either driver's module.
describe('published declarations', () => {
  it('import neither ioredis nor redis (an ioredis-only or node-redis-only project gets no TS2307)', () => {
    const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
    const config = ts.getParsedCommandLineOfConfigFile(path.join(dir, 'tsconfig.build.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
    const emitted = new Map<string, string>();
    const program = ts.createProgram(config.fileNames, { ...config.options, emitDeclarationOnly: true, noCheck: true, declarationMap: false, composite: false, incremental: false });
    program.emit(undefined, (file, text) => emitted.set(path.basename(file), text));
    expect(emitted.has('index.d.ts')).toBe(true);
    const driverImports = [...emitted].filter(([, text]) => /from ['"](ioredis|redis)['"]|import\(['"](ioredis|redis)['"]\)/.test(text)).map(([file]) => file);
    expect(driverImports).toEqual([]);
  });
});
