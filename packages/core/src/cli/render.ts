import { ShutdownReport } from '../report/report.js';
import { parseCommandArgs } from './args.js';
import type { Command } from './command.js';
import { CliUsageError } from './errors.js';
import { readReport } from './read-report.js';

const FORMATS = ['html', 'svg', 'table'] as const;

/** `quiesce render <report.json | log file | -> [--html | --svg | --table] [-o file]` */
export const render: Command = {
  summary: 'render a captured shutdown report as an HTML page, an SVG timeline or a terminal table',
  usage: [
    'usage: quiesce render <file | -> [--html | --svg | --table] [-o <file>]',
    '',
    '  <file>        a JSON report (JSON.stringify(report), handleSignals({ reportFile })), or a log',
    '                holding one (e.g. a pino line with the report in its "report" field); the last',
    '                report in the file is rendered. "-" reads stdin.',
    '  --html        a self-contained page: the timeline and the table',
    '  --svg         the timeline alone',
    '  --table       the terminal table (the default)',
    '  -o, --output  write to this file instead of stdout',
    '',
    'exit codes: 0 rendered; 2 bad arguments or no readable "quiesce.shutdown-report/1" report; 1 other failures',
  ].join('\n'),
  async run(args, io) {
    const { values, positionals } = parseCommandArgs('quiesce render', args, {
      html: { type: 'boolean' },
      svg: { type: 'boolean' },
      table: { type: 'boolean' },
      output: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      io.out(`${render.usage}\n`);
      return 0;
    }
    const chosen = FORMATS.filter((f) => values[f]);
    if (chosen.length > 1) throw new CliUsageError(`quiesce render: choose one format, not ${chosen.map((f) => `--${f}`).join(' and ')}`);
    if (positionals.length !== 1) {
      throw new CliUsageError(positionals.length === 0 ? 'quiesce render: which report? Give a file, or - for stdin' : `quiesce render: one report at a time, got ${positionals.map((p) => `'${p}'`).join(', ')}`);
    }
    const source = positionals[0]!;
    const report = ShutdownReport.fromJSON(readReport(await io.read(source), source === '-' ? 'stdin' : source));
    const format = chosen[0] ?? 'table';
    const text = format === 'html' ? report.toHTML() : format === 'svg' ? report.toSVG() : report.toTable();
    const output = values.output as string | undefined;
    if (output === undefined) io.out(`${text}\n`);
    else io.writeFile(output, `${text}\n`);
    return 0;
  },
};
