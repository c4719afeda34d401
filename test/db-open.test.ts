import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { describeDb } from "../src/app/open-app.js";
import { type Db, openDatabase } from "../src/db/connect.js";
import { DatabaseError } from "../src/db/errors.js";
import { migrations } from "../src/db/migrations/index.js";
import { type DatabaseUse, databaseTarget, openForUse } from "../src/db/open.js";
import { createTestDb, DIALECTS, PG_ADMIN_URL, type TestDb } from "./helpers/db.js";

const dirs: string[] = [];
const opened: Db[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const db of opened.splice(0)) await db.destroy().catch(() => {});
  for (const c of cleanups.splice(0)) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "ts-open-"));
  dirs.push(d);
  return d;
}

async function open(url: string, use: DatabaseUse, dataDir = "/unused-data-dir"): Promise<Db> {
  const db = await openForUse(url, databaseTarget(url, describeDb), {
    use,
    dataDir,
    locatedBy: "DATABASE_URL",
  });
  opened.push(db);
  return db;
}

async function refusal(promise: Promise<unknown>): Promise<DatabaseError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatabaseError);
  return error as DatabaseError;
}

const NAMES = Object.keys(migrations);

describe("opening a SQLite database for a command", () => {
  it("a command that reads or writes creates nothing where there is no database, and says where it looked", async () => {
    const d = tempDir();
    const file = join(d, "threads-scheduler.db");
    for (const use of ["read", "write"] as const) {
      const e = await refusal(open(file, use));
      expect(e.reason).toBe("missing");
      expect(e.message).toContain(`No database at ${file}`);
      expect(e.message).toContain("Nothing was created");
      expect(e.message).toContain("threads-scheduler migrate");
    }
    expect(readdirSync(d)).toEqual([]);
  });

  it("creates DATA_DIR itself, but no other missing folder", async () => {
    const d = tempDir();
    const dataDir = join(d, "data");
    await open(join(dataDir, "threads-scheduler.db"), "create", dataDir);
    expect(existsSync(join(dataDir, "threads-scheduler.db"))).toBe(true);

    const deep = join(d, "no", "such", "dir");
    const e = await refusal(open(join(deep, "x.db"), "create", deep));
    expect(e.reason).toBe("missing_folder");
    expect(e.message).toContain(`the folder ${deep} does not exist`);
    expect(existsSync(join(d, "no"))).toBe(false);
  });

  it("refuses a folder, a file of random bytes and an empty file, each with what to do", async () => {
    const d = tempDir();
    mkdirSync(join(d, "folder.db"));
    expect((await refusal(open(join(d, "folder.db"), "create"))).reason).toBe("not_a_file");

    const random = join(d, "random.db");
    writeFileSync(random, randomBytes(16_384));
    for (const use of ["read", "write", "create"] as const) {
      const e = await refusal(open(random, use));
      expect(e.reason).toBe("not_a_database");
      expect(e.message).toContain(`${random} is not a database`);
      expect(e.message).toContain("Restore it from a backup");
    }

    const empty = join(d, "empty.db");
    writeFileSync(empty, "");
    for (const use of ["read", "write"] as const) {
      const e = await refusal(open(empty, use));
      expect(e.reason).toBe("empty");
      expect(e.message).toContain("run `threads-scheduler migrate`");
    }
    // `migrate` makes an empty file a database.
    const db = await open(empty, "create");
    expect(await db.selectFrom("accounts").select("id").execute()).toEqual([]);
  });
});

describe.each(DIALECTS)("schema versions on %s", (dialect) => {
  let t: TestDb;
  afterEach(async () => {
    await t?.destroy();
  });

  it("a command that only reads does not migrate an older schema: it says to run migrate", async () => {
    t = await createTestDb(dialect);
    const last = NAMES[NAMES.length - 1]!;
    await sql`delete from kysely_migration where name = ${last}`.execute(t.db);
    await migrations[last]!.down?.(t.db);

    const e = await refusal(open(t.url, "read"));
    expect(e.reason).toBe("old_schema");
    expect(e.message).toContain(last);
    expect(e.message).toContain("threads-scheduler migrate");
    const still = await sql<{ name: string }>`select name from kysely_migration`.execute(t.db);
    expect(still.rows.map((r) => r.name)).not.toContain(last);

    await open(t.url, "write");
    const after = await sql<{ name: string }>`select name from kysely_migration`.execute(t.db);
    expect(after.rows.map((r) => r.name)).toContain(last);
  });

  it("refuses a database upgraded by a newer version, for every use", async () => {
    t = await createTestDb(dialect);
    await sql`insert into kysely_migration (name, timestamp) values ('9999-from-the-future', '2030-01-01T00:00:00.000Z')`.execute(
      t.db,
    );
    for (const use of ["read", "write", "create"] as const) {
      const e = await refusal(open(t.url, use));
      expect(e.reason).toBe("newer_schema");
      expect(e.message).toContain("9999-from-the-future");
    }
  });

  it("a database with no tables of ours is refused unless creating", async () => {
    if (dialect === "sqlite") {
      const file = join(tempDir(), "other.db");
      const other = openDatabase(file);
      await sql`create table something_else (x integer)`.execute(other);
      await other.destroy();
      expect((await refusal(open(file, "read"))).reason).toBe("empty");
      t = await createTestDb(dialect);
      return;
    }
    t = await createTestDb(dialect);
    const schema = `t_empty_${randomBytes(4).toString("hex")}`;
    const admin = openDatabase(PG_ADMIN_URL, { poolSize: 1 });
    await sql`create schema ${sql.id(schema)}`.execute(admin);
    cleanups.push(async () => {
      await sql`drop schema ${sql.id(schema)} cascade`.execute(admin);
      await admin.destroy();
    });
    const u = new URL(PG_ADMIN_URL);
    u.searchParams.set("options", `-c search_path=${schema}`);
    for (const use of ["read", "write"] as const) {
      const e = await refusal(open(u.toString(), use));
      expect(e.reason).toBe("empty");
      expect(e.message).toContain("has no threads-scheduler tables");
    }
    const created = await open(u.toString(), "create");
    expect(await created.selectFrom("accounts").select("id").execute()).toEqual([]);
  });
});

describe.runIf(DIALECTS.includes("postgres"))("PostgreSQL that cannot be used", () => {
  it("names a database that does not exist and how to create it", async () => {
    const u = new URL(PG_ADMIN_URL);
    u.pathname = "/no_such_database_here";
    const e = await refusal(open(u.toString(), "read"));
    expect(e.reason).toBe("no_such_database");
    expect(e.message).toContain('database "no_such_database_here" does not exist');
    expect(e.message).toContain("createdb no_such_database_here");
  });
});
