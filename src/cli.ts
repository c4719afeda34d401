#!/usr/bin/env node
import { processOutput } from "./cli/output.js";
import { runCli } from "./cli/run-cli.js";

const code = await runCli(process.argv.slice(2), process.env, processOutput);
process.exitCode = code;
