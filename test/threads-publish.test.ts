/**
 * Publishing flows as production runs them: the publisher (ledger + client) against the sandbox over real HTTP,
 * on both databases. Text, video, carousel, a chain; the ledger is written before `threads_publish`; a container
 * that fails processing fails the post with Meta's media hint, on the part and in what `runs` shows.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { insertAccount } from "../src/accounts/accounts.repository.js";
import { FakeClock } from "../src/clock.js";
import type { Db } from "../src/db/connect.js";
import type { PublicationPartRow } from "../src/db/schema.js";
import { silentLogger } from "../src/log.js";
import { getLedgerByRun } from "../src/publications/publications.repository.js";
import { type PublishOutcome, publishGroup } from "../src/publications/publisher.js";
import { type RunningSandbox, startSandbox } from "../src/sandbox/index.js";
import { freeRunControl } from "../src/scheduler/engine/run-control.js";
import { listRuns } from "../src/scheduler/inspect.js";
import { ThreadsClient } from "../src/threads/client.js";
import type { PostPart } from "../src/threads/post.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";
import { createEngineEnv, type EngineEnv, MINUTE } from "./helpers/engine.js";
import { accountRow, runRow } from "./helpers/fixtures.js";

const START = Date.parse("2025-06-01T00:00:00Z");
const PROCESSING_MS = 20_000;
const NODE = "node-test";

/** A client that records the ledger's part rows at the moment each `threads_publish` call leaves. */
class LedgerWatchingClient extends ThreadsClient {
  readonly atPublish: Array<{ containerId: string; parts: PublicationPartRow[] }> = [];
  watch: { db: Db; runId: number } | undefined;

  override async publishContainer(token: string, userId: string, containerId: string): Promise<string> {
    if (this.watch) {
      const ledger = await getLedgerByRun(this.watch.db, this.watch.runId);
      this.atPublish.push({ containerId, parts: structuredClone(ledger?.parts ?? []) });
    }
    return super.publishContainer(token, userId, containerId);
  }
}

describe.each(DIALECTS)("the publisher against the sandbox on %s", (dialect) => {
  let t: TestDb;
  let clock: FakeClock;
  let running: RunningSandbox;
  let client: LedgerWatchingClient;

  /** Added to the next sleep only (a process that stalled while waiting). */
  let stall = 0;
  /** Moves fake time instead of waiting; yields a moment so the sandbox's (real) media download can finish. */
  const fakeSleep = async (ms: number) => {
    clock.advance(ms + stall);
    stall = 0;
    await new Promise((resolve) => setTimeout(resolve, 2));
  };

  beforeEach(async () => {
    t = await createTestDb(dialect);
    clock = new FakeClock(START);
    stall = 0;
    running = await startSandbox({ clock, mediaProcessingMs: PROCESSING_MS, port: 0 });
    client = new LedgerWatchingClient({ graphUrl: running.url, clock, sleep: fakeSleep });
  });
  afterEach(async () => {
    await running.close();
    await t.destroy();
  });

  const media = (name: string) => `${running.url}/__sandbox/media/${name}`;

  /** Publishes `parts` as one run of a new account, the way the post job does. */
  async function publish(parts: PostPart[], username = "poster") {
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
    client.watch = { db: t.db, runId: run.id };
    const outcome: PublishOutcome = await publishGroup(
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

  it("publishes a text post after writing publish_requested, and records its permalink", async () => {
    const { user, outcome, parts } = await publish(
      [{ text: "こんにちは 👋", topic_tag: "Greetings", reply_control: "followers_only" }],
      "bob",
    );
    // When threads_publish left, the ledger already said which container may be published.
    expect(client.atPublish).toHaveLength(1);
    const [before] = client.atPublish;
    expect(before!.parts).toEqual([
      expect.objectContaining({ state: "publish_requested", container_id: before!.containerId }),
    ]);
    expect(outcome.kind).toBe("published");
    const [part] = parts;
    expect(part).toMatchObject({ state: "published", container_id: before!.containerId, error: null });
    // A sandbox post's permalink is a page the sandbox serves, not a threads.net address that does not exist.
    expect(part!.permalink?.startsWith(`${running.url}/@bob/post/`)).toBe(true);
    expect(outcome).toEqual({ kind: "published", permalinks: [part!.permalink] });
    expect(running.sandbox.published(user.userId)).toEqual([
      expect.objectContaining({
        id: part!.media_id,
        mediaType: "TEXT",
        text: "こんにちは 👋",
        topicTag: "Greetings",
        replyControl: "followers_only",
        permalink: part!.permalink,
      }),
    ]);
  });

  it("publishes a video only after its container is processed", async () => {
    const before = clock.now();
    const { user, outcome, parts } = await publish([
      { text: "a clip", media: [{ kind: "VIDEO", url: media("sample.mp4") }] },
    ]);
    expect(outcome.kind).toBe("published");
    expect(clock.now() - before).toBeGreaterThanOrEqual(PROCESSING_MS);
    expect(running.sandbox.published(user.userId)).toEqual([
      expect.objectContaining({ id: parts[0]!.media_id, mediaType: "VIDEO", mediaUrl: media("sample.mp4") }),
    ]);
  });

  it("publishes a 3-image carousel: children first, all FINISHED, then the parent", async () => {
    const { user, outcome, parts } = await publish([
      {
        text: "three pictures",
        media: [
          { kind: "IMAGE", url: media("sample.jpg"), alt_text: "first" },
          { kind: "IMAGE", url: media("sample.png") },
          { kind: "IMAGE", url: media("sample.jpg") },
        ],
      },
    ]);
    expect(outcome.kind).toBe("published");
    const children = JSON.parse(parts[0]!.children_json!) as string[];
    expect(new Set(children).size).toBe(3);
    const [post] = running.sandbox.published(user.userId);
    expect(post).toMatchObject({ id: parts[0]!.media_id, mediaType: "CAROUSEL", text: "three pictures" });
    expect(post!.children.map((c) => c.mediaType)).toEqual(["IMAGE", "IMAGE", "IMAGE"]);
    expect(post!.children[0]!.altText).toBe("first");
    expect((await client.getPublishingLimit(user.accessToken, user.userId)).quotaUsage).toBe(1);
  });

  it("publishes a 3-part chain, each part replying to the previous one", async () => {
    const { user, outcome, parts } = await publish([
      { text: "1/3 a thread" },
      { text: "2/3 with a picture", media: [{ kind: "IMAGE", url: media("sample.jpg") }] },
      { text: "3/3 the end" },
    ]);
    expect(outcome.kind).toBe("published");
    const ids = parts.map((p) => p.media_id);
    const published = running.sandbox.published(user.userId);
    expect(published.map((p) => [p.id, p.replyToId, p.rootId])).toEqual([
      [ids[0], undefined, undefined],
      [ids[1], ids[0], ids[0]],
      [ids[2], ids[1], ids[0]],
    ]);
    const replies = await client.listReplies(user.accessToken, { fields: ["id", "text", "replied_to"] });
    expect(replies.data.map((m) => [m.id, m.replied_to?.id])).toEqual([
      [ids[2], ids[1]],
      [ids[1], ids[0]],
    ]);
    expect((await client.listThreads(user.accessToken)).data.map((m) => m.id)).toEqual([ids[0]]);
  });

  it("a container that failed processing fails the post with Meta's code and publishes nothing", async () => {
    const { user, outcome, parts } = await publish([
      { media: [{ kind: "IMAGE", url: media("missing.jpg") }] },
    ]);
    expect(outcome).toMatchObject({ kind: "failed" });
    const reason = (outcome as { reason: string }).reason;
    expect(reason).toMatch(/^part 1: Threads could not process the media \(FAILED_DOWNLOADING_IMAGE\): /);
    expect(parts[0]).toMatchObject({ state: "pending", container_id: null, error: reason });
    expect(client.atPublish).toEqual([]);
    expect(running.sandbox.published(user.userId)).toEqual([]);
  });

  it("a container that expired is retried: the run's reason says so, the part records no error", async () => {
    // The first wait for the video's container stalls past the 24 h a container lives.
    stall = 25 * 60 * MINUTE;
    const { user, outcome, parts } = await publish([
      { text: "a clip", media: [{ kind: "VIDEO", url: media("sample.mp4") }] },
    ]);
    expect(outcome).toEqual({
      kind: "retry",
      reason: "part 1: the media container expired; it will be created again",
    });
    expect(parts[0]).toMatchObject({ state: "pending", container_id: null, error: null });
    expect(client.atPublish).toEqual([]);
    expect(running.sandbox.published(user.userId)).toEqual([]);
  });

  it("a video Threads could not download says so, with Meta's hint, on the part", async () => {
    const { outcome, parts } = await publish([{ media: [{ kind: "VIDEO", url: media("missing.mp4") }] }]);
    const hint =
      "part 1: Threads could not process the media (FAILED_DOWNLOADING_VIDEO): Threads could not download the video; check that its URL is public.";
    expect(outcome).toEqual({ kind: "failed", reason: hint });
    expect(parts[0]!.error).toBe(hint);
  });

  it("a carousel item that failed names the item", async () => {
    const { outcome } = await publish([
      {
        media: [
          { kind: "IMAGE", url: media("sample.jpg") },
          { kind: "VIDEO", url: media("missing.mp4") },
        ],
      },
    ]);
    expect(outcome).toMatchObject({
      kind: "failed",
      reason: expect.stringMatching(
        /^part 1, carousel item 2: .*FAILED_DOWNLOADING_VIDEO.*check that its URL is public/,
      ),
    });
  });
});

describe.each(DIALECTS)("a media error in runs on %s", (dialect) => {
  let env: EngineEnv;
  afterEach(async () => env?.close());

  it("`runs` shows the failed run with Meta's media hint", async () => {
    const TEN = Date.parse("2026-03-09T10:00:00Z");
    env = await createEngineEnv(dialect, { start: "2026-03-09T09:00:00Z" });
    const { account } = await env.addAccount();
    // The test rig's media fetch fails for any URL containing "broken".
    await env.addGroup(account.id, [
      { text: "clip", media: [{ kind: "VIDEO", url: "https://cdn.example/broken.mp4" }] },
    ]);
    await env.addSchedule(account.id, { kind: "fixed", times: ["10:00"] });
    await env.runAt(TEN - MINUTE);
    await env.runAt(TEN);
    const runs = await listRuns(env.db, { state: "failed" }, "UTC");
    expect(runs).toEqual([
      expect.objectContaining({
        job: "post",
        reason:
          "part 1: Threads could not process the media (FAILED_DOWNLOADING_VIDEO): Threads could not download the video; check that its URL is public.",
      }),
    ]);
    expect(env.sandbox.published()).toEqual([]);
  });
});
