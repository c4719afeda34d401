import { startSandbox } from "../../sandbox/index.js";
import { wholeNumberFromZero } from "../../schema-fields.js";
import { type Command, parseInput, str, strs } from "../command.js";

export const sandboxCommand: Command = {
  name: "sandbox",
  summary: "Run the built-in Threads API emulator alone (for tests, demos and benchmarks)",
  usage: "[--port N] [--host H] [--state FILE] [--processing-ms MS] [--latency-ms MS] [--user NAME ...]",
  flags: [
    ["--port N", "port to listen on (default 8787; 0 picks a free one)"],
    ["--host H", "address to listen on (default 127.0.0.1)"],
    ["--state FILE", "keep users, tokens and posts in this JSON file across restarts"],
    ["--processing-ms MS", "how long media containers stay IN_PROGRESS (default 3000)"],
    ["--latency-ms MS", "delay added to every API call (default 0)"],
    ["--user NAME", "create a user with a long-lived token and print it (repeatable)"],
  ],
  options: {
    port: { type: "string" },
    host: { type: "string" },
    state: { type: "string" },
    "processing-ms": { type: "string" },
    "latency-ms": { type: "string" },
    user: { type: "string", multiple: true },
  },
  async run(ctx, args) {
    const port = nonNegative(str(args, "port") ?? "8787", "--port");
    const host = str(args, "host") ?? "127.0.0.1";
    const processing = str(args, "processing-ms");
    const latency = str(args, "latency-ms");
    const state = str(args, "state");
    const started = await startSandbox({
      port,
      host,
      ...(state ? { stateFile: state } : {}),
      ...(processing !== undefined ? { mediaProcessingMs: nonNegative(processing, "--processing-ms") } : {}),
      ...(latency !== undefined ? { latencyMs: nonNegative(latency, "--latency-ms") } : {}),
    }).catch((error: Error) => {
      throw new Error(`Cannot start the sandbox on ${host}:${port}: ${error.message}`, { cause: error });
    });
    const out = ctx.output;
    out.out(`Threads sandbox listening on ${started.url}`);
    out.out(`  Use it as Threads: THREADS_GRAPH_URL=${started.url}`);
    out.out(
      `  New user + token:  curl -s -X POST ${started.url}/__sandbox/users -H 'content-type: application/json' -d '{"username":"demo"}'`,
    );
    for (const username of strs(args, "user")) {
      const u = started.sandbox.createUser({ username, tokenKind: "long" });
      out.out(`  user @${u.username} (id ${u.userId}) token: ${u.accessToken}`);
    }
    out.out("Press Ctrl+C to stop.");
    await new Promise<void>((resolve) => {
      const stop = () => void started.sandbox.flush().finally(() => started.close().finally(resolve));
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    return 0;
  },
};

function nonNegative(text: string, what: string): number {
  return parseInput(wholeNumberFromZero(what), text);
}
