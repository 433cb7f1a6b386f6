#!/usr/bin/env node
// The `videoconsult` command (package.json "bin"); see cli.ts for the commands.
import { runCli } from './cli.js';

runCli(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  },
);
