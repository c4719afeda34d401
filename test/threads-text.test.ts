/**
 * Text attachments, text spoilers and media spoilers from a PostPart to what Threads stores: the publisher
 * (ledger + client) against the sandbox over real HTTP, on both databases; and each refusal, sent past the
 * preflight, reaching the caller as a permanent error carrying Meta's message.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { insertAccount } from "../src/accounts/accounts.repository.js";
import { FakeClock } from "../src/clock.js";
import { silentLogger } from "../src/log.js";
import { getLedgerByRun } from "../src/publications/publications.repository.js";
import { publishGroup } from "../src/publications/publisher.js";
import { type RunningSandbox, startSandbox } from "../src/sandbox/index.js";
import { freeRunControl } from "../src/scheduler/engine/run-control.js";
import { ThreadsClient } from "../src/threads/client.js";
import { containerParamsFor } from "../src/threads/container-params.js";
import { ThreadsApiError } from "../src/threads/errors.js";
import type { PostPart } from "../src/threads/post.js";
import { validatePart } from "../src/threads/preflight.js";
import { spoilerFor } from "../src/threads/preflight-text.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";
import { MINUTE } from "./helpers/engine.js";
import { accountRow, runRow } from "./helpers/fixtures.js";

const START = Date.parse("2026-06-01T00:00:00Z");
const NODE = "node-test";

describe.each(DIALECTS)("text attachments and spoilers through the publisher on %s", (dialect) => {
  let t: TestDb;
  let clock: FakeClock;
  let running: RunningSandbox;
  let client: ThreadsClient;
  const fakeSleep = async (ms: number) => {
    clock.advance(ms);
    await new Promise((resolve) => setTimeout(resolve, 2));
  };

  beforeEach(async () => {
    t = await createTestDb(dialect);
    clock = new FakeClock(START);
    running = await startSandbox({ clock, mediaProcessingMs: 5_000, port: 0 });
    client = new ThreadsClient({ graphUrl: running.url, clock, sleep: fakeSleep });
  });
  afterEach(async () => {
    await running.close();
    await t.destroy();
  });

  const media = (name: string) => `${running.url}/__sandbox/media/${name}`;

  async function publish(parts: PostPart[], username = "writer") {
    const user = running.sandbox.createUser({ username });
    const account = await insertAccount(
      t.db,
      accountRow(1, clock.now(), { threads_user_id: user.userId, username }),
    );
    const run = await t.db
      .insertInto("runs")
      .values(
        runRow(account.id, clock.now(), {
          state: "running",
          attempts: 1,
          locked_by: NODE,
          lease_until: clock.now() + 24 * 60 * MINUTE,
        }),
      )
      .returning("id")
      .executeTakeFirstOrThrow();
    const outcome = await publishGroup(
      { db: t.db, threads: client, clock, logger: silentLogger, control: freeRunControl(NODE, client) },
      {
        runId: run.id,
        account: { id: account.id, threadsUserId: user.userId, token: user.accessToken },
        groupId: null,
        parts,
      },
    );
    const ledger = await getLedgerByRun(t.db, run.id);
    return { user, outcome, parts: ledger!.parts };
  }

  it("publishes a text post with a text attachment and spoilers over Japanese and emoji text", async () => {
    const text = "今日の🍣は最高。犯人は👨‍👩‍👧でした";
    const part: PostPart = {
      text,
      text_attachment: {
        plaintext: "長文の感想です。\n".repeat(300),
        link_attachment_url: "https://example.jp/感想",
        text_with_styling_info: [{ offset: 0, length: 2, styling_info: ["bold"] }],
      },
      text_entities: [spoilerFor(text, "🍣"), spoilerFor(text, "👨‍👩‍👧")],
    };
    expect(validatePart(part, 0)).toEqual([]);
    const { user, outcome, parts } = await publish([part]);
    expect(outcome.kind).toBe("published");
    const [post] = running.sandbox.published(user.userId);
    expect(post).toMatchObject({
      id: parts[0]!.media_id,
      mediaType: "TEXT",
      text,
      textAttachment: {
        plaintext: part.text_attachment!.plaintext,
        linkAttachmentUrl: "https://example.jp/感想",
        styling: [{ offset: 0, length: 2, styling: ["bold"] }],
      },
      textEntities: [
        { entityType: "SPOILER", offset: 3, length: 2 },
        { entityType: "SPOILER", offset: 12, length: 8 },
      ],
    });
    // The ranges cover exactly the phrases, counted in UTF-16 units on both sides.
    expect(post!.textEntities!.map((e) => text.slice(e.offset, e.offset + e.length))).toEqual([
      "🍣",
      "👨‍👩‍👧",
    ]);
    // And they read back through the API under Meta's names.
    const read = (await client.getMedia(user.accessToken, post!.id, [
      "id",
      "text_attachment",
      "text_entities",
    ])) as unknown as Record<string, unknown>;
    expect(read).toEqual({
      id: post!.id,
      text_attachment: part.text_attachment,
      text_entities: part.text_entities,
    });
  });

  it("publishes a carousel with a media spoiler on the parent", async () => {
    const { user, outcome } = await publish([
      {
        text: "ネタバレ注意",
        media: [
          { kind: "IMAGE", url: media("sample.jpg") },
          { kind: "VIDEO", url: media("sample.mp4") },
        ],
        is_spoiler_media: true,
      },
    ]);
    expect(outcome.kind).toBe("published");
    const [post] = running.sandbox.published(user.userId);
    expect(post).toMatchObject({ mediaType: "CAROUSEL", isSpoilerMedia: true });
    expect(post!.children).toHaveLength(2);
  });

  it.each<[string, PostPart, RegExp]>([
    [
      "six links counting the attachment link",
      {
        text: "https://a.example https://b.example https://c.example https://d.example https://e.example",
        text_attachment: { plaintext: "p", link_attachment_url: "https://f.example" },
      },
      /THREADS_API__LINK_LIMIT_EXCEEDED.*the post has more than 5 links/,
    ],
    [
      "eleven spoilers",
      {
        text: "あいうえおかきくけこさし",
        text_entities: Array.from({ length: 11 }, (_, i) => ({
          entity_type: "SPOILER" as const,
          offset: i,
          length: 1,
        })),
      },
      /limited to 10 \(got 11\)/,
    ],
    [
      "a text attachment with a poll",
      { text: "x", text_attachment: { plaintext: "p" }, poll_attachment: { option_a: "a", option_b: "b" } },
      /cannot be attached to a post that has a poll/,
    ],
    [
      "a spoiler cutting an emoji",
      { text: "今日は🍣", text_entities: [{ entity_type: "SPOILER", offset: 3, length: 1 }] },
      /splits a character/,
    ],
    // (A media spoiler on a text post is never sent: containerParamsFor puts it on media containers only.)
  ])("sent past the preflight, %s fails the post with Meta's message", async (_, part, pattern) => {
    expect(validatePart(part, 0), "the preflight refuses it first").not.toEqual([]);
    const { user, outcome, parts } = await publish([part]);
    expect(outcome).toEqual({ kind: "failed", reason: expect.stringMatching(pattern) });
    expect(parts[0]).toMatchObject({ state: "pending", container_id: null });
    expect(running.sandbox.published(user.userId)).toEqual([]);

    // The client's own error: permanent, not retryable, nothing created.
    const error = await client
      .createContainer(user.accessToken, user.userId, containerParamsFor(part).parent)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ThreadsApiError);
    const e = error as ThreadsApiError;
    expect({ kind: e.kind, retryable: e.retryable, outcomeUnknown: e.outcomeUnknown, code: e.code }).toEqual({
      kind: "permanent",
      retryable: false,
      outcomeUnknown: false,
      code: 100,
    });
    expect(e.message).toMatch(pattern);
    expect(e.linkLimitExceeded).toBe(/LINK_LIMIT/.test(pattern.source));
  });
});
