import { describe, expect, it } from "vitest";
import { DatabaseError, explainDatabaseError } from "./errors.js";

const sqlite = { dialect: "sqlite" as const, name: "/srv/ts/data/threads-scheduler.db" };
const pg = { dialect: "postgres" as const, name: "postgres://app:***@db.internal:5432/threads" };
const driverError = (message: string, code?: string) =>
  Object.assign(new Error(message), code ? { code } : {});

describe("explainDatabaseError", () => {
  it.each([
    ["SQLITE_NOTADB", "not_a_database", "Restore it from a backup"],
    ["SQLITE_CORRUPT", "not_a_database", "Restore it from a backup"],
    ["SQLITE_READONLY", "read_only", "chmod u+w /srv/ts/data/threads-scheduler.db"],
    ["SQLITE_READONLY_DIRECTORY", "folder_read_only", "its folder /srv/ts/data is not writable"],
    ["SQLITE_CANTOPEN", "cannot_open", "Check that the file exists"],
    ["SQLITE_BUSY", "locked", "locked by another process"],
    ["SQLITE_FULL", "disk_full", "the disk is full"],
    ["SQLITE_IOERR_WRITE", "io_error", "Check the disk"],
  ])("SQLite %s: %s, naming the file", (code, reason, hint) => {
    const e = explainDatabaseError(driverError("sqlite says no", code), sqlite);
    expect(e).toBeInstanceOf(DatabaseError);
    expect(e?.reason).toBe(reason);
    expect(e?.message).toContain(sqlite.name);
    expect(e?.message).toContain(hint);
  });

  it.each([
    [driverError("connect ECONNREFUSED 10.0.0.5:5432", "ECONNREFUSED"), "unreachable", "is running"],
    [
      driverError("Connection terminated due to connection timeout"),
      "unreachable",
      "no answer within 10 seconds",
    ],
    [driverError('database "threads" does not exist', "3D000"), "no_such_database", "createdb threads"],
    [
      driverError('password authentication failed for user "app"', "28P01"),
      "login_refused",
      "user and password",
    ],
    [driverError("cannot execute INSERT in a read-only transaction", "25006"), "read_only", "not a standby"],
    [driverError("permission denied for schema public", "42501"), "no_permission", "Grant the user"],
  ])("PostgreSQL %s", (error, reason, hint) => {
    const e = explainDatabaseError(error, pg);
    expect(e?.reason).toBe(reason);
    expect(e?.message).toContain(pg.name);
    expect(e?.message).toContain(hint);
  });

  it("leaves errors that are not about the database itself as they are", () => {
    expect(
      explainDatabaseError(driverError("UNIQUE constraint failed", "SQLITE_CONSTRAINT_UNIQUE"), sqlite),
    ).toBe(undefined);
    expect(explainDatabaseError(driverError("duplicate key value", "23505"), pg)).toBe(undefined);
    expect(explainDatabaseError(new Error("a bug"), sqlite)).toBe(undefined);
    expect(explainDatabaseError("a string", pg)).toBe(undefined);
  });
});
