import { readFileSync } from 'node:fs';
import { QuiesceError } from '../errors.js';
import type { Command } from './command.js';
import { CliUsageError, ReportInputError } from './errors.js';
import type { CliIo } from './io.js';
import { k8s } from './k8s.js';
import { render } from './render.js';

/** The subcommands. A new one (`quiesce k8s`, …) is a file exporting a Command, listed here. */
export const commands: Readonly<Record<string, Command>> = { render, k8s };

function help(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  return [
    'usage: quiesce <command> [options]',
    '',
    'commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'quiesce <command> --help   options of one command',
    'quiesce --version          the version of @quiesce/core',
  ].join('\n');
}

/** The whole program over its io: returns the exit code, never exits itself (main.ts does). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  try {
    if (first === undefined) {
      io.err(`${help()}\n`);
      return 2;
    }
    if (first === '--help' || first === '-h' || first === 'help') {
      io.out(`${help()}\n`);
      return 0;
    }
    if (first === '--version' || first === '-v') {
      io.out(`${version()}\n`);
      return 0;
    }
    if (first.startsWith('-')) throw new CliUsageError(`quiesce: unknown option '${first}' (see quiesce --help)`);
    const command = Object.hasOwn(commands, first) ? commands[first] : undefined;
    if (command === undefined) throw new CliUsageError(`quiesce: unknown command '${first}'; commands: ${Object.keys(commands).join(', ')}`);
    return await command.run(rest, io);
  } catch (error) {
    const usage = error instanceof CliUsageError || error instanceof ReportInputError;
    const code = error instanceof QuiesceError ? ` [${error.code}]` : '';
    io.err(`${error instanceof Error ? error.message : String(error)}${code}\n`);
    return usage ? 2 : 1;
  }
}

function version(): string {
  // dist/cli/ and src/cli/ both sit two levels below the package root.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
