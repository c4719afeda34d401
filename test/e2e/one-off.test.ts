/**
 * One-off posts with real processes: `post --at` only writes the planned run (and warns on SQLite when no
 * scheduler is running); the running service publishes it once at its time; `runs cancel` withdraws one.
 */
import { describe, expect, it } from "vitest";
import {
  createE2eEnv,
  DIALECTS,
  freePort,
  type SandboxProcess,
  SECOND,
  useSandboxProcess,
  waitOn,
} from "./helpers.js";

let sandbox: SandboxProcess;
const envs = useSandboxProcess({}, (s) => {
  sandbox = s;
});

interface Run {
  id: number;
  slot: string;
  state: string;
  reason: string | null;
  dueAtMs: number;
  permalinks: string[];
}

describe("one-off posts with real processes", () => {
  it.each(DIALECTS)(
    "%s: planned by the CLI, published once by the running service at its time; a cancelled one never",
    async (dialect) => {
      const e = await createE2eEnv(dialect, sandbox.url);
      envs.push(e);
      const user = await sandbox.createUser({ username: `once_${dialect}` });
      await e.ok(["accounts", "add", "--token", user.access_token]);

      // Planned while no scheduler runs: SQLite knows it and says so; the post is planned anyway.
      const first = Date.now() + 10 * SECOND;
      const planned = await e.cli([
        "post",
        "--account",
        "1",
        "--text",
        "once, early",
        "--at",
        new Date(first).toISOString(),
      ]);
      expect(planned.code).toBe(0);
      expect(planned.stdout).toMatch(
        /^Planned run 1 for \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? UTC \(UTC\); the running service will publish it\. Cancel with `threads-scheduler runs cancel 1`\./m,
      );
      if (dialect === "sqlite")
        expect(planned.stderr).toMatch(/Warning: no scheduler is running on this database/);
      else expect(planned.stderr).not.toMatch(/no scheduler is running/);

      const [doomed] = await e.json<Array<{ id: number }>>([
        "post",
        "--account",
        "1",
        "--text",
        "never",
        "--at",
        new Date(Date.now() + 60 * SECOND).toISOString(),
      ]);
      const cancelled = await e.ok(["runs", "cancel", String(doomed!.id)]);
      expect(cancelled.stdout).toMatch(
        new RegExp(`^Cancelled run ${doomed!.id}: the one-off post for .* will not be published\\.`),
      );

      const past = await e.cli(["post", "--account", "1", "--text", "x", "--at", "2020-01-01 09:00"]);
      expect(past.code).toBe(2);
      expect(past.stderr).toMatch(
        /--at: "2020-01-01 09:00" .*is not in the future: it is now .* UTC \(UTC\)/,
      );

      const port = await freePort();
      // LOG_LEVEL=info: each engine event is a moment to look at the runs again (below).
      const start = e.spawn(["start", "--no-web"], {
        PORT: String(port),
        SANDBOX_PORT: "0",
        LOG_LEVEL: "info",
      });
      await start.waitFor(/Press Ctrl\+C to stop/, 60_000);

      const second = await e.cli([
        "post",
        "--account",
        "1",
        "--text",
        "once, while running",
        "--at",
        new Date(Date.now() + 12 * SECOND).toISOString(),
      ]);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stderr).not.toMatch(/no scheduler is running/);

      await waitOn(
        [start],
        async () => {
          const rows = await e.db.selectFrom("runs").select("state").where("slot", "=", "once").execute();
          return rows.filter((r) => r.state === "published").length === 2;
        },
        { timeoutMs: 60_000, what: "both one-off posts to be published", alive: [start] },
      );
      const runs = (await e.json<Run[]>(["runs"])).filter((r) => r.slot === "once");
      expect(runs.map((r) => r.state).sort()).toEqual(["cancelled", "published", "published"]);
      expect(runs.find((r) => r.id === doomed!.id)).toMatchObject({
        state: "cancelled",
        reason: "cancelled by user",
      });
      const published = await sandbox.published(user.user_id);
      expect(published.map((p) => p.text).sort()).toEqual(["once, early", "once, while running"]);
      expect(published.find((p) => p.text === "once, early")!.publishedAt).toBeGreaterThanOrEqual(first);

      const refused = await e.cli(["runs", "cancel", "1"]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/Run 1 cannot be cancelled: it is published/);

      start.kill("SIGTERM");
      expect((await start.exited).code).toBe(0);
    },
    120_000,
  );
});
