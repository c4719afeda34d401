import type SqliteDatabase from "better-sqlite3";
import type { SqliteDatabase as KyselySqliteDatabase } from "kysely";

/** Distinct statements kept compiled: the service issues a few dozen shapes; batch inserts add a few more. */
const CAPACITY = 256;

/**
 * better-sqlite3 compiles a statement on every `prepare()`, and Kysely prepares every query afresh: about
 * a third of the SQLite time of a post was compiling the same SQL again (docs/benchmarks.md). This keeps
 * the most recently used statements by their SQL text. A statement still busy (an open iterator from a
 * streamed query) is never handed out twice; a fresh one is compiled instead.
 */
export function cachingStatements(db: SqliteDatabase.Database, capacity = CAPACITY): KyselySqliteDatabase {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare(sql: string) {
      const cached = cache.get(sql);
      if (cached && !cached.busy) {
        // Most recently used last: the first key is the one to evict.
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = db.prepare(sql);
      if (!cached) {
        cache.set(sql, statement);
        if (cache.size > capacity) cache.delete(cache.keys().next().value!);
      }
      return statement;
    },
  };
}
