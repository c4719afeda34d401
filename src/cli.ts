#!/usr/bin/env node
import { processOutput } from "./cli/output.js";
import { runCli } from "./cli/run-cli.js";

// `threads-scheduler runs | head`: a closed pipe ends the output quietly, as other CLI tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const code = await runCli(process.argv.slice(2), process.env, processOutput);
process.exitCode = code;
