/**
 * The app for one command: the database opened for the command's use (read: never created nor migrated;
 * write; create), the secret key checked against it, Threads connected only when the command calls it, and
 * the App (createApp) built on them; everything opened on first use and closed once at the end. The CLI's
 * context is a thin layer over this and reaches nothing of `db/`.
 *
 * Errors, as part of this module's contract: every failure to open or use the database as it is (missing,
 * read-only, damaged, of another version, a server that cannot be reached) is a `DatabaseError`, whose message
 * names the file or server and says what to do, and whose `reason` tells the cases apart. It is re-exported
 * here on purpose rather than wrapped in an AppError: it is not a use-case error with a code a surface maps
 * (not found, conflict…) but "this installation's database cannot be used", which every surface shows as it
 * is, and a second class would only copy its reasons and messages. `explainError` turns a driver's error met
 * later (a read-only file found by a write) into one.
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  adoptSecretKey,
  inspectSecretKey,
  type KeyState,
  requireSecretKey,
} from "../accounts/key-check.service.js";
import type { Clock } from "../clock.js";
import { type Config, type ConfigOverrides, loadConfig, saveGeneratedKey } from "../config.js";
import type { Db } from "../db/connect.js";
import { DatabaseError, type DatabaseTarget, explainDatabaseError } from "../db/errors.js";
import { type DatabaseUse, databaseTarget, openForUse } from "../db/open.js";
import { createLogger, type Logger, silentLogger } from "../log.js";
import { schedulerRunning } from "../scheduler/instance-lock.js";
import { ThreadsClient } from "../threads/client.js";
import { type App, type AppThreads, createApp } from "./create-app.js";
import { connectThreads, type ThreadsConnection } from "./threads-connection.js";

export { DatabaseError } from "../db/errors.js";
export type { DatabaseUse } from "../db/open.js";

/** What the command needs: how it uses the database and the secret key. */
export interface AppNeeds {
  /**
   * "read" never creates or migrates the database, and says so when it is missing or older; "write" changes
   * an existing one (migrating it first); "create" (start, migrate) may create it.
   */
  database: DatabaseUse;
  /**
   * The command decrypts ("use") or stores ("store") account tokens: SECRET_KEY is checked against the
   * database's key check first and the command refused on a mismatch. "store" also saves a newly generated
   * key file when the database holds no token yet.
   */
  secretKey?: "use" | "store" | undefined;
}

export interface OpenAppOptions {
  env: NodeJS.ProcessEnv;
  /** Flags over the environment. */
  overrides: ConfigOverrides;
  needs: AppNeeds;
  clock: Clock;
  /** Where notices about the sandbox go (the CLI: stderr). */
  notice(message: string): void;
}

/** The secret key against the database's key check, for the commands that manage the key. */
export interface KeyTools {
  /** The key in use (config) compared with the database's key check; `record`: record a missing check. */
  inspect(opts: { record: boolean }): Promise<KeyState>;
  /** Adopts `key` (see adoptSecretKey); returns the accounts that must be given a new token. */
  adopt(key: Buffer): Promise<Array<{ id: number; username: string }>>;
  /** Whether a scheduler is running on this database (SQLite: its lock is held); undefined when unknown. */
  schedulerRunning(): Promise<boolean | undefined>;
}

/** How a command uses its App (see AppSession.app). */
export interface AppOptions {
  callsThreads?: boolean;
  runsScheduler?: boolean;
}

export interface AppSession {
  config(): Config;
  logger(): Logger;
  /** Opens the database for the command's use and checks the key (once): a refused command does nothing else. */
  open(): Promise<void>;
  /** Threads (sandbox, remote or live); `serveSandbox` when this process is the service. */
  threads(opts?: { serveSandbox?: boolean }): Promise<ThreadsConnection>;
  /**
   * The App on this command's database and Threads. `callsThreads: false` (default for a "read" command):
   * no connection, nor sandbox, is made; its client names where `start` serves the sandbox. The first call
   * decides. `runsScheduler`: this process is the service (`start`), whose engine logs its events; every
   * other command's engine (`post` publishing now) is silent, as the command itself says what happened.
   */
  app(opts?: AppOptions): Promise<App>;
  keys(): Promise<KeyTools>;
  /** The database as messages name it: the SQLite file's path, or the URL without its password. */
  databaseName(): string;
  /** A driver error about the database, explained as a DatabaseError; other errors as they are. */
  explainError(error: unknown): unknown;
  close(): Promise<void>;
}

export function openAppSession(opts: OpenAppOptions): AppSession {
  const { needs, clock } = opts;
  let config: Config | undefined;
  let logger: Logger | undefined;
  let db: Promise<Db> | undefined;
  let threads: Promise<ThreadsConnection> | undefined;
  let app: Promise<App> | undefined;
  const session: AppSession = {
    config() {
      config ??= loadConfig(opts.env, opts.overrides);
      return config;
    },
    logger() {
      logger ??= createLogger(session.config().logLevel);
      return logger;
    },
    async open() {
      await database();
    },
    threads(o = {}) {
      threads ??= connectThreads(session.config(), session.logger(), {
        serveSandbox: o.serveSandbox ?? false,
        // Sandbox mode: the database says which sandbox a running service serves.
        db: () => database(),
        notice: opts.notice,
      });
      return threads;
    },
    app(o = {}) {
      app ??= (async () => {
        // The database first: a command refused for its database (or key) starts no sandbox.
        const d = await database();
        const c = session.config();
        return createApp({
          config: c,
          db: d,
          threads: await threadsOfApp(c, o.callsThreads ?? needs.database !== "read"),
          clock,
          logger: session.logger(),
          ...(o.runsScheduler ? {} : { engine: { logger: silentLogger } }),
        });
      })();
      return app;
    },
    async keys() {
      const d = await database();
      return {
        inspect: ({ record }) => {
          const c = session.config();
          return inspectSecretKey(d, c.secretKey, {
            origin: { source: c.secretKeySource, file: c.secretKeyFile },
            target: session.databaseName(),
            now: clock.now(),
            record,
          });
        },
        adopt: (key) => adoptSecretKey(d, key, clock.now()),
        schedulerRunning: () => schedulerRunning(d),
      };
    },
    databaseName() {
      return target().name;
    },
    explainError(error) {
      if (error instanceof DatabaseError || config === undefined) return error;
      return explainDatabaseError(error, target()) ?? error;
    },
    async close() {
      if (threads) await (await threads.catch(() => undefined))?.close();
      if (db) await (await db.catch(() => undefined))?.destroy();
    },
  };
  return session;

  function target(): DatabaseTarget {
    return databaseTarget(session.config().databaseUrl, describeDb);
  }

  function database(): Promise<Db> {
    db ??= (async () => {
      const c = session.config();
      // PostgreSQL: a connection per publication slot, plus a few for the engine's pass, the heartbeat and the
      // web UI. With the default 10 for 20 slots, every statement of a burst queued for a connection.
      const d = await openForUse(c.databaseUrl, target(), {
        use: needs.database,
        dataDir: c.dataDir,
        locatedBy: c.databaseLocatedBy,
        poolSize: c.schedulerConcurrency + 5,
      });
      try {
        if (needs.secretKey) await checkKey(d);
      } catch (error) {
        await d.destroy().catch(() => {});
        throw session.explainError(error);
      }
      return d;
    })();
    return db;
  }

  /**
   * Threads as the app uses it. A command that does not call Threads: in sandbox mode it starts no in-process
   * sandbox (which would write its state file into DATA_DIR); its client names where `start` serves the
   * sandbox. Every other command connects (sandbox, remote or live).
   */
  async function threadsOfApp(c: Config, callsThreads: boolean): Promise<AppThreads> {
    if (!callsThreads && c.threads.kind === "sandbox") {
      const graphUrl = `http://127.0.0.1:${c.sandboxPort}`;
      return { client: new ThreadsClient({ graphUrl }), mode: "sandbox", graphUrl, canExchangeTokens: true };
    }
    return session.threads();
  }

  /**
   * Refuses a command that needs the key when it is not the one the tokens were stored with, before it does
   * anything. A new key (no SECRET_KEY, no key file) is saved only for a command that stores tokens, and only
   * on a database that holds no token or key check of another key.
   */
  async function checkKey(d: Db): Promise<KeyState> {
    const c = session.config();
    const state = await requireSecretKey(d, c.secretKey, {
      origin: { source: c.secretKeySource, file: c.secretKeyFile },
      target: session.databaseName(),
      now: clock.now(),
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
