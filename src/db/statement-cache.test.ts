import SqliteDatabase from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { cachingStatements } from "./statement-cache.js";

describe("cachingStatements", () => {
  const raw = new SqliteDatabase(":memory:");
  afterEach(() => {
    raw.exec("drop table if exists t");
  });

  it("hands out one compiled statement per SQL text and keeps working across schema changes", () => {
    const db = cachingStatements(raw);
    db.prepare("create table t (x integer)").run([]);
    const insert = db.prepare("insert into t (x) values (?)");
    expect(db.prepare("insert into t (x) values (?)")).toBe(insert);
    insert.run([1]);
    db.prepare("insert into t (x) values (?)").run([2]);
    raw.exec("alter table t add column y integer default 7");
    expect(db.prepare("select * from t order by x").all([])).toEqual([
      { x: 1, y: 7 },
      { x: 2, y: 7 },
    ]);
  });

  it("compiles a fresh statement while the cached one is still iterating", () => {
    const db = cachingStatements(raw);
    raw.exec("create table t (x integer); insert into t values (1), (2)");
    const sql = "select x from t order by x";
    const first = db.prepare(sql);
    const iterator = first.iterate([]) as IterableIterator<{ x: number }>;
    expect(iterator.next().value).toEqual({ x: 1 });
    const second = db.prepare(sql);
    expect(second).not.toBe(first);
    expect(second.all([])).toEqual([{ x: 1 }, { x: 2 }]);
    expect(iterator.next().value).toEqual({ x: 2 });
    iterator.return?.();
    expect(db.prepare(sql)).toBe(first);
  });

  it("keeps at most `capacity` statements, dropping the least recently used", () => {
    const db = cachingStatements(raw, 2);
    const a = db.prepare("select 1");
    const b = db.prepare("select 2");
    expect(db.prepare("select 1")).toBe(a); // now "select 2" is the oldest
    db.prepare("select 3");
    expect(db.prepare("select 1")).toBe(a);
    expect(db.prepare("select 2")).not.toBe(b);
  });
});
