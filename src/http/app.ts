import { Hono } from "hono";
import type { Db } from "../db/connect.js";
import { dialectOf } from "../db/dialect.js";
import { formatInZone, listJobs, listRuns } from "../scheduler/inspect.js";
import { renderStatusPage } from "./status-page.js";

export interface HttpDeps {
  db: Db;
  now: () => number;
  defaultTimezone: string;
  threadsMode: "sandbox" | "remote" | "live";
  threadsUrl: string;
  /** Whether this process runs the scheduler (and its node id). */
  scheduler: { running: () => boolean; nodeId: string } | null;
}

/** The HTTP app: health check and a status page (the full web UI is a later issue). */
export function createHttpApp(deps: HttpDeps): Hono {
  const app = new Hono();

  app.get("/health", async (c) => {
    let database = "ok";
    try {
      await deps.db.selectFrom("app_state").select("key").limit(1).execute();
    } catch {
      database = "unreachable";
    }
    const ok = database === "ok";
    return c.json(
      {
        status: ok ? "ok" : "degraded",
        database: { dialect: dialectOf(deps.db), status: database },
        threads: { mode: deps.threadsMode, url: deps.threadsUrl },
        scheduler: deps.scheduler
          ? { running: deps.scheduler.running(), node: deps.scheduler.nodeId }
          : { running: false, node: null },
      },
      ok ? 200 : 503,
    );
  });

  app.get("/", async (c) => {
    const now = deps.now();
    const accounts = await deps.db
      .selectFrom("accounts")
      .select(["id", "username", "status", "status_reason", "token_expires_at", "timezone"])
      .where("archived_at", "is", null)
      .orderBy("id")
      .execute();
    const jobs = (await listJobs(deps.db, now, deps.defaultTimezone)).slice(0, 50);
    const zoneOf = (tz: string | null) => tz ?? deps.defaultTimezone;
    const upcoming = await listRuns(deps.db, { state: "planned", from: now, limit: 20 }, zoneOf);
    const runs = await listRuns(deps.db, { limit: 50, to: now + 1 }, zoneOf);
    return c.html(
      renderStatusPage({
        threadsMode: deps.threadsMode,
        threadsUrl: deps.threadsUrl,
        schedulerRunning: deps.scheduler?.running() ?? false,
        accounts: accounts.map((a) => ({
          ...a,
          tokenExpires: formatInZone(a.token_expires_at, a.timezone),
        })),
        jobs,
        upcoming,
        runs,
      }),
    );
  });

  app.notFound((c) =>
    c.json({ error: { code: "not_found", message: `No route for ${c.req.method} ${c.req.path}` } }, 404),
  );
  app.onError((error, c) => {
    console.error(error);
    return c.json({ error: { code: "internal", message: "Internal error; see the server log." } }, 500);
  });
  return app;
}
