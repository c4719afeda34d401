import { createServices, type Services } from "../app/services.js";
import { connectThreads, type ThreadsConnection } from "../app/threads-connection.js";
import { type Clock, systemClock } from "../clock.js";
import { type Config, type ConfigOverrides, loadConfig } from "../config.js";
import { type Database, migrateToLatest, openDatabase } from "../db/connect.js";
import { createLogger, type Logger } from "../log.js";
import type { Output } from "./output.js";
import { type Prompt, processPrompt } from "./prompt.js";

/** What a command can reach; everything is opened on first use and closed once at the end. */
export interface CliContext {
  output: Output;
  /** Questions to the person at the terminal (confirmations); commands never read process.stdin. */
  prompt: Prompt;
  clock: Clock;
  config(): Config;
  logger(): Logger;
  db(): Promise<Database>;
  /** Threads (sandbox, remote or live); `serveSandbox` when this process is the service. */
  threads(opts?: { serveSandbox?: boolean }): Promise<ThreadsConnection>;
  services(): Promise<Services>;
  close(): Promise<void>;
}

export function createCliContext(
  env: NodeJS.ProcessEnv,
  overrides: ConfigOverrides,
  output: Output,
  prompt: Prompt = processPrompt,
): CliContext {
  let config: Config | undefined;
  let logger: Logger | undefined;
  let db: Promise<Database> | undefined;
  let threads: Promise<ThreadsConnection> | undefined;
  let services: Promise<Services> | undefined;
  const ctx: CliContext = {
    output,
    prompt,
    clock: systemClock,
    config() {
      config ??= loadConfig(env, overrides);
      return config;
    },
    logger() {
      logger ??= createLogger(ctx.config().logLevel);
      return logger;
    },
    db() {
      db ??= (async () => {
        const c = ctx.config();
        // PostgreSQL: a connection per publication slot, plus a few for the engine's pass, the heartbeat and the
        // web UI. With the default 10 for 20 slots, every statement of a burst queued for a connection.
        const d = openDatabase(c.databaseUrl, { poolSize: c.schedulerConcurrency + 5 });
        try {
          await migrateToLatest(d);
        } catch (error) {
          await d.destroy().catch(() => {});
          throw new Error(
            `Cannot use the database (${describeDb(c.databaseUrl)}): ${(error as Error).message}`,
            {
              cause: error,
            },
          );
        }
        return d;
      })();
      return db;
    },
    threads(opts = {}) {
      threads ??= connectThreads(ctx.config(), ctx.logger(), { serveSandbox: opts.serveSandbox ?? false });
      return threads;
    },
    services() {
      services ??= (async () => {
        const threads = await ctx.threads();
        return createServices({
          db: await ctx.db(),
          threads: threads.client,
          config: ctx.config(),
          clock: ctx.clock,
          canExchangeTokens: threads.canExchangeTokens,
        });
      })();
      return services;
    },
    async close() {
      if (threads) await (await threads.catch(() => undefined))?.close();
      if (db) await (await db.catch(() => undefined))?.destroy();
    },
  };
  return ctx;
}

/** The database for messages, without a password. */
export function describeDb(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url;
  }
}
