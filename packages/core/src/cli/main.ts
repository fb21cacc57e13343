#!/usr/bin/env node
// The `quiesce` bin. A program, not a library: the exit code is set here and nowhere else.
import { processIo } from './io.js';
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2), processIo);
