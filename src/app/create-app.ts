import type { Hono } from "hono";
import { createAccountService } from "../accounts/accounts.service.js";
import { accountLookup } from "../accounts/live-account.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { Db } from "../db/connect.js";
import { dialectOf } from "../db/dialect.js";
import { notifyWork, postgresSubscriber } from "../db/notify.js";
import { accountGroups } from "../groups/account-groups.js";
import { createGroupService } from "../groups/groups.service.js";
import { createHttpApp } from "../http/app.js";
import type { Logger } from "../log.js";
import { rootPostOfRun } from "../publications/ledger.js";
import { createReplyService } from "../replies/replies.service.js";
import { accountRuns } from "../scheduler/account-runs.js";
import { Engine, type EngineOptions } from "../scheduler/engine/engine.js";
import { groupRuns } from "../scheduler/group-runs.js";
import {
  acquireInstanceLock,
  type InstanceLock,
  recoverRunsOfDeadHolder,
} from "../scheduler/instance-lock.js";
import { createJobRegistry } from "../scheduler/jobs/registry.js";
import { PLAN_HORIZON_MS } from "../scheduler/planning/index.js";
import { createPostService, type PostService } from "../scheduler/posts.service.js";
import { runExists } from "../scheduler/run-exists.js";
import { createRunService, type RunService } from "../scheduler/runs.service.js";
import { createStatusService } from "../scheduler/status.service.js";
import { createAccountSchedules } from "../schedules/account-schedules.js";
import { createScheduleService } from "../schedules/schedules.service.js";
import { logEvent } from "./engine-log.js";
import type { ThreadsConnection } from "./threads-connection.js";

/** Where Threads is, as the app uses it: the client, and what the status page says about it. */
export type AppThreads = Pick<ThreadsConnection, "client" | "mode" | "graphUrl" | "canExchangeTokens">;

export interface AppDeps {
  config: Config;
  db: Db;
  threads: AppThreads;
  clock: Clock;
  /** Where the engine's events and the services' warnings go. */
  logger: Logger;
  /**
   * Engine options over the ones the app derives from the config and the dialect (tests: a node id, a short
   * lease, no LISTEN). Default none.
   */
  engine?: Partial<EngineOptions>;
  /** Randomness of random windows (default Math.random); tests pass a seeded one. */
  rng?: () => number;
}

/** The use cases: accounts, groups, schedules, the scheduler's runs and posts outside the schedules. */
export type Services = ReturnType<typeof createServices> & { runs: RunService; posts: PostService };

/** The application, built from its parts: what the CLI, the web server and the tests use. */
export interface App {
  /** The use cases (see Services). */
  services: Services;
  /**
   * This app's one engine, built on first use (a command that only lists never pays for one), not started:
   * `start` starts it. A post published now (`services.posts.now`) runs on it too, started or not.
   */
  readonly engine: Engine;
  /** Another engine on the same parts, with other options (`check`: a silent one; tests: a second node). */
  newEngine(overrides?: Partial<EngineOptions>): Engine;
  /**
   * What running `engine` as the scheduler needs first. SQLite: the instance lock (one scheduler per file;
   * `where` names the database in the refusal); the runs of a previous scheduler that died holding it are sent
   * to be checked now, not a lease later. PostgreSQL: nothing (undefined).
   */
  acquireSchedulerLock(where: string): Promise<InstanceLock | undefined>;
  /**
   * The web app (Hono), built on first use. Its /health names this process's scheduler: the app's engine, if
   * it was built before (`start` builds it first when it runs the scheduler).
   */
  readonly http: Hono;
}

/**
 * The one composition root: services, engine and web app from the config, the database, Threads, the clock and
 * the logger. No side effects: nothing is started, listened to or opened here (the engine subscribes to
 * PostgreSQL NOTIFY when it starts).
 */
export function createApp(deps: AppDeps): App {
  const notify = changeNotifier(deps);
  const features = createServices(deps, notify);
  let engine: Engine | undefined;
  const services: Services = {
    ...features,
    runs: createRunService({
      db: deps.db,
      clock: deps.clock,
      defaultTimezone: deps.config.defaultTimezone,
      horizonMs: PLAN_HORIZON_MS,
      notify,
      ...(deps.rng ? { rng: deps.rng } : {}),
    }),
    posts: createPostService({
      db: deps.db,
      clock: deps.clock,
      defaultTimezone: deps.config.defaultTimezone,
      accounts: features.accounts,
      groups: features.groups,
      notify,
      // The one engine of this app: its node id is the one the instance lock and its recovery name.
      engine: () => app.engine,
    }),
  };
  let http: Hono | undefined;
  const app: App = {
    services,
    get engine() {
      engine ??= buildEngine(deps, services);
      return engine;
    },
    newEngine: (overrides = {}) => buildEngine(deps, services, overrides),
    async acquireSchedulerLock(where) {
      const { db, clock, logger } = deps;
      const lock = await acquireInstanceLock(db, app.engine.nodeId, () => clock.now(), where);
      for (const { runId, reason } of await recoverRunsOfDeadHolder(db, lock, clock.now())) {
        logEvent(logger, { type: "abandoned", runId, reason });
      }
      return lock;
    },
    get http() {
      http ??= createHttpApp({
        status: createStatusService({ db: deps.db, defaultTimezone: deps.config.defaultTimezone }),
        now: () => deps.clock.now(),
        threadsMode: deps.threads.mode,
        threadsUrl: deps.threads.graphUrl,
        scheduler: engine ? { running: () => true, nodeId: engine.nodeId } : null,
      });
      return http;
    },
  };
  return app;
}

/**
 * What every service that changes what is planned calls to wake the engines of all processes: PostgreSQL
 * NOTIFY; on SQLite the one engine polls. A failed NOTIFY costs a poll interval, not the change: it is logged,
 * never thrown.
 */
function changeNotifier(deps: AppDeps): () => Promise<void> {
  const { db, logger } = deps;
  return async function notify(): Promise<void> {
    await notifyWork(db).catch((error: unknown) => {
      logger.warn("could not notify the engines of a change (they see it at their next poll)", { error });
    });
  };
}

/**
 * The use cases, wired: every change to what is planned wakes the engines of all processes (the services call
 * `notify`), and an account's new zone re-plans the schedules that follow it. A service reaches another
 * feature only through the narrow interface that feature exports for it (`accountLookup`, `accountGroups`,
 * `accountSchedules`, `accountRuns`, `groupRuns`), never through its repository: each of their functions takes
 * the calling service's transaction, so a check or a change of another feature's rows commits with its own.
 */
function createServices(deps: AppDeps, notify: () => Promise<void>) {
  const { db, config, clock } = deps;
  const schedules = createScheduleService({
    db,
    clock,
    defaultTimezone: config.defaultTimezone,
    horizonMs: PLAN_HORIZON_MS,
    notify,
    accounts: accountLookup,
    groups: accountGroups,
    ...(deps.rng ? { rng: deps.rng } : {}),
  });
  const accountSchedules = createAccountSchedules(config.defaultTimezone);
  const accounts = createAccountService({
    db,
    threads: deps.threads.client,
    secretKey: config.secretKey,
    clock,
    defaultTimezone: config.defaultTimezone,
    canExchangeTokens: deps.threads.canExchangeTokens,
    notify,
    onTimezoneChanged: (accountId) => schedules.followAccountZone(accountId),
    runs: accountRuns,
    schedules: accountSchedules,
  });
  const groups = createGroupService({
    db,
    clock,
    accounts: accountLookup,
    runs: groupRuns,
    schedules: accountSchedules,
  });
  const replies = createReplyService({
    db,
    threads: deps.threads.client,
    clock,
    accounts,
    rootPostOfRun,
    runExists,
  });
  return { accounts, groups, schedules, replies };
}

/**
 * The engine's options in one place: PostgreSQL engines LISTEN for changes and poll every 5 s as a safety net;
 * the one SQLite engine polls every second. Its events go to the log.
 */
function buildEngine(deps: AppDeps, services: Services, overrides: Partial<EngineOptions> = {}): Engine {
  const { config, db } = deps;
  const pg = dialectOf(db) === "postgres";
  const options: EngineOptions = {
    db,
    threads: deps.threads.client,
    clock: deps.clock,
    logger: deps.logger,
    defaultTimezone: config.defaultTimezone,
    concurrency: config.schedulerConcurrency,
    horizonMs: PLAN_HORIZON_MS,
    jobs: createJobRegistry({ accounts: services.accounts, refresher: services.accounts }),
    pollMs: pg ? 5_000 : 1_000,
    ...(pg ? { subscribe: postgresSubscriber(config.databaseUrl, deps.logger) } : {}),
    ...deps.engine,
    ...overrides,
  };
  const engine = new Engine(options);
  engine.on((event) => logEvent(options.logger, event));
  return engine;
}
