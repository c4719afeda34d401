/**
 * `schedules add|edit|list` with --repost / --quote and the source rule, in-process on both databases: what is
 * stored, what the CLI says, and the refusals of flags that do not go together.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Output } from "../src/cli/output.js";
import { runCli } from "../src/cli/run-cli.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";

describe.each(DIALECTS)("repost and quote schedules in the CLI on %s", (dialect) => {
  let t: TestDb;
  let dataDir: string;
  afterEach(async () => {
    await t?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function cli(args: string[]) {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const output: Output = { out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
    const code = await runCli(
      [...args, "--database-url", t.url, "--data-dir", dataDir],
      { SANDBOX_PORT: "0", LOG_LEVEL: "error" },
      output,
    );
    return { code, out: stdout.join("\n"), err: stderr.join("\n") };
  }

  async function setup() {
    t = await createTestDb(dialect);
    dataDir = mkdtempSync(join(tmpdir(), "ts-cli-reposts-"));
    for (const args of [
      ["accounts", "add", "--sandbox-user", "hanako", "--timezone", "Asia/Tokyo"],
      ["groups", "add", "--account", "1", "--name", "quote text", "--text", "今日も読みたい"],
    ]) {
      const r = await cli(args);
      expect(r.code, `${args.join(" ")}: ${r.err}`).toBe(0);
    }
  }

  it("adds a repost schedule with its rule, lists it, edits part of the rule, turns it back into a post schedule", async () => {
    await setup();
    // An account without post groups: a post schedule would be warned about, a repost schedule needs none.
    expect((await cli(["groups", "remove", "1", "--yes"])).code).toBe(0);
    const added = await cli([
      "schedules",
      "add",
      "--account",
      "1",
      "--repost",
      "--from",
      "top",
      "--min-age",
      "14d",
      "--fixed",
      "10:00",
    ]);
    expect(added.code, added.err).toBe(0);
    expect(added.out).toContain(
      "Added schedule 1 for account 1: fixed 10:00, every day, repost (top posts first, posts ≥ 14d old, not again within 30d).",
    );
    // A repost schedule needs no post group: no warning about groups.
    expect(added.err).not.toContain("Warning");
    const [json] = JSON.parse((await cli(["schedules", "list", "--json"])).out);
    expect(json).toMatchObject({
      action: "repost",
      recycle: { from: "top", minAgeMinutes: 14 * 1440, cooldownMinutes: 30 * 1440 },
    });
    expect((await cli(["schedules", "list"])).out).toMatch(/ACTION\n.*repost$/s);

    const edited = await cli(["schedules", "edit", "1", "--cooldown", "60d"]);
    expect(edited.code, edited.err).toBe(0);
    expect(edited.out).toContain("repost (top posts first, posts ≥ 14d old, not again within 60d)");

    const back = await cli(["schedules", "edit", "1", "--action", "post"]);
    expect(back.code, back.err).toBe(0);
    const [plain] = JSON.parse((await cli(["schedules", "list", "--json"])).out);
    expect(plain.action).toBeUndefined();
    expect(plain.recycle).toBeUndefined();
  });

  it("adds a quote schedule drawing its text from groups; defaults: oldest first, 7d, 30d", async () => {
    await setup();
    const added = await cli([
      "schedules",
      "add",
      "--account",
      "1",
      "--quote",
      "--groups",
      "1",
      "--fixed",
      "21:00",
    ]);
    expect(added.code, added.err).toBe(0);
    expect(added.out).toContain("quote (oldest first, posts ≥ 7d old, not again within 30d)");
  });

  it("refuses a source rule on a post schedule, two actions, and a duration it cannot read", async () => {
    await setup();
    const rule = await cli(["schedules", "add", "--account", "1", "--from", "top", "--fixed", "10:00"]);
    expect(rule.code).toBe(2);
    expect(rule.err).toContain("--from belongs to repost and quote schedules (--repost or --quote)");
    const both = await cli(["schedules", "add", "--account", "1", "--repost", "--quote", "--fixed", "10:00"]);
    expect(both.code).toBe(2);
    expect(both.err).toContain("give one of --repost, --quote and --action, not several");
    const age = await cli([
      "schedules",
      "add",
      "--account",
      "1",
      "--repost",
      "--min-age",
      "a week",
      "--fixed",
      "10:00",
    ]);
    expect(age.code).toBe(2);
    expect(age.err).toContain(
      '--min-age must be a duration such as 7d, 36h or 90m (days, hours, minutes), not "a week"',
    );
    const from = await cli([
      "schedules",
      "add",
      "--account",
      "1",
      "--repost",
      "--from",
      "best",
      "--fixed",
      "10:00",
    ]);
    expect(from.code).toBe(2);
    expect(from.err).toContain("--from");
    expect(JSON.parse((await cli(["schedules", "list", "--json"])).out)).toEqual([]);
  });
});
