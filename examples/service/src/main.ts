// The service process: `node dist/main.js` with the configuration in environment variables.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { StartAbortedError } from '@quiesce/core';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { describeGraph, graphFormat, renderGraph, UsageError } from './describe-graph.js';
import { Http } from './tokens.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = buildApp(config);
  const format = graphFormat(process.argv.slice(2));
  if (format !== undefined) {
    // One format, nothing else on stdout: `… --graph dot | dot -Tsvg` works as is.
    console.log(renderGraph(app, format));
    return;
  }
  console.log(describeGraph(app));

  if (config.NAIVE === '1') {
    // The baseline the end-to-end tests compare against: what many services do.
    const die = (): never => process.exit(0);
    process.on('SIGTERM', die);
    process.on('SIGINT', die);
  } else {
    app.handleSignals({
      onReport: (report) => {
        if (config.REPORT_JSON === '1') console.log(`quiesce-report ${JSON.stringify(report)}`);
      },
    });
  }

  try {
    await app.start();
  } catch (error) {
    // The signal handler reports and sets the exit code for an interrupted start; a failed start is ours to report.
    if (!(error instanceof StartAbortedError)) {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    }
    return;
  }
  const address = app.get<Server>(Http).address() as AddressInfo;
  console.log(`listening on http://${address.address}:${address.port} (POST /items, GET /items/:id, /readyz, /livez); consuming queue "${config.QUEUE}"`);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError || error instanceof UsageError ? error.message : error);
  process.exitCode = 2;
});
