import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { type KeyState, requireSecretKey } from "../accounts/key-check.service.js";
import { type App, type AppThreads, createApp, type Services } from "../app/create-app.js";
import { connectThreads, type ThreadsConnection } from "../app/threads-connection.js";
import { type Clock, systemClock } from "../clock.js";
import { type Config, type ConfigOverrides, loadConfig, saveGeneratedKey } from "../config.js";
import type { Db } from "../db/connect.js";
import { DatabaseError, type DatabaseTarget, explainDatabaseError } from "../db/errors.js";
import { type DatabaseUse, databaseTarget, openForUse } from "../db/open.js";
import { createLogger, type Logger } from "../log.js";
import { ThreadsClient } from "../threads/client.js";
import type { Output } from "./output.js";
import { type Prompt, processPrompt } from "./prompt.js";

/** What the running command needs (from its Command): how it uses the database and the secret key. */
export interface CommandNeeds {
  database: DatabaseUse;
  secretKey?: "use" | "store" | undefined;
}

/** What a command can reach; everything is opened on first use and closed once at the end. */
export interface CliContext {
  output: Output;
  /** Questions to the person at the terminal (confirmations); commands never read process.stdin. */
  prompt: Prompt;
  clock: Clock;
  config(): Config;
  logger(): Logger;
  db(): Promise<Db>;
  /** Threads (sandbox, remote or live); `serveSandbox` when this process is the service. */
  threads(opts?: { serveSandbox?: boolean }): Promise<ThreadsConnection>;
  /** The application (createApp) on this command's database and Threads. */
  app(): Promise<App>;
  /** `app().services`. */
  services(): Promise<Services>;
  /** The database as messages name it (file path, or URL without password). */
  databaseTarget(): DatabaseTarget;
  /** A driver error about the database, explained (file, cause, what to do); other errors as they are. */
  explainError(error: unknown): unknown;
  close(): Promise<void>;
}

export function createCliContext(
  env: NodeJS.ProcessEnv,
  overrides: ConfigOverrides,
  output: Output,
  needs: CommandNeeds = { database: "write" },
  prompt: Prompt = processPrompt,
): CliContext {
  let config: Config | undefined;
  let logger: Logger | undefined;
  let db: Promise<Db> | undefined;
  let threads: Promise<ThreadsConnection> | undefined;
  let app: Promise<App> | undefined;
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
        const d = await openForUse(c.databaseUrl, ctx.databaseTarget(), {
          use: needs.database,
          dataDir: c.dataDir,
          locatedBy: c.databaseLocatedBy,
          poolSize: c.schedulerConcurrency + 5,
        });
        try {
          if (needs.secretKey) await checkKey(d);
        } catch (error) {
          await d.destroy().catch(() => {});
          throw ctx.explainError(error);
        }
        return d;
      })();
      return db;
    },
    threads(opts = {}) {
      threads ??= connectThreads(ctx.config(), ctx.logger(), {
        serveSandbox: opts.serveSandbox ?? false,
        // Sandbox mode: the database says which sandbox a running service serves.
        db: () => ctx.db(),
        notice: (message) => output.err(message),
      });
      return threads;
    },
    app() {
      app ??= (async () => {
        // The database first: a command refused for its database (or key) starts no sandbox.
        const db = await ctx.db();
        const c = ctx.config();
        return createApp({
          config: c,
          db,
          threads: await threadsOfApp(c),
          clock: ctx.clock,
          logger: ctx.logger(),
        });
      })();
      return app;
    },
    async services() {
      return (await ctx.app()).services;
    },
    databaseTarget() {
      return databaseTarget(ctx.config().databaseUrl, describeDb);
    },
    explainError(error) {
      if (error instanceof DatabaseError || config === undefined) return error;
      return explainDatabaseError(error, ctx.databaseTarget()) ?? error;
    },
    async close() {
      if (threads) await (await threads.catch(() => undefined))?.close();
      if (db) await (await db.catch(() => undefined))?.destroy();
    },
  };
  return ctx;

  /**
   * Threads as the app uses it. A command that only reads never calls Threads: in sandbox mode it starts no
   * in-process sandbox (which would write its state file into DATA_DIR); its client names where `start` serves
   * the sandbox. Every other command connects (sandbox, remote or live).
   */
  async function threadsOfApp(c: Config): Promise<AppThreads> {
    if (needs.database === "read" && c.threads.kind === "sandbox") {
      const graphUrl = `http://127.0.0.1:${c.sandboxPort}`;
      return { client: new ThreadsClient({ graphUrl }), mode: "sandbox", graphUrl, canExchangeTokens: true };
    }
    return ctx.threads();
  }

  /**
   * Refuses a command that needs the key when it is not the one the tokens were stored with, before it does
   * anything. A new key (no SECRET_KEY, no key file) is saved only for a command that stores tokens, and only
   * on a database that holds no token or key check of another key.
   */
  async function checkKey(d: Db): Promise<KeyState> {
    const c = ctx.config();
    const state = await requireSecretKey(d, c.secretKey, {
      origin: { source: c.secretKeySource, file: c.secretKeyFile },
      target: ctx.databaseTarget().name,
      now: ctx.clock.now(),
    });
    if (state.state === "unused" && c.secretKeySource === "new" && needs.secretKey === "store") {
      // `start` may make DATA_DIR itself (with PostgreSQL the database did not); other commands never do.
      if (needs.database === "create" && !existsSync(c.dataDir) && existsSync(dirname(c.dataDir))) {
        mkdirSync(c.dataDir);
      }
      config = saveGeneratedKey(c);
    }
    return state;
  }
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
