import { readFileSync, writeFileSync } from 'node:fs';
import { ReportInputError } from './errors.js';

/** What a command may touch of the outside world: passed in, so each command says what it uses. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** A file's text, or stdin's whole text for `-`. */
  readonly read: (path: string) => Promise<string>;
  readonly writeFile: (path: string, text: string) => void;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  read: async (path) => {
    if (path === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    }
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new ReportInputError(path, `cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  },
  writeFile: (path, text) => writeFileSync(path, text),
};
