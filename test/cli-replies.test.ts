/**
 * `replies`, `locations search` and `ghosts list` through `runCli`, on both dialects, against a sandbox served
 * over HTTP (THREADS_GRAPH_URL), so the test can seed replies by other users between commands.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../src/cli/run-cli.js";
import { type RunningSandbox, startSandbox } from "../src/sandbox/index.js";
import { createTestDb, DIALECTS } from "./helpers/db.js";

const HOUR_MS = 3_600_000;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(dialect: (typeof DIALECTS)[number]) {
  const t = await createTestDb(dialect);
  const dataDir = mkdtempSync(join(tmpdir(), "ts-cli-replies-"));
  const running: RunningSandbox = await startSandbox({ port: 0 });
  cleanups.push(
    () => t.destroy(),
    async () => rmSync(dataDir, { recursive: true, force: true }),
    () => running.close(),
  );
  const env: NodeJS.ProcessEnv = {
    DATA_DIR: dataDir,
    DATABASE_URL: t.url,
    THREADS_GRAPH_URL: running.url,
    SECRET_KEY: "5d".repeat(32),
    DEFAULT_TIMEZONE: "UTC",
    LOG_LEVEL: "error",
  };
  const cli = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, env, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  };
  const json = async <T>(...argv: string[]): Promise<T> => {
    const r = await cli(...argv, "--json");
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  /** An account of a new sandbox user, added with its token; its id and the user. */
  const addAccount = async (username: string, scopes?: string[]) => {
    const user = running.sandbox.createUser({ username, ...(scopes ? { scopes } : {}) });
    const added = await cli("accounts", "add", "--token", user.accessToken, "--timezone", "Asia/Tokyo");
    expect(added.code, added.stderr).toBe(0);
    const id = Number(added.stdout.match(/Added account (\d+)/)?.[1]);
    expect(id).toBeGreaterThan(0);
    return { id, user };
  };
  return { cli, json, sandbox: running.sandbox, addAccount };
}

describe.each(DIALECTS)("replies, locations and ghost posts from the CLI on %s", (dialect) => {
  it("lists a run's replies, hides and unhides one; a media id works too", async () => {
    const { cli, json, sandbox, addAccount } = await setup(dialect);
    const { id: account } = await addAccount("hanako");
    const [posted] = await json<Array<{ id: number; parts: Array<{ media_id: string }> }>>(
      "post",
      "--account",
      String(account),
      "--text",
      "新作のお知らせ",
    );
    const runId = posted!.id;
    const mediaId = posted!.parts[0]!.media_id;
    const reply = sandbox.seedReply({ replyToId: mediaId, username: "fan_1", text: "楽しみです！" });

    const listed = await cli("replies", "list", String(runId), "--account", String(account));
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(`run ${runId} (post ${mediaId})`);
    expect(listed.stdout).toMatch(
      new RegExp(`${reply}\\s+@fan_1\\s+\\S+\\+09:00\\s+yes\\s+text\\s+楽しみです！`),
    );

    const hidden = await cli("replies", "hide", reply, "--account", String(account));
    expect(hidden.code, hidden.stderr).toBe(0);
    expect(hidden.stdout).toContain(`Reply ${reply} hidden`);
    const rows = await json<Array<{ id: string; hideStatus: string; kind: string; postId: string }>>(
      "replies",
      "list",
      mediaId,
      "--account",
      String(account),
    );
    expect(rows).toEqual([
      expect.objectContaining({ id: reply, hideStatus: "HIDDEN", kind: "text", postId: mediaId }),
    ]);

    expect((await cli("replies", "unhide", reply, "--account", String(account))).code).toBe(0);
    const shown = await json<Array<{ hideStatus: string }>>(
      "replies",
      "list",
      mediaId,
      "--account",
      String(account),
    );
    expect(shown[0]!.hideStatus).toBe("UNHUSHED");
  });

  it("lists pending replies, approves one and ignores another", async () => {
    const { cli, json, sandbox, addAccount } = await setup(dialect);
    const { id: account, user } = await addAccount("hanako");
    const post = sandbox.seedPost({ userId: user.userId, text: "承認制", replyApprovals: true });
    const a = sandbox.seedReply({ replyToId: post, username: "fan_1", text: "a" });
    const b = sandbox.seedReply({ replyToId: post, username: "fan_2", text: "b" });

    const none = await cli("replies", "list", post, "--account", String(account));
    expect(none.stdout).toBe(`No replies under post ${post}.`);
    const pending = await json<Array<{ id: string; approvalStatus: string }>>(
      "replies",
      "list",
      post,
      "--account",
      String(account),
      "--pending",
    );
    expect(pending.map((r) => [r.id, r.approvalStatus]).sort()).toEqual(
      [
        [a, "pending"],
        [b, "pending"],
      ].sort(),
    );
    expect((await cli("replies", "approve", a, "--account", String(account))).code).toBe(0);
    const ignored = await cli("replies", "ignore", b, "--account", String(account));
    expect(ignored.stdout).toContain(`Reply ${b} ignored`);
    expect(
      (await json<Array<{ id: string }>>("replies", "list", post, "--account", String(account))).map(
        (r) => r.id,
      ),
    ).toEqual([a]);
    const ignoredList = await cli("replies", "list", post, "--account", String(account), "--ignored");
    expect(ignoredList.stdout).toMatch(new RegExp(`${b}\\s+@fan_2\\s+.*ignored`));

    const twice = await cli("replies", "approve", a, "--account", String(account));
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain("not awaiting approval");
  });

  it("says what is wrong: a run that published nothing, a bad id, a missing permission (reconnect)", async () => {
    const { cli, addAccount } = await setup(dialect);
    const { id: account } = await addAccount("hanako");
    const unknownRun = await cli("replies", "list", "999", "--account", String(account));
    expect(unknownRun.code).toBe(1);
    expect(unknownRun.stderr).toContain("Run 999 does not exist.");
    expect(unknownRun.stderr).toContain("threads-scheduler runs");

    const bad = await cli("replies", "hide", "abc", "--account", String(account));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"abc" is not a Threads id');

    const both = await cli("replies", "list", "1", "--account", String(account), "--pending", "--ignored");
    expect(both.code).toBe(2);

    const { id: limited, user } = await addAccount("taro", ["threads_basic", "threads_content_publish"]);
    const post = (await cli("post", "--account", String(limited), "--text", "hi", "--json")).stdout;
    const mediaId = (JSON.parse(post) as Array<{ parts: Array<{ media_id: string }> }>)[0]!.parts[0]!
      .media_id;
    expect(user.userId).toMatch(/^\d+$/);
    const refused = await cli("replies", "list", mediaId, "--account", String(limited));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("threads_read_replies");
    expect(refused.stderr).toContain(`threads-scheduler accounts reconnect ${limited}`);
    const search = await cli("locations", "search", "渋谷", "--account", String(limited));
    expect(search.stderr).toContain("threads_location_tagging");
  });

  it("searches locations by name and near a point, printing the id --location takes", async () => {
    const { cli, json, addAccount } = await setup(dialect);
    const { id: account } = await addAccount("hanako");
    const found = await cli("locations", "search", "渋谷", "--account", String(account));
    expect(found.code, found.stderr).toBe(0);
    expect(found.stdout.split("\n")[0]).toMatch(/^ID\s+NAME\s+ADDRESS$/);
    expect(found.stdout).toMatch(/110000000000004\s+渋谷スクランブル交差点\s+道玄坂2丁目, 渋谷区, Japan/);
    expect(found.stderr).toContain("--location ID");

    const near = await json<Array<{ id: string; name: string }>>(
      "locations",
      "search",
      "--near",
      "34.6873,135.5262",
      "--account",
      String(account),
    );
    expect(near[0]!.name).toBe("大阪城");

    const badPoint = await cli("locations", "search", "--near", "north", "--account", String(account));
    expect(badPoint.code).toBe(2);
    expect(badPoint.stderr).toContain("--near takes LAT,LNG");
    const nothing = await cli("locations", "search", "--account", String(account));
    expect(nothing.code).toBe(2);
  });

  it("lists ghost posts with status and expiry in the account's zone", async () => {
    const { cli, json, sandbox, addAccount } = await setup(dialect);
    const { id: account, user } = await addAccount("hanako");
    const empty = await cli("ghosts", "list", "--account", String(account));
    expect(empty.stdout).toBe("@hanako has no ghost posts.");
    const old = sandbox.seedPost({
      userId: user.userId,
      text: "昨日の👻",
      isGhostPost: true,
      ageMs: 30 * HOUR_MS,
    });
    const fresh = sandbox.seedPost({ userId: user.userId, text: "今だけ", isGhostPost: true });
    sandbox.seedPost({ userId: user.userId, text: "not a ghost" });

    const listed = await cli("ghosts", "list", "--account", String(account));
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain("Ghost posts of @hanako, newest first (Asia/Tokyo):");
    expect(listed.stdout).toMatch(new RegExp(`${fresh}\\s+active\\s+\\S+\\+09:00\\s+\\S+\\+09:00\\s+今だけ`));
    expect(listed.stdout).toMatch(new RegExp(`${old}\\s+archived`));
    expect(listed.stdout).not.toContain("not a ghost");

    const rows = await json<Array<{ id: string; status: string; publishedAt: number; expiresAt: number }>>(
      "ghosts",
      "list",
      "--account",
      String(account),
    );
    expect(rows.map((r) => [r.id, r.status])).toEqual([
      [fresh, "active"],
      [old, "archived"],
    ]);
    expect(rows[0]!.expiresAt - rows[0]!.publishedAt).toBe(24 * HOUR_MS);
  });

  it("tells the next step: another account's post, pending replies, a deleted post, a run that does not exist", async () => {
    const { cli, json, sandbox, addAccount } = await setup(dialect);
    const { id: hanako } = await addAccount("hanako");
    const { id: taro } = await addAccount("taro");
    const [posted] = await json<Array<{ id: number; parts: Array<{ media_id: string }> }>>(
      "post",
      "--account",
      String(hanako),
      "--text",
      "承認制の投稿",
    );
    const runId = posted!.id;
    const mediaId = posted!.parts[0]!.media_id;
    const reply = sandbox.seedReply({ replyToId: mediaId, text: "visible" });
    sandbox.seedReply({ replyToId: mediaId, text: "wait 1", pending: true });
    sandbox.seedReply({ replyToId: mediaId, text: "wait 2", pending: true });

    const wrong = await cli("replies", "hide", reply, "--account", String(taro));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(
      `Reply ${reply} is under a post of account ${hanako} (@hanako), not of @taro; use --account ${hanako}.`,
    );
    expect(wrong.stderr).not.toContain("reconnect");

    const listed = await cli("replies", "list", String(runId), "--account", String(hanako));
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stderr).toContain("2 awaiting approval: add --pending");

    const other = await cli("replies", "list", String(runId), "--account", String(taro));
    expect(other.stderr).toContain(`Run ${runId} published nothing for account ${taro}`);
    const missing = await cli("replies", "list", "99999", "--account", String(hanako));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("Run 99999 does not exist.");

    const deleted = await cli("runs", "delete", String(runId), "--yes");
    expect(deleted.code, deleted.stderr).toBe(0);
    const gone = await cli("replies", "list", String(runId), "--account", String(hanako));
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`Run ${runId}'s post was deleted from Threads at `);
    expect(gone.stderr).toMatch(/deleted from Threads at [^:]*\d{2}:\d{2}.*\+09:00/);
    expect(gone.stderr).not.toContain("Threads API error");
  });
});
