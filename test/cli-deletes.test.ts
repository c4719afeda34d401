/**
 * `--delete-after` on groups and schedules and `runs delete` in-process (`runCli`, the process's own sandbox), on
 * both databases: the planned auto-delete shown by `runs`, the confirmation, the planned delete used (not a second),
 * "deleted …" in the history, and the refusals.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Output } from "../src/cli/output.js";
import type { Prompt } from "../src/cli/prompt.js";
import { runCli } from "../src/cli/run-cli.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";

const noTerminal: Prompt = {
  interactive: false,
  ask: async () => {
    throw new Error("must not ask without a terminal");
  },
};

function terminal(answers: string[]): Prompt & { questions: string[] } {
  const questions: string[] = [];
  return {
    interactive: true,
    questions,
    async ask(question) {
      questions.push(question);
      return answers.shift() ?? "";
    },
  };
}

describe.each(DIALECTS)("deletes from the command line on %s", (dialect) => {
  let t: TestDb;
  let dataDir: string;
  afterEach(async () => {
    await t?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function cli(args: string[], prompt: Prompt = noTerminal) {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const output: Output = { out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
    const code = await runCli(
      [...args, "--database-url", t.url, "--data-dir", dataDir],
      { SANDBOX_PORT: "0", LOG_LEVEL: "error" },
      output,
      { prompt },
    );
    return { code, out: stdout.join("\n"), err: stderr.join("\n") };
  }

  async function ok(args: string[]) {
    const r = await cli(args);
    expect(r.code, `${args.join(" ")}: ${r.err}`).toBe(0);
    return r;
  }

  // biome-ignore lint/suspicious/noExplicitAny: `runs --json` rows.
  const runsJson = async (): Promise<any[]> => JSON.parse((await ok(["runs", "--json"])).out);

  it("a group's delete-after plans the delete; runs delete asks, uses it, and the history says deleted", async () => {
    t = await createTestDb(dialect);
    dataDir = mkdtempSync(join(tmpdir(), "ts-cli-deletes-"));
    await ok(["accounts", "add", "--sandbox-user", "hanako", "--timezone", "Asia/Tokyo"]);
    const added = await ok([
      "groups",
      "add",
      "--account",
      "1",
      "--name",
      "flash",
      "--delete-after",
      "24h",
      "--text",
      "今日だけ",
      "--text",
      "続き",
    ]);
    expect(added.out).toMatch(/Added post group 1 "flash"/);
    const edited = await ok(["groups", "edit", "1", "--delete-after", "1h30m"]);
    expect(edited.out).toMatch(/deleted 1h30m after posting/);
    await ok(["post", "--account", "1", "--group", "1"]);

    const [post] = (await runsJson()).filter((r) => r.job === "post");
    expect(post).toMatchObject({ state: "published", deletedAt: null });
    expect(post.deleteAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    expect((await ok(["runs"])).out).toContain(`deletes ${post.deleteAt}`);

    const refused = await cli(["runs", "delete", String(post.id)]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/pass --yes/);

    const no = terminal(["n"]);
    const declined = await cli(["runs", "delete", String(post.id)], no);
    expect(declined.code).toBe(1);
    expect(declined.out).toMatch(/has 2 parts on Threads to delete/);
    expect(declined.out).toMatch(/Its planned delete \(run \d+\) runs now instead/);
    expect(no.questions[0]).toMatch(/Delete these 2 parts from Threads\? This cannot be undone/);

    const plannedId = /Its planned delete \(run (\d+)\)/.exec(declined.out)![1];
    const done = await cli(["runs", "delete", String(post.id), "--yes"]);
    expect(done.code, done.err).toBe(0);
    // The planned auto-delete ran (now), not a second delete run.
    expect(done.out).toMatch(
      new RegExp(`Deleted run ${post.id} from Threads \\(delete run ${plannedId}\\): deleted 2 parts`),
    );
    const after = await runsJson();
    const deletedPost = after.find((r) => r.id === post.id);
    expect(deletedPost.deletedAt).toMatch(/^\d{4}-/);
    expect(deletedPost.deleteAt).toBeNull();
    expect((await ok(["runs"])).out).toContain(`deleted ${deletedPost.deletedAt}`);

    expect((await ok(["accounts", "list"])).out).toMatch(/DELETES 24H[\s\S]*2\/100/);
    const [account] = JSON.parse((await ok(["accounts", "list", "--json"])).out);
    expect(account.deleteQuota).toEqual({ used: 2, total: 100 });

    const again = await cli(["runs", "delete", String(post.id), "--yes"]);
    expect(again.code).not.toBe(0);
    expect(again.err).toMatch(/already deleted/);
  });

  it("refuses a bad --delete-after and a run with nothing on Threads; schedules take it too", async () => {
    t = await createTestDb(dialect);
    dataDir = mkdtempSync(join(tmpdir(), "ts-cli-deletes-"));
    await ok(["accounts", "add", "--sandbox-user", "taro"]);
    const short = await cli([
      "groups",
      "add",
      "--account",
      "1",
      "--name",
      "x",
      "--delete-after",
      "5m",
      "--text",
      "x",
    ]);
    expect(short.code).toBe(2);
    expect(short.err).toMatch(/--delete-after is too short: at least 15m/);
    const unitless = await cli([
      "groups",
      "add",
      "--account",
      "1",
      "--name",
      "x",
      "--delete-after",
      "24",
      "--text",
      "x",
    ]);
    expect(unitless.err).toMatch(/--delete-after needs a unit: 24h for hours or 24m for minutes/);

    const schedule = await ok([
      "schedules",
      "add",
      "--account",
      "1",
      "--fixed",
      "09:00",
      "--delete-after",
      "2d",
    ]);
    expect(schedule.out).toMatch(/posts deleted after 2d/);
    const never = await ok(["schedules", "edit", "1", "--delete-after", "never"]);
    expect(never.out).toMatch(/posts never auto-deleted/);
    const neverJson = await ok(["schedules", "list", "--json"]);
    expect(JSON.parse(neverJson.out)[0]).toMatchObject({ deleteAfterMinutes: 0 });
    const cleared = await ok(["schedules", "edit", "1", "--delete-after", "none", "--json"]);
    expect(JSON.parse(cleared.out)[0]).toMatchObject({ deleteAfterMinutes: null });

    const planned = (await runsJson()).find((r) => r.job === "post");
    const jobs = await cli(["jobs", "--json"]);
    const run = planned ?? JSON.parse(jobs.out).find((j: { type: string }) => j.type === "run");
    // A run still to come may yet post parts: refused, with the command that follows it as the hint.
    const early = await cli(["runs", "delete", String(run.id), "--yes"]);
    expect(early.code).not.toBe(0);
    expect(early.err).toMatch(
      new RegExp(
        `Run ${run.id} is still publishing or being checked \\(it is planned\\): it can be deleted once it has ended\\. Run \`threads-scheduler runs\`\\.`,
      ),
    );
    await ok(["runs", "cancel", String(run.id)]);
    const nothing = await cli(["runs", "delete", String(run.id), "--yes"]);
    expect(nothing.code).not.toBe(0);
    expect(nothing.err).toMatch(/has nothing on Threads to delete \(it is cancelled/);
  });

  it("a planned delete can be cancelled (the post stays); runs delete later writes a new one", async () => {
    t = await createTestDb(dialect);
    dataDir = mkdtempSync(join(tmpdir(), "ts-cli-deletes-"));
    await ok(["accounts", "add", "--sandbox-user", "jiro"]);
    await ok([
      "groups",
      "add",
      "--account",
      "1",
      "--name",
      "g",
      "--delete-after",
      "2h",
      "--text",
      "kept for now",
    ]);
    await ok(["post", "--account", "1", "--group", "1"]);
    const jobs = JSON.parse((await ok(["jobs", "--json"])).out) as Array<{
      type: string;
      id: number;
      slot: string;
    }>;
    const planned = jobs.find((j) => j.type === "run" && j.slot === "delete")!;
    const cancelled = await ok(["runs", "cancel", String(planned.id)]);
    expect(cancelled.out).toMatch(/the planned delete for .* will not run \(the post stays on Threads\)/);
    const [post] = (await runsJson()).filter((r) => r.job === "post");
    expect(post.deleteAt).toBeNull();
    const done = await cli(["runs", "delete", String(post.id), "--yes"]);
    expect(done.code, done.err).toBe(0);
    expect(done.out).not.toContain(`delete run ${planned.id})`);
    expect(done.out).toMatch(/deleted 1 post/);
    // The delete run that ran shows as deleted in `runs`, though stored as published.
    const deleteRunId = Number(/\(delete run (\d+)\)/.exec(done.out)![1]);
    const row = (await ok(["runs"])).out.split("\n").find((l) => l.trim().startsWith(`${deleteRunId} `));
    expect(row).toMatch(/\bdelete\s+deleted\s/);
    expect((await runsJson()).find((r) => r.id === deleteRunId)).toMatchObject({ state: "published" });
  });

  it("groups export then import keeps a group's delete-after (JSON)", async () => {
    t = await createTestDb(dialect);
    dataDir = mkdtempSync(join(tmpdir(), "ts-cli-deletes-"));
    await ok(["accounts", "add", "--sandbox-user", "saburo"]);
    await ok([
      "groups",
      "add",
      "--account",
      "1",
      "--name",
      "flash",
      "--delete-after",
      "1d12h",
      "--text",
      "x",
    ]);
    await ok(["groups", "add", "--account", "1", "--name", "kept", "--text", "y"]);
    const file = join(dataDir, "groups.json");
    await ok(["groups", "export", "--account", "1", "--format", "json", "--out", file]);
    await ok(["accounts", "add", "--sandbox-user", "shiro"]);
    await ok(["groups", "import", "--account", "2", file]);
    const groups = JSON.parse((await ok(["groups", "list", "--account", "2", "--json"])).out) as Array<{
      name: string;
      deleteAfterMinutes: number | null;
    }>;
    expect(groups.map((g) => [g.name, g.deleteAfterMinutes])).toEqual([
      ["flash", 36 * 60],
      ["kept", null],
    ]);
  });

  it("accounts remove says its planned auto-deletes will not run and the posts stay up", async () => {
    t = await createTestDb(dialect);
    dataDir = mkdtempSync(join(tmpdir(), "ts-cli-deletes-"));
    await ok(["accounts", "add", "--sandbox-user", "goro"]);
    await ok(["groups", "add", "--account", "1", "--name", "g", "--delete-after", "2h", "--text", "up"]);
    await ok(["post", "--account", "1", "--group", "1"]);
    const no = terminal(["n"]);
    expect((await cli(["accounts", "remove", "1"], no)).code).toBe(1);
    expect(no.questions[0]).toMatch(
      /Its 1 planned auto-delete will not run: that post stays on Threads \(delete them first with `threads-scheduler runs delete ID`\)/,
    );
    const removed = await ok(["accounts", "remove", "1", "--yes"]);
    expect(removed.out).not.toMatch(/planned post/);
    expect(removed.err).toMatch(
      /1 planned auto-delete of @goro was skipped with it: its post stays on Threads/,
    );
    const deletes = await t.db.selectFrom("runs").select("state").where("job", "=", "delete").execute();
    expect(deletes).toEqual([{ state: "skipped" }]);
  });
});
