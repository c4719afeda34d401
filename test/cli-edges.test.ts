/**
 * The CLI's rough edges, in-process through `runCli` against a temp data dir and a real
 * database of either dialect, with the built-in sandbox started in-process by each command (port 0).
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../src/cli/run-cli.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";
import { runRow } from "./helpers/fixtures.js";

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(dialect: (typeof DIALECTS)[number], vars: Record<string, string> = {}) {
  const t: TestDb = await createTestDb(dialect);
  const dataDir = mkdtempSync(join(tmpdir(), "ts-cli-"));
  cleanups.push(
    () => t.destroy(),
    async () => rmSync(dataDir, { recursive: true, force: true }),
  );
  const env: NodeJS.ProcessEnv = {
    DATA_DIR: dataDir,
    DATABASE_URL: t.url,
    SANDBOX_PORT: "0",
    SECRET_KEY: "3c".repeat(32),
    DEFAULT_TIMEZONE: "UTC",
    LOG_LEVEL: "error",
    ...vars,
  };
  const cli = async (...argv: string[]): Promise<Result> => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, env, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return {
      code,
      stdout: out.join("\n"),
      stderr: err.filter((l) => !l.startsWith("[sandbox mode]")).join("\n"),
    };
  };
  const json = async <T>(...argv: string[]): Promise<T> => {
    const r = await cli(...argv, "--json");
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  return { cli, json, db: t.db, dataDir };
}

describe.each(DIALECTS)("CLI edges on %s", (dialect) => {
  it("commands that only read or change the database start no sandbox and write nothing in DATA_DIR", async () => {
    const { cli, db, dataDir } = await setup(dialect);
    const now = Date.now();
    const account = await db
      .insertInto("accounts")
      .values({
        threads_user_id: "u1",
        username: "hanako",
        name: null,
        picture_url: null,
        token_ciphertext: "x",
        token_expires_at: now + 50 * 86_400_000,
        token_issued_at: now,
        token_refreshed_at: now,
        status: "active",
        status_reason: null,
        timezone: "UTC",
        created_at: now,
        updated_at: now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const planned = await db
      .insertInto("runs")
      .values(runRow(account.id, now + 3_600_000))
      .returning("id")
      .executeTakeFirstOrThrow();
    for (const argv of [
      ["runs"],
      ["jobs"],
      ["runs", "cancel", String(planned.id)],
      ["reload"],
      ["accounts", "list"],
      ["schedules", "list"],
    ]) {
      const r = await cli(...argv);
      expect(r.code, `${argv.join(" ")}\n${r.stderr}`).toBe(0);
      expect(readdirSync(dataDir), argv.join(" ")).toEqual([]);
    }
  });

  it("exits 2 for every malformed flag value, wherever it is checked, and 1 for what cannot be done", async () => {
    const { cli } = await setup(dialect);
    expect((await cli("accounts", "add", "--sandbox-user", "hanako")).code).toBe(0);

    const usage = async (argv: string[], message: RegExp) => {
      const r = await cli(...argv);
      expect(r.code, `${argv.join(" ")}\n${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/^Usage: threads-scheduler /m);
      return r;
    };
    // Checked by the CLI itself …
    await usage(
      ["schedules", "add", "--account", "1", "--random", "10:00-12:00", "--count", "0"],
      /--count must/,
    );
    // … and by the schedule service: the same rule.
    await usage(["schedules", "add", "--account", "1", "--fixed", "25:00"], /"25:00" is not a time of day/);
    await usage(
      ["schedules", "add", "--account", "1", "--random", "10:00-10:00", "--count", "3"],
      /starts and ends at 10:00/,
    );
    await usage(
      ["schedules", "add", "--account", "1", "--random", "10:00-10:30", "--count", "5", "--min-gap", "30"],
      /too short for 5 posts/,
    );
    await usage(
      ["schedules", "add", "--account", "1", "--fixed", "09:00", "--misfire-grace", "1441"],
      /--misfire-grace must be a whole number of minutes from 0 to 1440, not "1441"/,
    );
    await usage(
      ["schedules", "add", "--account", "1", "--fixed", "09:00", "--misfire-grace", "-1"],
      /--misfire-grace must be a whole number of minutes from 0 to 1440, not "-1"/,
    );
    await usage(
      ["schedules", "add", "--account", "1", "--fixed", "09:00", "--timezone", "JST"],
      /use Asia\/Tokyo/,
    );
    await usage(["accounts", "add", "--sandbox-user", "taro", "--timezone", "EST"], /use America\/New_York/);
    expect((await cli("schedules", "list", "--json")).stdout).toBe("[]");
    await usage(
      ["groups", "add", "--account", "1", "--name", "g", "--text", "hi", "--weight", "abc"],
      /--weight must/,
    );
    await usage(
      ["groups", "add", "--account", "1", "--name", "g", "--text", "hi", "--weight", "1001"],
      /weight must/,
    );
    // The flags of the service, the sandbox and the check report, read by schemas too.
    await usage(
      ["start", "--no-web", "--no-scheduler"],
      /--no-web and --no-scheduler together leave nothing to run/,
    );
    await usage(
      ["start", "--stop-timeout", "abc"],
      /--stop-timeout: "abc" is not a number of seconds between 0 and 3600/,
    );
    await usage(["sandbox", "--port", "abc"], /--port must be a whole number, 0 or more, not "abc"/);
    await usage(
      ["sandbox", "--latency-ms", "-5"],
      /--latency-ms must be a whole number, 0 or more, not "-5"/,
    );
    await usage(["check", "--lang", "fr"], /--lang must be en or ja, not "fr"/);
    await usage(["schedules", "list", "--account", "x"], /--account must be a whole number above 0, not "x"/);
    expect((await cli("accounts", "list", "--json")).stdout).not.toMatch(/taro/);

    // Well-formed, but about something that does not exist: an error, 1.
    const missing = await cli("schedules", "add", "--account", "7", "--fixed", "09:00");
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringMatching(/Account 7 does not exist/) });
    expect(missing.stderr).not.toMatch(/Usage:/);
    const other = await cli("accounts", "add", "--sandbox-user", "ken");
    expect(other.code).toBe(0);
    expect((await cli("groups", "add", "--account", "2", "--name", "g", "--text", "hi")).code).toBe(0);
    const foreign = await cli("schedules", "add", "--account", "1", "--fixed", "09:00", "--groups", "1");
    expect(foreign).toMatchObject({ code: 1, stderr: expect.stringMatching(/not one of @hanako's groups/) });

    // The bounds themselves are fine.
    expect(
      (await cli("schedules", "add", "--account", "1", "--fixed", "09:00", "--misfire-grace", "1440")).code,
    ).toBe(0);
    expect(
      (await cli("schedules", "add", "--account", "1", "--fixed", "10:00", "--misfire-grace", "0")).code,
    ).toBe(0);
  });

  it("says what is wrong with negative numbers and ids too large, as typed", async () => {
    const { cli } = await setup(dialect);
    const count = await cli("schedules", "add", "--account", "1", "--random", "10:00-12:00", "--count", "-3");
    expect(count.code).toBe(2);
    expect(count.stderr).toMatch(/--count must be a whole number above 0, not "-3"/);
    expect(count.stderr).not.toMatch(/ambiguous/);
    expect((await cli("runs", "--limit", "-1")).stderr).toMatch(
      /--limit must be a whole number above 0, not "-1"/,
    );
    const remove = await cli("schedules", "remove", "-3");
    expect(remove).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/the ID must be a whole number above 0, not -3/),
    });
    const stray = await cli("runs", "-5");
    expect(stray).toMatchObject({ code: 2, stderr: expect.stringMatching(/unexpected -5/) });

    const huge = await cli("schedules", "remove", "99999999999999999999");
    expect(huge.code).toBe(2);
    expect(huge.stderr).toMatch(/the schedule ID 99999999999999999999 is too large/);
    expect(huge.stderr).not.toMatch(/e\+20|100000000000000000000/);
    const account = await cli("groups", "list", "--account", "9007199254740993");
    expect(account).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--account 9007199254740993 is too large/),
    });
    for (const text of ["1e3", "0x10", "1.5", "0"]) {
      const r = await cli("schedules", "pause", text);
      expect(r.code, text).toBe(2);
      expect(r.stderr).toContain(`not "${text}"`);
    }
    // A well-formed id that does not exist is an error about data, not usage.
    expect(await cli("schedules", "pause", "9007199254740991")).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/Schedule 9007199254740991 does not exist/),
    });
  });

  it("stores time zones in their canonical spelling and refuses abbreviations in DEFAULT_TIMEZONE", async () => {
    const { cli, json } = await setup(dialect);
    expect((await cli("accounts", "add", "--sandbox-user", "hanako", "--timezone", "asia/tokyo")).code).toBe(
      0,
    );
    expect((await cli("accounts", "add", "--sandbox-user", "yuki", "--timezone", "Japan")).code).toBe(0);
    const accounts = await json<Array<{ id: number; timezone: string }>>("accounts", "list");
    expect(accounts.map((a) => a.timezone)).toEqual(["Asia/Tokyo", "Asia/Tokyo"]);
    expect(
      (await cli("schedules", "add", "--account", "1", "--fixed", "09:00", "--timezone", "europe/BERLIN"))
        .code,
    ).toBe(0);
    const [schedule] = await json<Array<{ timezone: string }>>("schedules", "list");
    expect(schedule!.timezone).toBe("Europe/Berlin");
    const jobs = await json<Array<{ id: string; timezone: string }>>("jobs");
    expect(jobs.find((j) => j.id === "schedule_1_09:00")?.timezone).toBe("Europe/Berlin");

    // A global flag's bad value is a usage mistake; the same value in the environment, a configuration error.
    const port = await cli("schedules", "list", "--port", "abc");
    expect(port).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^Error: --port: "abc" is not a port number/m),
    });
    const env = await (await setup(dialect, { PORT: "abc" })).cli("schedules", "list");
    expect(env).toMatchObject({ code: 1, stderr: expect.stringMatching(/Configuration error: PORT: "abc"/) });

    const bad = await setup(dialect, { DEFAULT_TIMEZONE: "JST" });
    const r = await bad.cli("schedules", "list");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/DEFAULT_TIMEZONE: JST is an abbreviation, not a time zone: use Asia\/Tokyo/);
  });

  it("warns about a schedule with no enabled group to draw from, in schedules add, jobs and check", async () => {
    const { cli, json } = await setup(dialect);
    await cli("accounts", "add", "--sandbox-user", "hanako");
    const added = await cli("schedules", "add", "--account", "1", "--fixed", "09:00");
    expect(added.code).toBe(0);
    expect(added.stderr).toMatch(/Warning: Schedule 1 \(@hanako\) has no enabled post group to draw from/);
    expect(added.stdout).toMatch(/Added schedule 1/);

    const jobs = await cli("jobs");
    expect(jobs.code).toBe(0);
    expect(jobs.stderr).toMatch(/Warning: Schedule 1 \(@hanako\) has no enabled post group/);
    const jobsJson = await json<Array<{ id: string; warning?: string }>>("jobs");
    expect(jobsJson.find((j) => j.id === "schedule_1_09:00")?.warning).toMatch(/no enabled post group/);
    expect(jobsJson.find((j) => j.id === "token_refresh")).not.toHaveProperty("warning");
    const check = await cli("check", "--lang", "en");
    expect(check.stdout).toMatch(/Schedule ID: 1 .*\n\s+! no enabled post group to draw from/);

    // Once the account has a group, nothing is said; a schedule limited to a disabled group is warned about.
    await cli("groups", "add", "--account", "1", "--name", "a", "--text", "hi");
    await cli("groups", "add", "--account", "1", "--name", "b", "--text", "off", "--disabled");
    expect((await cli("jobs")).stderr).not.toMatch(/Warning/);
    const limited = await cli("schedules", "add", "--account", "1", "--fixed", "10:00", "--groups", "2");
    expect(limited.code).toBe(0);
    expect(limited.stderr).toMatch(
      /Schedule 2 \(@hanako\) has none of its chosen post groups enabled: .* Run `threads-scheduler groups list --account 1`/,
    );
    await cli("schedules", "pause", "2");
    const resumed = await cli("schedules", "resume", "2");
    expect(resumed).toMatchObject({
      code: 0,
      stderr: expect.stringMatching(/Warning: Schedule 2 \(@hanako\)/),
    });
    expect((await cli("schedules", "resume", "1")).stderr).not.toMatch(/Warning/);
    expect(
      (await cli("schedules", "add", "--account", "1", "--fixed", "11:00", "--groups", "1")).stderr,
    ).not.toMatch(/Warning/);
  });

  it("filters runs by every state it shows, done being a token refresh that ran", async () => {
    const { cli, json, db } = await setup(dialect);
    await cli("accounts", "add", "--sandbox-user", "hanako");
    const past = Date.now() - 3_600_000;
    await db
      .insertInto("runs")
      .values([
        runRow(1, past, { state: "published", finished_at: past }),
        {
          ...runRow(1, past + 1, { state: "published", finished_at: past + 1 }),
          job: "token_refresh",
          job_key: "token_refresh",
          account_id: null,
          slot: "03:00",
        },
        runRow(1, past + 2, { state: "missed", reason: "the scheduler was not running" }),
      ])
      .execute();
    const states = async (state: string) =>
      (await json<Array<{ job: string; state: string }>>("runs", "--state", state)).map((r) => r.job);
    expect(await states("done")).toEqual(["token_refresh"]);
    expect(await states("published")).toEqual(["post"]);
    expect(await states("missed")).toEqual(["post"]);
    const done = await cli("runs", "--state", "done");
    expect(done.stdout).toMatch(/token_refresh.*\bdone\b/);
    expect((await cli("runs", "--state", "failed")).stdout).toBe("No runs in state failed.");
    const wrong = await cli("runs", "--state", "finished");
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(
      '--state must be one of planned, running, published, done, failed, missed, needs_check, skipped, cancelled, not "finished"',
    );
    expect((await cli("runs", "--help")).stdout).toMatch(/done: a token refresh that ran/);
  });

  it("lists: jobs --json as its help says, mixed zones by instant with a note, usernames, polls", async () => {
    const { cli, json } = await setup(dialect);
    await cli("accounts", "add", "--sandbox-user", "hanako", "--timezone", "Asia/Tokyo");
    await cli("accounts", "add", "--sandbox-user", "bob", "--timezone", "America/New_York");
    await cli("groups", "add", "--account", "1", "--name", "q", "--text", "Which?", "--poll", "A|B|C");
    await cli(
      "groups",
      "add",
      "--account",
      "2",
      "--name",
      "c",
      "--text",
      "hi",
      "--text",
      "vote",
      "--poll",
      "yes|no",
    );
    await cli("schedules", "add", "--account", "1", "--fixed", "09:00");

    // One zone among the schedules, UTC for the refresh: already mixed.
    const help = (await cli("jobs", "--help")).stdout;
    expect(help).toMatch(/print a JSON array: the jobs \(\{ "type": "job"/);
    const rows =
      await json<Array<{ type: string; id: string | number; nextRunAt?: number; dueAtMs?: number }>>("jobs");
    expect(rows.length).toBeGreaterThan(2);
    for (const r of rows) {
      expect(["job", "run"]).toContain(r.type);
      expect(r.id).toBeDefined();
    }
    const jobsFirst = rows.findIndex((r) => r.type === "run");
    expect(rows.slice(jobsFirst).every((r) => r.type === "run")).toBe(true);

    await cli("schedules", "add", "--account", "2", "--fixed", "09:00");
    const jobs = await cli("jobs");
    expect(jobs.stdout).toContain("Times are in each schedule's zone; sorted by instant.");
    const instants = rows.filter((r) => r.type === "job").map((r) => r.nextRunAt!);
    expect(instants).toEqual([...instants].sort((a, b) => a - b));
    const planned = (await json<Array<{ type: string; dueAtMs?: number }>>("jobs"))
      .filter((r) => r.type === "run")
      .map((r) => r.dueAtMs!);
    expect(new Set(planned).size).toBeGreaterThan(1);
    expect(planned).toEqual([...planned].sort((a, b) => a - b));

    const list = await cli("schedules", "list");
    expect(list.stdout).toMatch(/^1\s+1 @hanako\s+yes/m);
    expect(list.stdout).toMatch(/^2\s+2 @bob\s+yes/m);
    const listed = await json<Array<{ id: number; username: string }>>("schedules", "list");
    expect(listed.map((s) => s.username)).toEqual(["hanako", "bob"]);

    expect((await cli("groups", "list", "--account", "1")).stdout).toMatch(/poll: A \| B \| C/);
    // A post that cannot be published names the setting as users call it, not the field inside.
    const onePoll = await cli("groups", "add", "--account", "1", "--name", "p", "--text", "?", "--poll", "A");
    expect(onePoll.code).toBe(1);
    expect(onePoll.stderr).toMatch(/part 1: poll: a poll needs 2 to 4 options/);
    expect((await cli("groups", "list", "--account", "2")).stdout).toMatch(
      /chain of 2: text, poll: yes \| no/,
    );
  });

  it("reads times typed on a Japanese keyboard: full-width digits and colon, 、 between times", async () => {
    const { cli, json } = await setup(dialect);
    await cli("accounts", "add", "--sandbox-user", "hanako");
    const fixed = await cli("schedules", "add", "--account", "1", "--fixed", "０９：００、２１：３０");
    expect(fixed.code, fixed.stderr).toBe(0);
    const random = await cli(
      "schedules",
      "add",
      "--account",
      "1",
      "--random",
      "２２：００－０２：００",
      "--count",
      "2",
    );
    expect(random.code, random.stderr).toBe(0);
    const listed = await json<Array<{ times: string[] | null; windowStart: string | null }>>(
      "schedules",
      "list",
    );
    expect(listed.map((s) => s.times ?? s.windowStart)).toEqual([["09:00", "21:30"], "22:00"]);
  });

  it("says nothing about zones when a listing has only one", async () => {
    const { cli } = await setup(dialect);
    await cli("accounts", "add", "--sandbox-user", "hanako", "--timezone", "UTC");
    await cli("groups", "add", "--account", "1", "--name", "g", "--text", "hi");
    await cli("schedules", "add", "--account", "1", "--fixed", "09:00");
    const jobs = await cli("jobs");
    expect(jobs.code).toBe(0);
    expect(jobs.stdout).toMatch(/schedule_1_09:00/);
    expect(jobs.stdout).not.toMatch(/each schedule's zone/);
  });
});
