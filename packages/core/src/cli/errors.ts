import { ErrorCodes, QuiesceError } from '../errors.js';

/** The command line asked for something the CLI does not know or cannot do (an unknown flag, a missing file argument). */
export class CliUsageError extends QuiesceError {
  override readonly name = 'CliUsageError';
  override readonly code = ErrorCodes.CliUsageError;
}

/** The input held no shutdown report this version can read (none found, another schema, a field of the wrong shape). */
export class ReportInputError extends QuiesceError {
  override readonly name = 'ReportInputError';
  override readonly code = ErrorCodes.ReportInputError;
  constructor(
    readonly source: string,
    readonly reason: string,
  ) {
    super(`${source}: ${reason}`);
  }
}
