/**
 * Auto-delete with real processes: a group with a delete-after, published by `post`, deleted by the running service
 * at its time — killed with SIGKILL while its DELETE is at the sandbox (the sandbox deletes, then holds the answer),
 * restarted: the chain is deleted exactly once, last part first, and the ledger says deleted.
 *
 * There is no clock to move in a real process: instead of waiting the group's 15 minutes, the test moves the planned
 * delete run's time to now, as the clock would bring it. On PostgreSQL the killed node's lease (60 s) runs out before
 * another process takes the run over, so that case lasts a little over a minute.
 */
import { describe, expect, it } from "vitest";
import {
  createE2eEnv,
  DIALECTS,
  freePort,
  MINUTE,
  type SandboxProcess,
  useSandboxProcess,
  waitUntil,
} from "./helpers.js";

let sandbox: SandboxProcess;
const envs = useSandboxProcess({}, (s) => {
  sandbox = s;
});

describe("auto-delete with real processes", () => {
  it.each(DIALECTS)(
    "%s: deleted once after a kill -9 during the DELETE, chain in reverse, ledger deleted",
    async (dialect) => {
      const e = await createE2eEnv(dialect, sandbox.url);
      envs.push(e);
      const user = await sandbox.createUser({ username: `autodel_${dialect}` });
      await e.ok(["accounts", "add", "--token", user.access_token]);
      await e.ok([
        "groups",
        "add",
        "--account",
        "1",
        "--name",
        "flash",
        "--delete-after",
        "15m",
        "--text",
        "今だけ 🍰",
        "--text",
        "続きはこちら",
      ]);
      await e.ok(["post", "--account", "1", "--group", "1"]);
      const posts = await sandbox.published(user.user_id);
      expect(posts.map((p) => p.text)).toEqual(["今だけ 🍰", "続きはこちら"]);

      const [planned] = await e.db.selectFrom("runs").selectAll().where("job", "=", "delete").execute();
      const publication = await e.db.selectFrom("publications").selectAll().executeTakeFirstOrThrow();
      expect(planned).toMatchObject({ state: "planned", job_key: `delete:${publication.run_id}` });
      expect(planned!.due_at).toBe(publication.published_at! + 15 * MINUTE);

      // The sandbox deletes the reply, then holds its answer back for a minute: the service dies meanwhile.
      await sandbox.addFault({
        method: "DELETE",
        userId: user.user_id,
        kind: "lost_response",
        delayMs: 60_000,
        times: 1,
      });
      await e.db.updateTable("runs").set({ run_at: Date.now() }).where("id", "=", planned!.id).execute();
      const first = e.spawn(["start", "--no-web"], { PORT: String(await freePort()), SANDBOX_PORT: "0" });
      await first.waitFor(/Press Ctrl\+C to stop/, 60_000);
      const reply = posts[1]!;
      await waitUntil(
        async () => (await sandbox.published(user.user_id)).find((p) => p.id === reply.id)?.deletedAt,
        { timeoutMs: 30_000, what: "the reply's delete to reach the sandbox", alive: [first] },
      );
      first.kill("SIGKILL");
      await first.exited;
      const midway = await e.db.selectFrom("publication_parts").selectAll().orderBy("position").execute();
      expect(midway.map((p) => p.delete_state)).toEqual([null, "requested"]);
      const deletedAt = (await sandbox.published(user.user_id)).find((p) => p.id === reply.id)!.deletedAt;

      const second = e.spawn(["start", "--no-web"], { PORT: String(await freePort()), SANDBOX_PORT: "0" });
      await second.waitFor(/Press Ctrl\+C to stop/, 60_000);
      const done = await waitUntil(
        async () => {
          const run = await e.db
            .selectFrom("runs")
            .selectAll()
            .where("id", "=", planned!.id)
            .executeTakeFirst();
          return run?.state === "published" ? run : undefined;
        },
        { timeoutMs: 100_000, what: "the delete run to finish after the restart", alive: [second] },
      );
      // The reply's DELETE was sent again (the answer had been lost) and answered "does not exist".
      expect(done.reason).toBe(`deleted 2 parts of run ${publication.run_id} (1 already gone from Threads)`);
      const after = await sandbox.published(user.user_id);
      expect(after.find((p) => p.id === reply.id)!.deletedAt).toBe(deletedAt);
      const root = after.find((p) => p.id === posts[0]!.id)!;
      expect(root.deletedAt).toBeGreaterThanOrEqual(deletedAt!);
      const ledger = await e.db.selectFrom("publication_parts").selectAll().orderBy("position").execute();
      expect(ledger.map((p) => [p.media_id, p.delete_state])).toEqual([
        [posts[0]!.id, "deleted"],
        [reply.id, "deleted"],
      ]);
      expect(await e.db.selectFrom("runs").select("id").where("job", "=", "delete").execute()).toHaveLength(
        1,
      );
      const runs = await e.json<Array<{ id: number; deletedAt: string | null }>>(["runs"]);
      expect(runs.find((r) => r.id === publication.run_id)!.deletedAt).toMatch(/^\d{4}-/);

      second.kill("SIGTERM");
      expect((await second.exited).code).toBe(0);
    },
    180_000,
  );
});
