/**
 * A two-part group whose root has a text attachment (with a link) and text spoilers over Japanese and emoji
 * text, and whose reply has a spoiler, published by the real service process against the sandbox process,
 * with a `kill -9` after the root's container was created and its publish reached Threads (the sandbox holds
 * its answer back). On SQLite a second `kill -9` cuts the reply's publish call before it is applied (the
 * sandbox hangs without publishing). After the restarts: each part on Threads exactly once, in order, with the
 * attachment and the spoilers Threads stored.
 */
import { describe, expect, it } from "vitest";
import type { PostPart } from "../../src/threads/post.js";
import { spoilerFor } from "../../src/threads/preflight-text.js";
import {
  createE2eEnv,
  DIALECTS,
  type E2eEnv,
  type Proc,
  rootPostsPerUser,
  type SandboxProcess,
  SECOND,
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

const ROOT_TEXT = "ネタバレ注意: 犯人は🍣職人の👨‍👩‍👧でした https://example.jp/記事";
const REPLY_TEXT = "続き: 真相は闇の中🌙";
const ATTACHMENT = {
  plaintext: `${"長い解説です。🍣\n".repeat(200)}おわり`,
  link_attachment_url: "https://example.jp/記事",
  text_with_styling_info: [{ offset: 0, length: 2, styling_info: ["bold"] }],
};
const PARTS: PostPart[] = [
  {
    text: ROOT_TEXT,
    text_attachment: ATTACHMENT,
    text_entities: [spoilerFor(ROOT_TEXT, "🍣職人"), spoilerFor(ROOT_TEXT, "👨‍👩‍👧")],
  },
  { text: REPLY_TEXT, text_entities: [spoilerFor(REPLY_TEXT, "闇の中🌙")] },
];

async function partRows(e: E2eEnv) {
  return e.db.selectFrom("publication_parts").selectAll().orderBy("position").execute();
}

/** Kills `proc` with SIGKILL and waits for it to be gone. */
async function kill9(proc: Proc): Promise<void> {
  proc.kill("SIGKILL");
  await proc.exited;
}

describe("a text attachment and spoilers across kill -9", () => {
  it.each(DIALECTS)(
    "%s: published exactly once, in its final state, with the attachment and the spoilers",
    async (dialect) => {
      const e = await createE2eEnv(dialect, sandbox.url, { LOG_LEVEL: "info" });
      envs.push(e);
      const dueAt = Date.now();
      const [seeded] = await seedDueAccounts(e, sandbox, {
        count: 1,
        prefix: `${dialect}textatt`,
        dueAt,
        parts: () => PARTS,
      });
      const userId = seeded!.user.user_id;
      // The root's publish really publishes, then the answer is held back for a minute.
      await sandbox.addFault({ path: "threads_publish", userId, kind: "lost_response", delayMs: 60_000 });

      const first = e.spawn(["start", "--no-web"]);
      await waitUntil(async () => (await sandbox.published(userId)).length === 1, {
        timeoutMs: 60 * SECOND,
        intervalMs: 50,
        what: "the root's publish to reach Threads",
        alive: [first],
      });
      const [cut] = await partRows(e);
      expect(cut, "the container was created and its publish requested").toMatchObject({
        state: "publish_requested",
        container_id: expect.any(String),
      });
      await kill9(first);
      expect(await statesAt(e.db, dueAt)).toEqual({ running: 1 });

      if (dialect === "sqlite") {
        // The reply's publish hangs without being applied: kill again while it is in flight.
        await sandbox.addFault({ path: "threads_publish", userId, kind: "timeout", delayMs: 60_000 });
        const second = e.spawn(["start", "--no-web"]);
        await waitUntil(
          async () => {
            const rows = await partRows(e);
            return rows[1]?.state === "publish_requested" && rows[1].container_id !== null;
          },
          {
            timeoutMs: 60 * SECOND,
            intervalMs: 50,
            what: "the reply's publish call to be in flight",
            alive: [second],
          },
        );
        await kill9(second);
        expect((await sandbox.published(userId)).length, "the reply was not published yet").toBe(1);
      }
      const last = e.spawn(["start", "--no-web"]);
      const states = await waitOn(
        [last],
        async () => {
          const s = await statesAt(e.db, dueAt);
          return settled(s) ? s : undefined;
        },
        { timeoutMs: 100 * SECOND, what: "the group to settle after the restart", alive: [last] },
      );
      expect(states).toEqual({ published: 1 });

      const posts = await sandbox.published(userId);
      expect(rootPostsPerUser(posts).get(userId)).toBe(1);
      expect(posts).toHaveLength(2);
      const [root, reply] = posts;
      const rows = await partRows(e);
      expect(rows.map((r) => [r.state, r.media_id])).toEqual([
        ["published", root!.id],
        ["published", reply!.id],
      ]);
      expect(root).toMatchObject({
        text: ROOT_TEXT,
        textAttachment: {
          plaintext: ATTACHMENT.plaintext,
          linkAttachmentUrl: ATTACHMENT.link_attachment_url,
          styling: [{ offset: 0, length: 2, styling: ["bold"] }],
        },
      });
      expect(root!.textEntities!.map((s) => ROOT_TEXT.slice(s.offset, s.offset + s.length))).toEqual([
        "🍣職人",
        "👨‍👩‍👧",
      ]);
      expect(reply).toMatchObject({ text: REPLY_TEXT, replyToId: root!.id, rootId: root!.id });
      expect(reply!.textEntities!.map((s) => REPLY_TEXT.slice(s.offset, s.offset + s.length))).toEqual([
        "闇の中🌙",
      ]);
      last.kill("SIGTERM");
      expect((await last.exited).code).toBe(0);
    },
    200_000,
  );
});
