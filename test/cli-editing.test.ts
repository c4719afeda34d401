/**
 * The editing and removal commands in-process (`runCli` with a captured output, an injected prompt and a
 * temp data dir), on both databases: confirmations (--yes, a terminal, no terminal), and what each command
 * says it did.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Output } from "../src/cli/output.js";
import type { Prompt } from "../src/cli/prompt.js";
import { runCli } from "../src/cli/run-cli.js";
import { postgresSubscriber } from "../src/db/notify.js";
import { silentLogger } from "../src/log.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";

interface Captured extends Output {
  stdout: string[];
  stderr: string[];
}

function capture(): Captured {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

/** A terminal that answers with `answers`, one per question, and records the questions. */
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

const noTerminal: Prompt = {
  interactive: false,
  ask: async () => {
    throw new Error("must not ask without a terminal");
  },
};

describe.each(DIALECTS)("editing and removal commands on %s", (dialect) => {
  let t: TestDb;
  let dataDir: string;
  afterEach(async () => {
    await t?.destroy();
    t = undefined as unknown as TestDb;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** Runs one command; the sandbox is this process's own (SANDBOX_PORT=0), its state in the data dir. */
  async function cli(args: string[], prompt: Prompt = noTerminal) {
    const output = capture();
    const code = await runCli(
      [...args, "--database-url", t.url, "--data-dir", dataDir],
      { SANDBOX_PORT: "0", LOG_LEVEL: "error" },
      output,
      { prompt },
    );
    return { code, out: output.stdout.join("\n"), err: output.stderr.join("\n") };
  }

  async function setup() {
    t = await createTestDb(dialect);
    dataDir = mkdtempSync(join(tmpdir(), "ts-cli-editing-"));
    for (const args of [
      ["accounts", "add", "--sandbox-user", "hanako", "--timezone", "Asia/Tokyo"],
      ["groups", "add", "--account", "1", "--name", "greeting", "--text", "おはよう"],
      ["schedules", "add", "--account", "1", "--fixed", "09:00"],
    ]) {
      const r = await cli(args);
      expect(r.code, `${args.join(" ")}: ${r.err}`).toBe(0);
    }
  }

  it("accounts remove: needs --yes without a terminal, asks on one, and says what it kept", async () => {
    await setup();
    const refused = await cli(["accounts", "remove", "1"]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/needs confirmation and there is no terminal to ask on: pass --yes/);
    expect((await cli(["accounts", "list", "--json"])).out).toContain('"username": "hanako"');

    const declined = terminal(["n"]);
    const no = await cli(["accounts", "remove", "1"], declined);
    expect(no.code).toBe(1);
    expect(declined.questions).toEqual([
      "Remove account 1 (@hanako)? Its 1 schedule stops; its run history is kept. [y/N] ",
    ]);
    expect(no.err).toContain("Nothing was changed.");
    // Enter alone means no.
    expect((await cli(["accounts", "remove", "1"], terminal([""]))).code).toBe(1);
    expect(JSON.parse((await cli(["accounts", "list", "--json"])).out)).toHaveLength(1);

    const accepted = terminal(["y"]);
    const yes = await cli(["accounts", "remove", "1"], accepted);
    expect(yes.code).toBe(0);
    expect(yes.out).toContain(
      "Removed account 1 (@hanako): 1 schedule paused, token wiped; its run history is kept.",
    );
    expect((await cli(["accounts", "list"])).out).toMatch(/^No accounts yet/);
    const archived = await cli(["accounts", "list", "--archived"]);
    expect(archived.out).toMatch(/@hanako\s+removed/);
    expect((await cli(["accounts", "list", "--archived", "--all"])).code).toBe(2);
    expect((await cli(["schedules", "list"])).out).toMatch(/1 @hanako \(removed\)\s+paused/);

    const again = await cli(["accounts", "remove", "1", "--yes"]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/was removed/);

    // The same Threads user again: restored, not a second @hanako.
    const back = await cli(["accounts", "add", "--sandbox-user", "hanako"]);
    expect(back.code).toBe(0);
    expect(back.out).toMatch(
      /^@hanako already exists as account 1: it had been removed and is restored with its 1 group and 1 schedule;/,
    );
    expect(back.out).toContain("schedules resume ID` (paused: 1)");
    expect(JSON.parse((await cli(["accounts", "list", "--json"])).out)).toHaveLength(1);
  });

  it("accounts add of a known user reconnects it; reconnect refuses a bad token", async () => {
    await setup();
    const again = await cli(["accounts", "add", "--sandbox-user", "hanako"]);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(
      /^@hanako already exists as account 1: reconnected; its 1 group and 1 schedule are kept;/,
    );
    const bad = await cli(["accounts", "reconnect", "1", "--token", "THAAnot-a-token"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/This token is not valid/);
    expect((await cli(["accounts", "reconnect", "1"])).code).toBe(2);
  });

  it("groups edit, enable, disable and remove", async () => {
    await setup();
    const renamed = await cli(["groups", "edit", "1", "--name", "morning", "--weight", "2"]);
    expect(renamed).toMatchObject({ code: 0 });
    expect(renamed.out).toBe('Updated post group 1 "morning" (text, weight 2).');
    const parts = await cli(["groups", "edit", "1", "--text", "root", "--text", "reply", "--json"]);
    expect(JSON.parse(parts.out)[0]).toMatchObject({
      name: "morning",
      weight: 2,
      parts: [{ text: "root" }, { text: "reply" }],
    });
    const nothing = await cli(["groups", "edit", "1"]);
    expect(nothing.code).toBe(2);
    expect(nothing.err).toMatch(/nothing to change/);
    const bad = await cli(["groups", "edit", "1", "--text", "x".repeat(501)]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/cannot be published as it is/);

    expect((await cli(["groups", "disable", "1"])).out).toMatch(
      /Disabled post group 1 "morning": no schedule draws it/,
    );
    expect((await cli(["groups", "list", "--account", "1"])).out).toMatch(/morning\s+no\s+2/);
    expect((await cli(["groups", "enable", "1"])).code).toBe(0);

    expect((await cli(["groups", "remove", "1"])).code).toBe(2);
    const asked = terminal(["yes"]);
    const removed = await cli(["groups", "remove", "1"], asked);
    expect(asked.questions).toEqual([
      'Remove post group 1 "morning"? It is never posted again; its past runs are kept. [y/N] ',
    ]);
    expect(removed).toMatchObject({
      code: 0,
      out: 'Removed post group 1 "morning"; its past runs are kept.',
    });
    expect((await cli(["groups", "list", "--account", "1"])).out).toMatch(/has no post groups/);
    expect((await cli(["groups", "list", "--account", "1", "--all"])).out).toMatch(/morning\s+removed/);
    expect((await cli(["groups", "edit", "1", "--name", "x"])).err).toMatch(/was removed/);
    const post = await cli(["post", "--account", "1", "--group", "1"]);
    expect(post.code).toBe(1);
    expect(post.err).toMatch(/Post group 1 "morning" was removed/);
  });

  it("removing a schedule's groups warns, counts only live groups, and leaves the schedule editable", async () => {
    await setup();
    for (const args of [
      ["groups", "add", "--account", "1", "--name", "second", "--text", "こんばんは"],
      ["schedules", "add", "--account", "1", "--fixed", "12:00", "--groups", "1,2"],
    ]) {
      const r = await cli(args);
      expect(r.code, `${args.join(" ")}: ${r.err}`).toBe(0);
    }
    const tomorrow = new Date(Date.now() + 24 * 3_600_000).toISOString().slice(0, 16).replace("T", " ");
    const planned = await cli(["post", "--account", "1", "--group", "2", "--at", `${tomorrow}`]);
    expect(planned.code, planned.err).toBe(0);

    const first = await cli(["groups", "remove", "1", "--yes"]);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toContain("Schedule 2 now draws from its other groups.");
    const second = await cli(["groups", "remove", "2", "--yes"]);
    expect(second.code, second.err).toBe(0);
    // Group 1 is already gone: schedule 2 has nothing left, and says so.
    expect(second.out).toContain("schedule 2 drew only from this group");
    expect(second.out).not.toContain("now draws from its other groups");
    expect(second.out).toMatch(/planned one-off post \d+ named this group: it is skipped at its time/);
    const jobs = await cli(["jobs"]);
    expect(jobs.err).toContain("Warning: Schedule 1 (@hanako) has no enabled post group to draw from");
    expect(jobs.err).toContain(
      "Warning: Schedule 2 (@hanako) has none of its chosen post groups enabled: its runs will be skipped until one is. Run `threads-scheduler groups list --account 1`",
    );
    // An edit that does not touch the groups is not refused for the removed ones.
    const edit = await cli(["schedules", "edit", "2", "--fixed", "13:00"]);
    expect(edit.code, edit.err).toBe(0);
    const kind = await cli(["schedules", "edit", "2", "--count", "3"]);
    expect(kind.code).toBe(2);
  });

  it("schedules edit takes the options of add and re-plans", async () => {
    await setup();
    const edited = await cli([
      "schedules",
      "edit",
      "1",
      "--fixed",
      "10:30,18:00",
      "--days",
      "mon,fri",
      "--pick",
      "shuffle",
    ]);
    expect(edited.code).toBe(0);
    expect(edited.out).toContain("Updated schedule 1 of account 1: fixed 10:30, 18:00, mon,fri.");
    const [schedule] = JSON.parse((await cli(["schedules", "list", "--json"])).out);
    expect(schedule).toMatchObject({
      times: ["10:30", "18:00"],
      days: ["mon", "fri"],
      pick: "shuffle",
      version: 2,
    });
    const slots = await t.db.selectFrom("runs").select("slot").where("state", "=", "planned").execute();
    expect(slots.every((o) => o.slot === "10:30" || o.slot === "18:00")).toBe(true);

    const random = await cli([
      "schedules",
      "edit",
      "1",
      "--random",
      "22:00-02:00",
      "--count",
      "3",
      "--min-gap",
      "30",
    ]);
    expect(random.out).toContain("random 3× in 22:00-02:00, ≥ 30 min apart, mon,fri");
    const wrongKind = await cli(["schedules", "edit", "1", "--fixed", "09:00", "--count", "2"]);
    expect(wrongKind.code).toBe(2);
    expect((await cli(["schedules", "edit", "1", "--count", "5", "--groups", "all"])).code).toBe(0);
    const nothing = await cli(["schedules", "edit", "1"]);
    expect(nothing.code).toBe(2);
    expect(nothing.err).toMatch(/nothing to change/);
    const paused = await cli(["schedules", "edit", "1", "--paused"]);
    expect(paused.out).toContain("It has no planned runs while paused.");
    expect(await t.db.selectFrom("runs").select("id").where("state", "=", "planned").execute()).toEqual([]);
    expect((await cli(["schedules", "edit", "7", "--fixed", "09:00"])).err).toMatch(
      /Schedule 7 does not exist/,
    );
  });

  if (dialect === "postgres") {
    it("schedules edit wakes every scheduler listening on the database", async () => {
      await setup();
      let woken = 0;
      let onWake: () => void = () => {};
      const unsubscribe = await postgresSubscriber(
        t.url,
        silentLogger,
      )(() => {
        woken++;
        onWake();
      });
      try {
        const before = woken; // the subscriber wakes once when it starts listening
        const notified = new Promise<void>((resolve) => {
          onWake = resolve;
        });
        expect((await cli(["schedules", "edit", "1", "--fixed", "11:00"])).code).toBe(0);
        await notified;
        expect(woken).toBeGreaterThan(before);
      } finally {
        await unsubscribe();
      }
    });
  }
});
