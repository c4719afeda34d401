import { sql } from "kysely";
import pg from "pg";
import type { Logger } from "../log.js";
import type { Db } from "./connect.js";
import { dialectOf } from "./dialect.js";

/** The PostgreSQL channel engines listen on for "new work may be due". */
export const WORK_CHANNEL = "threads_scheduler_work";

/**
 * PostgreSQL LISTEN/NOTIFY for "work changed": database plumbing, next to the connection (db/ may hold SQL),
 * not a repository (it reads and writes no table).
 */

/**
 * Tells every engine on this PostgreSQL that work changed (a schedule was edited, a post was queued).
 * On SQLite there is one engine, which polls; nothing to do. The services reach it through their `notify`
 * dependency, which the composition root (app/create-app.ts) wires to this.
 */
export async function notifyWork(db: Db): Promise<void> {
  if (dialectOf(db) !== "postgres") return;
  await sql`select pg_notify(${WORK_CHANNEL}, '')`.execute(db);
}

/**
 * LISTEN on a dedicated connection; reconnects after a failure (the poll covers the gap).
 * Returns the subscriber for `EngineOptions.subscribe`.
 */
export function postgresSubscriber(url: string, logger: Logger) {
  return async function subscribe(wake: () => void): Promise<() => Promise<void>> {
    let client: pg.Client | undefined;
    let closed = false;
    let retry: NodeJS.Timeout | undefined;
    const connect = async (): Promise<void> => {
      if (closed) return;
      const c = new pg.Client({ connectionString: url });
      c.on("notification", () => wake());
      c.on("error", (error) => {
        logger.warn("LISTEN connection lost; reconnecting", { error });
        c.end().catch(() => {});
        if (!closed) retry = setTimeout(() => void connect(), 2_000);
      });
      try {
        await c.connect();
        await c.query(`LISTEN ${WORK_CHANNEL}`);
        client = c;
        wake();
      } catch (error) {
        logger.warn("LISTEN failed; polling until it works", { error });
        c.end().catch(() => {});
        if (!closed) retry = setTimeout(() => void connect(), 2_000);
      }
    };
    await connect();
    return async function unsubscribe() {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => {});
    };
  };
}
