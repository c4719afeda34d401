import SqliteDatabase from "better-sqlite3";
import { type Kysely, Migrator, sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { insertAccount } from "../src/accounts/accounts.repository.js";
import { migrateToLatest } from "../src/db/connect.js";
import { dialectOf } from "../src/db/dialect.js";
import { migrationProvider } from "../src/db/migrations/index.js";
import { countPublishedSince } from "../src/publications/publications.repository.js";
import { planSchedule } from "../src/scheduler/planner.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";
import { accountRow, runRow } from "./helpers/fixtures.js";

describe.each(DIALECTS)("database on %s", (dialect) => {
  let t: TestDb;
  afterEach(async () => t?.destroy());

  it("migrates, is idempotent, and round-trips bigint instants as numbers", async () => {
    t = await createTestDb(dialect);
    expect(dialectOf(t.db)).toBe(dialect);
    expect(await migrateToLatest(t.db)).toEqual([]);
    const now = 1_790_000_000_123;
    const row = await t.db
      .insertInto("app_state")
      .values({ key: "k", value: "v", updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    expect(row.updated_at).toBe(now);
    expect(typeof row.updated_at).toBe("number");
  });

  if (dialect === "sqlite") {
    it("a transaction holds SQLite's write lock from its start, even when it reads first", async () => {
      t = await createTestDb(dialect);
      const other = new SqliteDatabase(t.url);
      other.pragma("busy_timeout = 0");
      try {
        await t.db.transaction().execute(async (trx) => {
          await trx.selectFrom("app_state").selectAll().execute();
          // A deferred transaction would only hold a snapshot here: the other writer would get in, and this
          // transaction's first write would then fail at once (SQLITE_BUSY_SNAPSHOT).
          expect(() =>
            other.prepare("insert into app_state (key, value, updated_at) values ('x', 'y', 0)").run(),
          ).toThrow(/locked|busy/i);
          await trx.insertInto("app_state").values({ key: "k", value: "v", updated_at: 1 }).execute();
        });
        other.prepare("insert into app_state (key, value, updated_at) values ('x', 'y', 0)").run();
        expect(other.prepare("select count(*) as n from app_state").get()).toEqual({ n: 2 });
      } finally {
        other.close();
      }
    });
  }

  it("0003 gives parts published before it their account, so the quota count sees them", async () => {
    t = await createTestDb(dialect);
    const migrator = await migratorOf(t);
    const down = await migrator.migrateTo("0002-performance-indexes");
    expect(down.error).toBeUndefined();
    const now = Date.UTC(2026, 10, 29);
    const account = await insertAccount(t.db, accountRow(1, now));
    // Below 0008 the table and the ledger's column have their old names.
    // biome-ignore lint/suspicious/noExplicitAny: the schema of an older migration.
    const legacy = t.db as unknown as Kysely<any>;
    const occ = await legacy
      .insertInto("occurrences")
      .values(runRow(account.id, now, { state: "published", attempts: 1 }))
      .returning("id")
      .executeTakeFirstOrThrow();
    const publication = await legacy
      .insertInto("publications")
      .values({
        occurrence_id: occ.id,
        account_id: account.id,
        group_id: null,
        state: "published",
        created_at: now,
        updated_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await sql`insert into publication_parts (publication_id, position, state, updated_at)
      values (${publication.id}, 0, 'published', ${now}), (${publication.id}, 1, 'published', ${now})`.execute(
      t.db,
    );

    expect(await migrateToLatest(t.db)).toContain("0003-parts-account");
    const parts = await t.db.selectFrom("publication_parts").select("account_id").execute();
    expect(parts.map((p) => p.account_id)).toEqual([account.id, account.id]);
    expect(await countPublishedSince(t.db, account.id, now - 1)).toEqual({ posts: 1, replies: 1 });
  });

  it("0005 keeps days planned before it as fully written: planning after it adds only new days", async () => {
    t = await createTestDb(dialect);
    const migrator = await migratorOf(t);
    expect((await migrator.migrateTo("0004-claimable-index")).error).toBeUndefined();
    const now = Date.parse("2026-11-29T00:00:00Z");
    const account = await insertAccount(t.db, accountRow(1, now, { timezone: "UTC" }));
    const schedule = await t.db
      .insertInto("schedules")
      .values({
        account_id: account.id,
        kind: "fixed",
        times_json: '["10:00"]',
        days_json: '["mon","tue","wed","thu","fri","sat","sun"]',
        pick: "random",
        misfire_grace_minutes: 15,
        created_at: now,
        updated_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    // What the code before 0005 wrote: whole days, here today's and tomorrow's.
    await sql`insert into planned_days (schedule_id, local_date, schedule_version, planned_at)
      values (${schedule.id}, '2026-11-29', 1, ${now}), (${schedule.id}, '2026-11-30', 1, ${now})`.execute(
      t.db,
    );

    // Later migrations run too; 0005 is the first.
    expect((await migrateToLatest(t.db))[0]).toBe("0005-rolling-days");
    const days = await t.db.selectFrom("planned_days").selectAll().orderBy("local_date").execute();
    expect(days.map((d) => [d.local_date, d.next_due_at, d.draw_json])).toEqual([
      ["2026-11-29", null, null],
      ["2026-11-30", null, null],
    ]);
    // 48 h from midnight: only 1 December's 10:00 is new (the two recorded days count as written).
    const opts = { now, horizonMs: 48 * 3_600_000, defaultTimezone: "UTC" };
    expect(await planSchedule(t.db, schedule.id, opts)).toBe(0);
    expect(await planSchedule(t.db, schedule.id, { ...opts, now: now + 11 * 3_600_000 })).toBe(1);
  });

  it("0006 down turns cancelled runs into skipped ones (older code knows no cancelled) and drops end dates", async () => {
    t = await createTestDb(dialect);
    const now = Date.parse("2026-12-03T00:00:00Z");
    const account = await insertAccount(t.db, accountRow(1, now));
    await t.db
      .insertInto("runs")
      .values([
        runRow(account.id, now, { state: "cancelled", reason: "cancelled by user" }),
        runRow(account.id, now + 1, { state: "cancelled", reason: null }),
        runRow(account.id, now + 2, { state: "planned" }),
      ])
      .execute();
    await t.db
      .insertInto("schedules")
      .values({
        account_id: account.id,
        kind: "fixed",
        times_json: '["10:00"]',
        days_json: '["mon"]',
        pick: "random",
        misfire_grace_minutes: 15,
        until_date: "2026-12-31",
        created_at: now,
        updated_at: now,
      })
      .execute();
    const migrator = await migratorOf(t);
    expect((await migrator.migrateTo("0005-rolling-days")).error).toBeUndefined();
    // Below 0008 the table still has its old name.
    const rows = await sql<{
      state: string;
      reason: string | null;
    }>`select state, reason from occurrences order by due_at`
      .execute(t.db)
      .then((r) => r.rows);
    expect(rows).toEqual([
      { state: "skipped", reason: "cancelled by user" },
      { state: "skipped", reason: "cancelled by user" },
      { state: "planned", reason: null },
    ]);
    const [schedule] = await sql<Record<string, unknown>>`select * from schedules`
      .execute(t.db)
      .then((r) => r.rows);
    expect(schedule).not.toHaveProperty("until_date");
    expect(await migrateToLatest(t.db)).toContain("0006-one-off-and-until");
  });

  it("0007 archives in place; going back below it deletes only the archived rows", async () => {
    t = await createTestDb(dialect);
    const now = Date.parse("2026-12-01T00:00:00Z");
    const live = await insertAccount(t.db, accountRow(1, now));
    const removed = await insertAccount(t.db, accountRow(2, now, { archived_at: now }));
    const group = (owner: number, archived: number | null) =>
      t.db
        .insertInto("post_groups")
        .values({ account_id: owner, name: "g", created_at: now, updated_at: now, archived_at: archived })
        .returning("id")
        .executeTakeFirstOrThrow();
    const kept = await group(live.id, null);
    await group(live.id, now);
    await group(removed.id, null);
    expect(
      (
        await t.db
          .selectFrom("accounts")
          .select("archived_at")
          .where("id", "=", live.id)
          .executeTakeFirstOrThrow()
      ).archived_at,
    ).toBeNull();

    const migrator = await migratorOf(t);
    expect((await migrator.migrateTo("0005-rolling-days")).error).toBeUndefined();
    expect(
      (await sql<{ id: number }>`select id from accounts`.execute(t.db)).rows.map((r) => Number(r.id)),
    ).toEqual([live.id]);
    expect(
      (await sql<{ id: number }>`select id from post_groups`.execute(t.db)).rows.map((r) => Number(r.id)),
    ).toEqual([kept.id]);
    expect(await migrateToLatest(t.db)).toContain("0007-archive");
    const after = await t.db.selectFrom("accounts").select(["id", "archived_at"]).execute();
    expect(after).toEqual([{ id: live.id, archived_at: null }]);
  });

  it("0008 renames occurrences to runs in place: rows, ledger links and the one-running-per-account index stay", async () => {
    t = await createTestDb(dialect);
    const now = Date.parse("2026-12-03T00:00:00Z");
    const account = await insertAccount(t.db, accountRow(1, now));
    const run = await t.db
      .insertInto("runs")
      .values(runRow(account.id, now, { state: "running" }))
      .returning("id")
      .executeTakeFirstOrThrow();
    await t.db
      .insertInto("publications")
      .values({
        run_id: run.id,
        account_id: account.id,
        group_id: null,
        state: "publishing",
        error: null,
        created_at: now,
        updated_at: now,
        published_at: null,
      })
      .execute();
    const migrator = await migratorOf(t);
    expect((await migrator.migrateTo("0007-archive")).error).toBeUndefined();
    const old = await sql<{
      occurrence_id: number;
    }>`select p.occurrence_id from publications p join occurrences o on o.id = p.occurrence_id`
      .execute(t.db)
      .then((r) => r.rows.map((x) => Number(x.occurrence_id)));
    expect(old).toEqual([run.id]);
    expect(await migrateToLatest(t.db)).toContain("0008-runs");
    const linked = await t.db
      .selectFrom("publications as p")
      .innerJoin("runs as r", "r.id", "p.run_id")
      .select("r.id")
      .execute();
    expect(linked.map((x) => x.id)).toEqual([run.id]);
    // The partial unique index followed the table: a second running run of the account is refused.
    await expect(
      t.db
        .insertInto("runs")
        .values(runRow(account.id, now + 1, { state: "running" }))
        .execute(),
    ).rejects.toThrow();
  });

  it("0009 gives stored parts Meta's names (poll as poll_attachment) and 'down' gives the old ones back", async () => {
    t = await createTestDb(dialect);
    const now = Date.parse("2026-12-03T00:00:00Z");
    const account = await insertAccount(t.db, accountRow(1, now));
    const migrator = await migratorOf(t);
    expect((await migrator.migrateTo("0008-runs")).error).toBeUndefined();
    const group = await t.db
      .insertInto("post_groups")
      .values({ account_id: account.id, name: "g", created_at: now, updated_at: now, archived_at: null })
      .returning("id")
      .executeTakeFirstOrThrow();
    const old = {
      text: "本日のランチ 🍱",
      topicTag: "グルメ",
      replyControl: "followers_only",
      media: [{ kind: "IMAGE", url: "https://e.com/1.jpg", altText: "定食" }],
    };
    const oldPoll = {
      text: "どっち？",
      pollOptions: ["A", "B", "C"],
      linkAttachment: undefined,
      quotePostId: "9",
    };
    await t.db
      .insertInto("post_parts")
      .values([
        { group_id: group.id, position: 0, spec_json: JSON.stringify(old) },
        { group_id: group.id, position: 1, spec_json: "not json" },
      ])
      .execute();
    await t.db
      .insertInto("runs")
      .values(runRow(account.id, now, { payload_json: JSON.stringify([oldPoll]) }))
      .execute();
    expect(await migrateToLatest(t.db)).toContain("0009-meta-part-names");
    const specs = await t.db.selectFrom("post_parts").select("spec_json").orderBy("position").execute();
    expect(JSON.parse(specs[0]!.spec_json)).toEqual({
      text: "本日のランチ 🍱",
      topic_tag: "グルメ",
      reply_control: "followers_only",
      media: [{ kind: "IMAGE", url: "https://e.com/1.jpg", alt_text: "定食" }],
    });
    expect(specs[1]!.spec_json).toBe("not json");
    const run = await t.db.selectFrom("runs").select("payload_json").executeTakeFirstOrThrow();
    expect(JSON.parse(run.payload_json!)).toEqual([
      {
        text: "どっち？",
        poll_attachment: { option_a: "A", option_b: "B", option_c: "C" },
        quote_post_id: "9",
      },
    ]);
    expect((await migrator.migrateTo("0008-runs")).error).toBeUndefined();
    const back = await t.db.selectFrom("post_parts").select("spec_json").orderBy("position").execute();
    expect(JSON.parse(back[0]!.spec_json)).toEqual(old);
  });
});

/** A migrator over the test database's own schema (on PostgreSQL each test has one). */
async function migratorOf(t: TestDb): Promise<Migrator> {
  const schema =
    t.dialect === "postgres"
      ? (await sql<{ s: string }>`select current_schema() as s`.execute(t.db)).rows[0]!.s
      : undefined;
  return new Migrator({
    db: t.db,
    provider: migrationProvider,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
}

describe.each(DIALECTS)("migration 0011 on %s", (dialect) => {
  let t: TestDb;
  afterEach(async () => t?.destroy());

  it("0011 down cancels the unfinished runs of repost and quote schedules with the reason, before removing them", async () => {
    t = await createTestDb(dialect);
    const now = Date.parse("2026-12-03T00:00:00Z");
    const account = await insertAccount(t.db, accountRow(1, now));
    const schedule = (action: "post" | "repost" | "quote") => ({
      account_id: account.id,
      kind: "fixed" as const,
      times_json: '["10:00"]',
      days_json: '["mon"]',
      pick: "random" as const,
      misfire_grace_minutes: 15,
      created_at: now,
      updated_at: now,
      action,
      ...(action === "post"
        ? {}
        : { recycle_from: "oldest" as const, recycle_min_age_minutes: 60, recycle_cooldown_minutes: 60 }),
    });
    const [post, repost, quote] = await t.db
      .insertInto("schedules")
      .values([schedule("post"), schedule("repost"), schedule("quote")])
      .returning("id")
      .execute();
    const run = (at: number, over: Parameters<typeof runRow>[2]) =>
      runRow(account.id, now + at, { job_key: `schedule:${at}`, ...over });
    const runs = await t.db
      .insertInto("runs")
      .values([
        run(1, { schedule_id: repost!.id }),
        run(2, { schedule_id: repost!.id, state: "needs_check", source_media_id: "111" }),
        run(3, { schedule_id: quote!.id, source_media_id: "222" }),
        run(4, { schedule_id: post!.id }),
        run(5, { schedule_id: repost!.id, state: "published", source_media_id: "333" }),
        // Its schedule was removed since; it chose its post and is being checked.
        run(6, { schedule_id: null, state: "needs_check", source_media_id: "444" }),
      ])
      .returning("id")
      .execute();
    await t.db
      .insertInto("publications")
      .values({
        run_id: runs[1]!.id,
        account_id: account.id,
        group_id: null,
        state: "needs_check",
        created_at: now,
        updated_at: now,
        action: "repost",
        source_media_id: "111",
      })
      .execute();

    const migrator = await migratorOf(t);
    expect((await migrator.migrateTo("0010-deletes")).error).toBeUndefined();
    const rows = await sql<{
      id: number;
      state: string;
      reason: string | null;
    }>`select id, state, reason from runs order by due_at`
      .execute(t.db)
      .then((r) => r.rows.map((row) => ({ ...row, id: Number(row.id) })));
    const notSent =
      "cancelled: downgraded below migration 0011 (repost and quote schedules); nothing of it was sent";
    const mayBeOut =
      "cancelled: downgraded below migration 0011 (repost and quote schedules) while it was being checked; its repost or quote may be on Threads: look at the account on Threads";
    expect(rows).toEqual([
      { id: runs[0]!.id, state: "cancelled", reason: notSent },
      { id: runs[1]!.id, state: "cancelled", reason: mayBeOut },
      { id: runs[2]!.id, state: "cancelled", reason: notSent },
      { id: runs[3]!.id, state: "planned", reason: null },
      { id: runs[4]!.id, state: "published", reason: null },
      { id: runs[5]!.id, state: "cancelled", reason: mayBeOut },
    ]);
    const left = await sql<{ id: number }>`select id from schedules`.execute(t.db);
    expect(left.rows.map((r) => Number(r.id))).toEqual([post!.id]);
    expect(await migrateToLatest(t.db)).toContain("0011-schedule-actions");
  });
});
