import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { Db } from "../db/connect.js";
import { dialectOf } from "../db/dialect.js";
import type { Logger } from "../log.js";
import { Engine, type EngineOptions } from "../scheduler/engine/engine.js";
import type { EngineEvent } from "../scheduler/events.js";
import { createJobRegistry } from "../scheduler/jobs/registry.js";
import { postgresSubscriber } from "../scheduler/notify.js";
import type { ThreadsClient } from "../threads/client.js";
import type { Services } from "./services.js";

/** Builds the engine of a running service from its parts. */
export function createEngine(
  deps: {
    config: Config;
    db: Db;
    threads: ThreadsClient;
    services: Services;
    clock: Clock;
    logger: Logger;
  },
  overrides: Partial<EngineOptions> = {},
): Engine {
  const { config, db, services } = deps;
  const pg = dialectOf(db) === "postgres";
  const engine = new Engine({
    db,
    threads: deps.threads,
    clock: deps.clock,
    logger: deps.logger,
    defaultTimezone: config.defaultTimezone,
    concurrency: config.schedulerConcurrency,
    jobs: createJobRegistry({ accounts: services.accounts, refresher: services.accounts }),
    pollMs: pg ? 5_000 : 1_000,
    ...(pg ? { subscribe: postgresSubscriber(config.databaseUrl, deps.logger) } : {}),
    ...overrides,
  });
  engine.on((event) => logEvent(deps.logger, event));
  return engine;
}

/** Engine events as structured log lines. */
export function logEvent(logger: Logger, event: EngineEvent): void {
  switch (event.type) {
    case "error":
      logger.error(`engine error in ${event.where}`, { error: event.error });
      return;
    case "failed":
    case "missed":
    case "abandoned":
    case "needs_check":
      logger.warn(event.type, { ...event });
      return;
    case "settled":
      logger.debug(event.type, { ...event });
      return;
    default:
      logger.info(event.type, { ...event });
  }
}
