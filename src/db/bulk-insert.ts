import { type Insertable, type Kysely, sql } from "kysely";
import type { Db } from "./connect.js";
import { dialectOf } from "./dialect.js";
import type { DB } from "./schema.js";

/**
 * Rows per statement. SQLite: a multi-row VALUES list, far below its bound-parameter limit (32766).
 * PostgreSQL: one JSON parameter, so only the statement's size bounds it.
 */
const SQLITE_BATCH = 500;
const POSTGRES_BATCH = 5_000;

interface BulkInsertOptions<T extends keyof DB> {
  /** The unique key whose conflicts are skipped (ON CONFLICT … DO NOTHING). */
  conflict: Array<keyof DB[T] & string>;
  /** Columns to return for the rows actually inserted (not the skipped ones). */
  returning?: Array<keyof DB[T] & string>;
}

/**
 * Inserts many rows, skipping those that conflict on `conflict`, in statements of up to 500 (SQLite) or 5,000 (PostgreSQL) rows; returns
 * the `returning` columns of the inserted rows (empty without `returning`) and how many were inserted.
 * Every row must have the same keys (the first row's columns are the ones written).
 *
 * On PostgreSQL a multi-row VALUES list costs a parameter per value, each parsed, bound and planned: for the
 * planner's 200,000 rows that was a third of the insert time (docs/benchmarks.md). The rows travel instead as
 * one JSON parameter, turned into rows of the table's own type by `json_populate_recordset`. On SQLite, which
 * runs in process, VALUES lists are as fast as anything (measured) and stay.
 */
export async function insertSkippingConflicts<T extends keyof DB & string>(
  db: Db,
  table: T,
  rows: Insertable<DB[T]>[],
  options: BulkInsertOptions<T>,
): Promise<{ inserted: number; returned: Array<Record<string, unknown>> }> {
  if (rows.length === 0) return { inserted: 0, returned: [] };
  const columns = Object.keys(rows[0]!);
  const returned: Array<Record<string, unknown>> = [];
  let inserted = 0;
  const postgres = dialectOf(db) === "postgres";
  const size = postgres ? POSTGRES_BATCH : SQLITE_BATCH;
  for (let i = 0; i < rows.length; i += size) {
    const chunk = rows.slice(i, i + size);
    const result = postgres
      ? await insertJson(db, table, columns, chunk, options)
      : await insertValues(db, table, chunk, options);
    inserted += result.inserted;
    returned.push(...result.returned);
  }
  return { inserted, returned };
}

type Result = { inserted: number; returned: Array<Record<string, unknown>> };

async function insertJson<T extends keyof DB & string>(
  db: Db,
  table: T,
  columns: string[],
  rows: unknown[],
  options: BulkInsertOptions<T>,
): Promise<Result> {
  const list = sql.join(columns.map((c) => sql.id(c)));
  const returning = options.returning?.length
    ? sql` returning ${sql.join(options.returning.map((c) => sql.id(c)))}`
    : sql``;
  const result = await sql<Record<string, unknown>>`insert into ${sql.table(table)} (${list})
    select ${list} from json_populate_recordset(null::${sql.table(table)}, ${JSON.stringify(rows)}::json)
    on conflict (${sql.join(options.conflict.map((c) => sql.id(c)))}) do nothing${returning}`.execute(db);
  return { inserted: Number(result.numAffectedRows ?? 0n), returned: result.rows };
}

async function insertValues<T extends keyof DB & string>(
  db: Db,
  table: T,
  rows: Insertable<DB[T]>[],
  options: BulkInsertOptions<T>,
): Promise<Result> {
  // The builder's types cannot follow a table chosen at run time; the caller's types checked the rows.
  // biome-ignore lint/suspicious/noExplicitAny: see above.
  const query = (db as Kysely<any>)
    .insertInto(table)
    .values(rows)
    .onConflict((oc) => oc.columns(options.conflict).doNothing());
  if (options.returning?.length) {
    const returned = await query.returning(options.returning).execute();
    return { inserted: returned.length, returned };
  }
  const result = await query.executeTakeFirst();
  return { inserted: Number(result.numInsertedOrUpdatedRows ?? 0n), returned: [] };
}
