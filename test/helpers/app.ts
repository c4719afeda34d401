import { type App, type AppDeps, createApp } from "../../src/app/create-app.js";
import type { Clock } from "../../src/clock.js";
import { loadConfig } from "../../src/config.js";
import { silentLogger } from "../../src/log.js";
import { ThreadsClient } from "../../src/threads/client.js";
import type { TestDb } from "./db.js";

/** Where the remote Threads of a test app points: a closed port, so a call that should not happen fails. */
const NOWHERE = "http://127.0.0.1:9";

/**
 * The composition root on a test database, with a remote Threads that no test reaches and a silent logger;
 * `over` replaces any of its deps (an engine's node id, a sandbox's client).
 */
export function createTestApp(t: TestDb, clock: Clock, over: Partial<AppDeps> = {}): App {
  return createApp({
    config: loadConfig({}, { DATABASE_URL: t.url, SECRET_KEY: "33".repeat(32), DATA_DIR: "/nonexistent" }),
    db: t.db,
    threads: {
      client: new ThreadsClient({ graphUrl: NOWHERE }),
      mode: "remote",
      graphUrl: NOWHERE,
      canExchangeTokens: false,
    },
    clock,
    logger: silentLogger,
    ...over,
  });
}
