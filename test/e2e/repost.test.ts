/**
 * A repost schedule run by the service process against a standalone sandbox process, with `kill -9` while
 * the repost call is in flight (the sandbox makes the repost, then holds its answer back): after a restart
 * the run is checked against /me/threads and settles published with the repost's id, and Threads holds
 * exactly one repost.
 */
import { describe, expect, it } from "vitest";
import {
  createE2eEnv,
  hhmmUtc,
  MINUTE,
  type SandboxProcess,
  useSandboxProcess,
  waitOn,
  waitUntil,
} from "./helpers.js";

let sandbox: SandboxProcess;
const envs = useSandboxProcess({}, (s) => {
  sandbox = s;
});

describe("a repost schedule with kill -9", () => {
  it("SQLite: killed while its repost call is answered late, restarted: exactly one repost", async () => {
    const e = await createE2eEnv("sqlite", sandbox.url, { LOG_LEVEL: "info" });
    envs.push(e);
    const user = await sandbox.createUser({ username: "repost_e2e" });
    await e.ok(["accounts", "add", "--token", user.access_token]);
    await e.ok(["post", "--account", "1", "--text", "an evergreen post"]);
    const [original] = await sandbox.published(user.user_id);
    expect(original?.text).toBe("an evergreen post");

    // A repost schedule at a time far from now whose first run is then moved to now.
    const [schedule] = await e.json<Array<{ id: number; action: string }>>([
      "schedules",
      "add",
      "--account",
      "1",
      "--repost",
      "--from",
      "oldest",
      "--min-age",
      "0m",
      "--fixed",
      hhmmUtc(Date.now() + 6 * 60 * MINUTE),
    ]);
    expect(schedule).toMatchObject({ action: "repost" });
    const now = Date.now();
    const first = await e.db
      .selectFrom("runs")
      .select(["id"])
      .where("schedule_id", "=", schedule!.id)
      .orderBy("due_at")
      .executeTakeFirstOrThrow();
    await e.db.updateTable("runs").set({ due_at: now, run_at: now }).where("id", "=", first.id).execute();

    // The repost is made at once; its answer is held back for a minute (the process is killed before).
    await sandbox.addFault({ kind: "lost_response", path: "/repost", method: "POST", delayMs: 60_000 });
    const service = e.spawn(["start", "--no-web"]);
    const reposts = async () =>
      (await sandbox.published(user.user_id)).filter((p) => p.repostedPostId === original!.id);
    await waitUntil(async () => (await reposts()).length === 1, {
      timeoutMs: 60_000,
      what: "the repost to reach the sandbox",
      alive: [service],
    });
    service.kill("SIGKILL");
    await service.exited;
    const cut = await e.db
      .selectFrom("runs")
      .selectAll()
      .where("id", "=", first.id)
      .executeTakeFirstOrThrow();
    expect(cut.state).toBe("running");
    const [part] = await e.db
      .selectFrom("publication_parts")
      .selectAll()
      .where("container_id", "is", null)
      .execute();
    expect(part).toMatchObject({ state: "publish_requested", media_id: null });
    await sandbox.clearFaults();

    const again = e.spawn(["start", "--no-web"]);
    await again.waitFor(/Press Ctrl\+C to stop/, 60_000);
    const settled = await waitOn(
      [again],
      async () => {
        const run = await e.db
          .selectFrom("runs")
          .selectAll()
          .where("id", "=", first.id)
          .executeTakeFirstOrThrow();
        return run.state === "published" ? run : undefined;
      },
      { timeoutMs: 60_000, what: "the repost run to settle published" },
    );
    expect(settled.source_media_id).toBe(original!.id);
    const made = await reposts();
    expect(made).toHaveLength(1);
    const done = await e.db
      .selectFrom("publication_parts")
      .selectAll()
      .where("id", "=", part!.id)
      .executeTakeFirstOrThrow();
    expect(done).toMatchObject({ state: "published", media_id: made[0]!.id });
    again.kill("SIGTERM");
    expect((await again.exited).code).toBe(0);
  }, 150_000);
});
