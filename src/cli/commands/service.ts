import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { describeDb } from "../../app/open-app.js";
import { stopTimeout } from "../../schema-fields.js";
import { destroyHttpAgents } from "../../threads/http-send.js";
import { type Command, flag, parseInput, str, UsageError } from "../command.js";
import { hintSentence } from "../hints.js";

export const startCommand: Command = {
  name: "start",
  summary: "Run the service: web server and scheduler (SQLite in ./data and the built-in sandbox by default)",
  usage: "[--no-web] [--no-scheduler] [--stop-timeout SECONDS]",
  database: "create",
  secretKey: "store",
  flags: [
    ["--no-web", "run only the scheduler"],
    ["--no-scheduler", "run only the web server"],
    [
      "--stop-timeout SECONDS",
      "how long a stop waits for posts in flight before cutting them off (default 30, or STOP_TIMEOUT)",
    ],
  ],
  options: {
    "no-web": { type: "boolean" },
    "no-scheduler": { type: "boolean" },
    "stop-timeout": { type: "string" },
  },
  async run(ctx, args) {
    const web = !flag(args, "no-web");
    const scheduler = !flag(args, "no-scheduler");
    if (!web && !scheduler) {
      throw new UsageError(
        "--no-web and --no-scheduler together leave nothing to run: give at most one of them.",
      );
    }
    await ctx.open();
    // Read after the database: opening it may have saved a newly generated key.
    const config = ctx.config();
    const stopTimeoutMs = stopTimeoutOf(args, config.stopTimeoutMs);
    const threads = await ctx.threads({ serveSandbox: true });
    // This process runs the scheduler: its engine logs what it does.
    const app = await ctx.app({ runsScheduler: true });
    const out = ctx.output;

    // The engine before the web app: /health names the scheduler of this process.
    const engine = scheduler ? app.engine : undefined;
    const lock = engine ? await app.acquireSchedulerLock(describeDb(config.databaseUrl)) : undefined;

    let server: ReturnType<typeof serve> | undefined;
    if (web) server = await listen(app.http.fetch, config.host, config.port);
    await engine?.start();

    out.out(`threads-scheduler is running (database: ${describeDb(config.databaseUrl)})`);
    if (server) out.out(`Web: ${config.publicBaseUrl} (health: ${config.publicBaseUrl}/health)`);
    out.out(engine ? `Scheduler: running as ${engine.nodeId}` : "Scheduler: off (--no-scheduler)");
    out.out(threads.banner);
    if (threads.sampleMediaUrls)
      out.out(`Sample media for trying posts: ${threads.sampleMediaUrls.join("  ")}`);
    if (config.secretKeySource === "generated") {
      out.out(
        `A new token encryption key was written to ${config.dataDir}/secret.key: back it up with the database.`,
      );
    }
    out.out("Press Ctrl+C to stop.");

    await new Promise<void>((resolve) => {
      let stopping = false;
      // `on`, not `once`: a second signal must find a handler, and it exits at once.
      const onSignal = (signal: NodeJS.Signals) => {
        if (stopping) {
          out.err(
            `Second ${signal}: exiting now, without waiting. Runs in flight will be checked against Threads at the next start.`,
          );
          process.exit(signal === "SIGINT" ? 130 : 143);
        }
        stopping = true;
        void stopService(signal).then(resolve);
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
    });
    return 0;

    /**
     * Stops within the stop timeout, whatever Threads or the network do: the engine cuts off what is still in
     * flight when it runs out, and if anything still holds the process after that, it exits all the same.
     */
    async function stopService(signal: NodeJS.Signals): Promise<void> {
      const seconds = formatSeconds(stopTimeoutMs);
      out.out(
        `${signal} received: stopping. Posts in flight get up to ${seconds} to finish (STOP_TIMEOUT); ${signal === "SIGINT" ? "Ctrl+C again" : `a second ${signal}`} exits at once.`,
      );
      // Unref'd: it fires only if something keeps the process alive past the timeout; a clean stop never sees it.
      setTimeout(() => {
        out.err(
          `Could not stop cleanly within ${seconds} (STOP_TIMEOUT): exiting now. Runs in flight will be checked against Threads at the next start.`,
        );
        process.exit(1);
      }, stopTimeoutMs + LAST_RESORT_MS).unref();
      // No new web requests; the ones under way finish while the engine stops.
      const closed = server ? new Promise<void>((r) => server!.close(() => r())) : Promise.resolve();
      const result = await engine?.stop(stopTimeoutMs);
      if (result?.cutOff) {
        const parts = [
          result.toCheck > 0
            ? `${plural(result.toCheck, "post")} may have gone out and will be checked against Threads at the next start`
            : "",
          result.handedBack > 0
            ? `${plural(result.handedBack, "run")} had published nothing and will run at the next start`
            : "",
        ].filter(Boolean);
        out.out(
          `The stop timeout (${seconds}) cut off ${plural(result.cutOff, "run")} still waiting for Threads${parts.length ? `: ${parts.join("; ")}` : ""}. \`threads-scheduler runs\` shows them.`,
        );
      }
      await lock?.release().catch(() => {});
      (server as Server | undefined)?.closeAllConnections();
      await closed;
      // Keep-alive sockets (and any call still in flight outside the engine) end now.
      destroyHttpAgents();
      out.out("Stopped.");
    }
  },
};

/** Past the stop timeout, how long the last steps (database, sandbox) get before the process exits anyway. */
const LAST_RESORT_MS = 1_500;

function stopTimeoutOf(args: Parameters<Command["run"]>[1], fallback: number): number {
  const text = str(args, "stop-timeout");
  return text === undefined ? fallback : parseInput(stopTimeout("--stop-timeout"), text);
}

function formatSeconds(ms: number): string {
  return `${ms / 1000} s`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function listen(
  fetch: Parameters<typeof serve>[0]["fetch"],
  hostname: string,
  port: number,
): Promise<ReturnType<typeof serve>> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname, port }, () => resolve(server));
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          error.code === "EADDRINUSE"
            ? `Port ${port} on ${hostname} is already in use: stop what uses it or set PORT to another port.`
            : `Cannot listen on ${hostname}:${port}: ${error.message}`,
        ),
      );
    });
  });
}

export const migrateCommand: Command = {
  name: "migrate",
  summary: "Create or upgrade the database schema (start does this too)",
  usage: "",
  database: "create",
  async run(ctx) {
    await ctx.open();
    ctx.output.out(`Database is up to date: ${describeDb(ctx.config().databaseUrl)}`);
    // Records the key check of a database from before key checks; the schema does not need the key, so a
    // mismatch is a warning here (the commands that need the key refuse with the same message).
    const key = await (await ctx.keys()).inspect({ record: true });
    if (key.state === "mismatch") ctx.output.err(`Warning: ${key.message}${hintSentence(key.hint)}`);
    return 0;
  },
};
