import { serve } from "@hono/node-server";
import { inspectSecretKey } from "../../accounts/key-check.service.js";
import { createEngine, logEvent } from "../../app/scheduler-runtime.js";
import { createHttpApp } from "../../http/app.js";
import { acquireInstanceLock } from "../../scheduler/instance-lock.js";
import { recoverLeasesOf } from "../../scheduler/occurrences.repository.js";
import { type Command, flag } from "../command.js";
import { describeDb } from "../context.js";

export const startCommand: Command = {
  name: "start",
  summary: "Run the service: web server and scheduler (SQLite in ./data and the built-in sandbox by default)",
  usage: "[--no-web] [--no-scheduler]",
  database: "create",
  secretKey: "store",
  flags: [
    ["--no-web", "run only the scheduler"],
    ["--no-scheduler", "run only the web server"],
  ],
  options: { "no-web": { type: "boolean" }, "no-scheduler": { type: "boolean" } },
  async run(ctx, args) {
    const web = !flag(args, "no-web");
    const scheduler = !flag(args, "no-scheduler");
    if (!web && !scheduler) throw new Error("--no-web and --no-scheduler together leave nothing to run.");
    const logger = ctx.logger();
    const db = await ctx.db();
    // Read after the database: opening it may have saved a newly generated key.
    const config = ctx.config();
    const threads = await ctx.threads({ serveSandbox: true });
    const services = await ctx.services();
    const out = ctx.output;

    const engine = scheduler
      ? createEngine({ config, db, threads: threads.client, services, clock: ctx.clock, logger })
      : undefined;
    const lock = engine
      ? await acquireInstanceLock(db, engine.nodeId, () => ctx.clock.now(), describeDb(config.databaseUrl))
      : undefined;

    if (lock?.deadHolder) {
      // The previous scheduler on this SQLite file died mid-run: its runs are checked now, not in a minute.
      for (const occ of await recoverLeasesOf(db, lock.deadHolder, ctx.clock.now())) {
        logEvent(logger, {
          type: "abandoned",
          occurrenceId: occ.id,
          reason: occ.reason ?? "its scheduler died",
        });
      }
    }

    let server: ReturnType<typeof serve> | undefined;
    if (web) {
      const app = createHttpApp({
        db,
        now: () => ctx.clock.now(),
        defaultTimezone: config.defaultTimezone,
        threadsMode: threads.mode,
        threadsUrl: threads.graphUrl,
        scheduler: engine ? { running: () => true, nodeId: engine.nodeId } : null,
      });
      server = await listen(app.fetch, config.host, config.port);
    }
    await engine?.start();

    out.out(`threads-scheduler is running (database: ${describeDb(config.databaseUrl)})`);
    if (server) out.out(`Web: ${config.publicBaseUrl} (health: ${config.publicBaseUrl}/health)`);
    out.out(engine ? `Scheduler: running as ${engine.nodeId}` : "Scheduler: off (--no-scheduler)");
    out.out(threads.banner);
    if (config.secretKeySource === "generated") {
      out.out(
        `A new token encryption key was written to ${config.dataDir}/secret.key: back it up with the database.`,
      );
    }
    out.out("Press Ctrl+C to stop.");

    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) {
          out.err(
            `Second ${signal}: exiting now. Work in progress will be checked against Threads at the next start.`,
          );
          process.exit(130);
        }
        stopping = true;
        out.out(`${signal} received: finishing running posts (Ctrl+C again to force)…`);
        await engine?.stop(30_000);
        await lock?.release().catch(() => {});
        await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
        out.out("Stopped.");
        resolve();
      };
      process.once("SIGINT", () => void stop("SIGINT"));
      process.once("SIGTERM", () => void stop("SIGTERM"));
    });
    return 0;
  },
};

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
    const db = await ctx.db();
    ctx.output.out(`Database is up to date: ${describeDb(ctx.config().databaseUrl)}`);
    // Records the key check of a database from before key checks; the schema does not need the key, so a
    // mismatch is a warning here (the commands that need the key refuse with the same message).
    const config = ctx.config();
    const key = await inspectSecretKey(db, config.secretKey, {
      origin: { source: config.secretKeySource, file: config.secretKeyFile },
      target: ctx.databaseTarget().name,
      now: ctx.clock.now(),
      record: true,
    });
    if (key.state === "mismatch") ctx.output.err(`Warning: ${key.message}`);
    return 0;
  },
};
