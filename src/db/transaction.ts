import type { Db } from "./connect.js";

/** Runs `work` in the caller's transaction when `db` is one, else in a new transaction. */
export function inTransaction<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}
