import iconv from "iconv-lite";
import { afterEach, describe, expect, it } from "vitest";
import { insertAccount } from "../src/accounts/accounts.repository.js";
import { hintSentence } from "../src/cli/hints.js";
import { FakeClock } from "../src/clock.js";
import { AppError } from "../src/errors.js";
import { createGroupService } from "../src/groups/groups.service.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";
import { accountRow } from "./helpers/fixtures.js";
import { groupServiceLinks } from "./helpers/service-links.js";

const T0 = Date.UTC(2025, 9, 22);

async function setup(t: TestDb) {
  const account = await insertAccount(t.db, accountRow(1, T0, { username: "alice", token_expires_at: T0 }));
  return {
    accountId: account.id,
    service: createGroupService({ db: t.db, clock: new FakeClock(T0), ...groupServiceLinks }),
  };
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

async function counts(t: TestDb) {
  const groups = await t.db.selectFrom("post_groups").select("id").execute();
  const parts = await t.db.selectFrom("post_parts").select("id").execute();
  return { groups: groups.length, parts: parts.length };
}

describe.each(DIALECTS)("group service on %s", (dialect) => {
  let t: TestDb;
  afterEach(async () => t?.destroy());

  it("adds, lists (get_groups_by_account), disables, updates and removes groups", async () => {
    t = await createTestDb(dialect);
    const { service, accountId } = await setup(t);
    const a = await service.add(accountId, { name: " chain ", parts: [{ text: "one" }, { text: "two" }] });
    const b = await service.add(accountId, { name: "solo", parts: [{ text: "s" }], weight: 3 });
    expect(a).toMatchObject({
      name: "chain",
      enabled: true,
      weight: 1,
      parts: [{ text: "one" }, { text: "two" }],
    });
    expect((await service.getGroupsByAccount(accountId)).map((g) => g.id)).toEqual([a.id, b.id]);
    expect((await service.disable(a.id)).enabled).toBe(false);
    expect((await service.getGroupsByAccount(accountId, { enabled: true })).map((g) => g.id)).toEqual([b.id]);
    const updated = await service.update(b.id, { parts: [{ text: "new root" }, { text: "new reply" }] });
    expect(updated.parts).toEqual([{ text: "new root" }, { text: "new reply" }]);
    await service.remove(a.id);
    // Removed means archived: the group is gone for every use, its row and parts stay for the history.
    expect((await rejection(service.get(a.id))).message).toMatch(
      new RegExp(`Post group ${a.id} "chain" was removed \\(its past runs are kept\\)`),
    );
    expect((await rejection(service.remove(a.id))).code).toBe("not_found");
    expect((await service.getGroupsByAccount(accountId)).map((g) => g.id)).toEqual([b.id]);
    expect(await counts(t)).toEqual({ groups: 2, parts: 4 });
    expect((await rejection(service.get(9999))).message).toMatch(/Post group 9999 does not exist/);
  });

  it("refuses unpublishable parts, bad weights and unknown accounts without writing", async () => {
    t = await createTestDb(dialect);
    const { service, accountId } = await setup(t);
    const tooLong = await rejection(
      service.add(accountId, { name: "x", parts: [{ text: "ok" }, { text: "a".repeat(501) }] }),
    );
    expect(tooLong.code).toBe("invalid_input");
    expect(tooLong.message).toMatch(/part 2: text: 501 characters; Threads allows at most 500/);
    expect(tooLong.details).toEqual({ issues: [expect.objectContaining({ part: 1, field: "text" })] });
    expect((await rejection(service.add(accountId, { name: "x", parts: [] }))).code).toBe("invalid_input");
    expect((await rejection(service.add(accountId, { name: " ", parts: [{ text: "x" }] }))).message).toMatch(
      /needs a name/,
    );
    expect(
      (await rejection(service.add(accountId, { name: "x", parts: [{ text: "x" }], weight: 0 }))).message,
    ).toMatch(/weight must be a whole number/);
    const missing = await rejection(service.add(999, { name: "x", parts: [{ text: "x" }] }));
    expect(missing.code).toBe("not_found");
    expect(missing.message + hintSentence(missing.hint)).toMatch(
      /Account 999 does not exist\. Run `threads-scheduler accounts list`/,
    );
    expect((await rejection(service.getGroupsByAccount(999))).code).toBe("not_found");
    expect(await counts(t)).toEqual({ groups: 0, parts: 0 });
  });

  it("imports a CSV in one transaction", async () => {
    t = await createTestDb(dialect);
    const { service, accountId } = await setup(t);
    const csv = '\uFEFFgroup,text,image_url\r\na,root,\r\na,reply,https://x/a.jpg\r\nb,"multi\r\nline",\r\n';
    const { groups: created, encoding } = await service.importGroups(accountId, {
      name: "posts.csv",
      content: Buffer.from(csv, "utf8"),
    });
    expect(encoding).toBe("UTF-8");
    expect(created.map((g) => [g.name, g.parts.length])).toEqual([
      ["a", 2],
      ["b", 1],
    ]);
    expect(await service.getGroupsByAccount(accountId)).toEqual(created);
    expect(created[1]!.parts).toEqual([{ text: "multi\nline" }]);
  });

  it("imports a Shift_JIS CSV from Excel and stores the characters the user typed", async () => {
    t = await createTestDb(dialect);
    const { service, accountId } = await setup(t);
    // ～ (Excel on Windows writes 0x8160, which CP932 reads as U+FF5E), NEC ① ㈱, IBM 髙 﨑, half-width ｶﾞ.
    const text = "営業時間10:00～18:00 ①㈱髙﨑 ｶﾞ";
    const bytes = iconv.encode(`group,text\r\nお知らせ,"${text}\r\n二行目"\r\n`, "cp932");
    const { groups, encoding } = await service.importGroups(accountId, { name: "menu.csv", content: bytes });
    expect(encoding).toBe("Shift_JIS");
    expect(await service.getGroupsByAccount(accountId)).toEqual(groups);
    expect(groups.map((g) => [g.name, g.parts])).toEqual([["お知らせ", [{ text: `${text}\n二行目` }]]]);

    // Forced to read it as UTF-8, the same bytes are refused with the first bad line, and nothing is stored.
    const forced = await rejection(
      service.importGroups(accountId, { name: "menu.csv", content: bytes, encoding: "utf-8" }),
    );
    expect(forced.message).toMatch(
      /^menu\.csv: nothing was imported; .*\nline 2, byte offset 12: bytes 0x82 0xA8 are not UTF-8/,
    );
    expect(await counts(t)).toEqual({ groups: 1, parts: 1 });
  });

  it("imports nothing from a CSV with bad rows, and reports each of them", async () => {
    t = await createTestDb(dialect);
    const { service, accountId } = await setup(t);
    const csv = ["group,text", "a,fine", "b,also fine", `c,${"x".repeat(501)}`, "d,fine too", "e,"].join(
      "\n",
    );
    const error = await rejection(service.importGroups(accountId, { name: "posts.csv", content: csv }));
    expect(error.code).toBe("invalid_input");
    expect(error.message).toMatch(/line 4: text: 501 characters/);
    expect(error.message).toMatch(/line 6: text: the part is empty/);
    expect(await counts(t)).toEqual({ groups: 0, parts: 0 });

    // One bad row among good ones is enough to import nothing.
    const oneBad = ["group,text,image_url", "a,fine,", "a,reply,ftp://nope", "b,fine,"].join("\n");
    const single = await rejection(service.importGroups(accountId, { name: "one.csv", content: oneBad }));
    expect(single.message).toMatch(/fix this problem[\s\S]*line 3: image_url:/);
    expect(await counts(t)).toEqual({ groups: 0, parts: 0 });
  });

  it("imports nothing when the account does not exist", async () => {
    t = await createTestDb(dialect);
    const { service } = await setup(t);
    const json = JSON.stringify([{ name: "a", parts: [{ text: "x" }] }]);
    expect((await rejection(service.importGroups(999, { name: "g.json", content: json }))).code).toBe(
      "not_found",
    );
    expect(await counts(t)).toEqual({ groups: 0, parts: 0 });
  });
});
