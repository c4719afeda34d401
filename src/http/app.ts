import { Hono } from "hono";
import type { StatusService } from "../scheduler/status.service.js";
import { renderStatusPage } from "./status-page.js";

export interface HttpDeps {
  /** The reads of `/health` and the status page (the app never holds the database itself). */
  status: Pick<StatusService, "health" | "statusPage">;
  now: () => number;
  threadsMode: "sandbox" | "remote" | "live";
  threadsUrl: string;
  /** Whether this process runs the scheduler (and its node id). */
  scheduler: { running: () => boolean; nodeId: string } | null;
}

/** The HTTP app: health check and a status page (the full web UI is a later issue). */
export function createHttpApp(deps: HttpDeps): Hono {
  const app = new Hono();

  app.get("/health", async (c) => {
    const database = await deps.status.health();
    const ok = database.status === "ok";
    return c.json(
      {
        status: ok ? "ok" : "degraded",
        database,
        threads: { mode: deps.threadsMode, url: deps.threadsUrl },
        scheduler: deps.scheduler
          ? { running: deps.scheduler.running(), node: deps.scheduler.nodeId }
          : { running: false, node: null },
      },
      ok ? 200 : 503,
    );
  });

  app.get("/", async (c) => {
    const reads = await deps.status.statusPage(deps.now());
    return c.html(
      renderStatusPage({
        threadsMode: deps.threadsMode,
        threadsUrl: deps.threadsUrl,
        schedulerRunning: deps.scheduler?.running() ?? false,
        ...reads,
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
