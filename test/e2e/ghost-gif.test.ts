/**
 * A ghost post group (a ghost post with a text spoiler and a reply to it) and a GIF post group (a GIF without
 * text), published by the service process against a standalone sandbox process, on SQLite and PostgreSQL, with a `kill -9` while both publish calls are in
 * flight (Threads has published, its answers are held back) and a restart. Each group ends published exactly
 * once, in its right final state: the ghost post a ghost post with its one reply, the GIF post its GIF. The
 * restart finds both posts by asking Threads (the ghost post is in /me/threads while active; the GIF post is
 * matched by its empty text), never by publishing blindly again.
 */
import { describe, expect, it } from "vitest";
import type { PostPart } from "../../src/threads/post.js";
import { spoilerFor } from "../../src/threads/preflight-text.js";
import {
  createE2eEnv,
  DIALECTS,
  loggedEvents,
  type SandboxProcess,
  seedDueAccounts,
  settled,
  statesAt,
  useSandboxProcess,
  waitOn,
  waitUntil,
} from "./helpers.js";

let sandbox: SandboxProcess;
const envs = useSandboxProcess({ processingMs: 200 }, (s) => {
  sandbox = s;
});

const GHOST_TEXT = "今日だけの話 👻 ネタバレあり";
const GHOST: PostPart[] = [
  { text: GHOST_TEXT, is_ghost_post: true, text_entities: [spoilerFor(GHOST_TEXT, "ネタバレ")] },
  { text: "2/2 a normal reply to the ghost post" },
];
const GIF: PostPart[] = [{ gif_attachment: { gif_id: "3oEjI6SIIHBdRxXI40", provider: "GIPHY" } }];

describe("kill -9 while a ghost post and a GIF post are being published", () => {
  it.each(DIALECTS)(
    "%s: after a restart each group is published exactly once in its right final state",
    async (dialect) => {
      const e = await createE2eEnv(dialect, sandbox.url, { LOG_LEVEL: "info" });
      envs.push(e);
      const dueAt = Date.now();
      const [ghost, gif] = await seedDueAccounts(e, sandbox, {
        count: 2,
        prefix: `${dialect}ghostgif`,
        dueAt,
        parts: (i) => (i === 0 ? GHOST : GIF),
      });
      // The first publish of each account goes through at Threads and its answer is held back for a minute:
      // the process is killed while it waits.
      for (const s of [ghost!, gif!]) {
        await sandbox.addFault({
          path: "threads_publish",
          userId: s.user.user_id,
          kind: "lost_response",
          delayMs: 60_000,
          times: 1,
        });
      }
      const first = e.spawn(["start", "--no-web"]);
      await waitUntil(
        async () => {
          const published = await sandbox.published();
          return [ghost!, gif!].every((s) => published.some((p) => p.userId === s.user.user_id));
        },
        { timeoutMs: 60_000, what: "both first posts to be published at the sandbox", alive: [first] },
      );
      first.kill("SIGKILL");
      await first.exited;
      expect(await statesAt(e.db, dueAt)).toEqual({ running: 2 });
      expect((await sandbox.published(ghost!.user.user_id)).length, "the reply was not sent yet").toBe(1);

      const second = e.spawn(["start", "--no-web"]);
      await second.waitFor(/Press Ctrl\+C to stop/, 60_000);
      const states = await waitOn(
        [second],
        async () => {
          const s = await statesAt(e.db, dueAt);
          return settled(s) ? s : undefined;
        },
        // On PostgreSQL the killed node's runs keep their 60 s lease first; on SQLite they are checked at once.
        { timeoutMs: 120_000, what: "both groups to settle", alive: [second] },
      );
      expect(states).toEqual({ published: 2 });
      // Both runs cut by the kill were recovered through the check.
      expect(loggedEvents(second, "abandoned")).toHaveLength(2);

      const ghostPosts = await sandbox.published(ghost!.user.user_id);
      expect(
        ghostPosts.map((p) => ({ text: p.text, ghost: p.isGhostPost ?? false, reply: p.replyToId })),
      ).toEqual([
        { text: GHOST[0]!.text, ghost: true, reply: undefined },
        { text: GHOST[1]!.text, ghost: false, reply: ghostPosts[0]!.id },
      ]);
      const spoilers = ghostPosts[0]!.textEntities ?? [];
      expect(spoilers.map((r) => GHOST_TEXT.slice(r.offset, r.offset + r.length))).toEqual(["ネタバレ"]);
      const status = await sandbox.graph(
        `${ghostPosts[0]!.id}?fields=id,ghost_post_status,ghost_post_expiration_timestamp`,
        ghost!.user.access_token,
      );
      expect(status).toMatchObject({ id: ghostPosts[0]!.id, ghost_post_status: "ACTIVE" });

      const gifPosts = await sandbox.published(gif!.user.user_id);
      expect(gifPosts).toHaveLength(1);
      expect(gifPosts[0]).toMatchObject({
        mediaType: "TEXT",
        gif: { gifId: "3oEjI6SIIHBdRxXI40", provider: "GIPHY" },
      });
      expect(gifPosts[0]!.text).toBeUndefined();
      const read = await sandbox.graph(`${gifPosts[0]!.id}?fields=id,gif_url`, gif!.user.access_token);
      expect(read).toEqual({
        id: gifPosts[0]!.id,
        gif_url: "https://media.giphy.com/media/3oEjI6SIIHBdRxXI40/giphy.gif",
      });

      // The CLI shows both runs published, with the sandbox's permalinks of every part.
      const runs = await e.json<Array<{ dueAtMs: number; state: string; permalinks?: Array<string | null> }>>(
        ["runs", "--state", "published"],
      );
      expect(runs.filter((r) => r.dueAtMs === dueAt)).toHaveLength(2);
      second.kill("SIGTERM");
      expect((await second.exited).code).toBe(0);
    },
    200_000,
  );
});
