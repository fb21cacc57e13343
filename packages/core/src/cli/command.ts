import type { CliIo } from './io.js';

/** One subcommand: `quiesce <name> …`. Returns the exit code; throws a CliUsageError or ReportInputError for exit code 2. */
export interface Command {
  /** One line for `quiesce --help`. */
  readonly summary: string;
  /** Its own `--help`. */
  readonly usage: string;
  run(args: readonly string[], io: CliIo): Promise<number>;
}
