/**
 * The post options through the publisher (ledger + client) against the sandbox over real HTTP, on both
 * databases: a GIF post, a ghost post with a chain after it, a location tag, reply approvals with each
 * reply_control, geo-gating for an eligible account (and a clear failure before anything is sent for one that
 * is not), share to Instagram. Each published option reads back from Threads; each refusal by Threads fails the
 * post for good with Meta's message (not retried).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { insertAccount } from "../src/accounts/accounts.repository.js";
import { FakeClock } from "../src/clock.js";
import { silentLogger } from "../src/log.js";
import { getLedgerByRun } from "../src/publications/publications.repository.js";
import { type PublishOutcome, publishGroup } from "../src/publications/publisher.js";
import { type RunningSandbox, startSandbox } from "../src/sandbox/index.js";
import { freeRunControl } from "../src/scheduler/engine/run-control.js";
import { ThreadsClient } from "../src/threads/client.js";
import type { ContainerParams } from "../src/threads/container-params.js";
import { type PostPart, REPLY_CONTROLS } from "../src/threads/post.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";
import { MINUTE } from "./helpers/engine.js";
import { accountRow, runRow } from "./helpers/fixtures.js";

const START = Date.parse("2026-06-01T00:00:00Z");
const HOUR = 60 * MINUTE;
const NODE = "node-test";
const GIF = { gif_id: "3oEjI6SIIHBdRxXI40", provider: "GIPHY" } as const;
const SHIBUYA = "110000000000001";

/** Counts the calls the publisher makes, to show what was (not) sent. */
class CountingClient extends ThreadsClient {
  containers: ContainerParams[] = [];
  eligibilityChecks = 0;

  override async createContainer(token: string, userId: string, params: ContainerParams): Promise<string> {
    this.containers.push(params);
    return super.createContainer(token, userId, params);
  }

  override async geoGatingEligible(token: string): Promise<boolean> {
    this.eligibilityChecks += 1;
    return super.geoGatingEligible(token);
  }
}

describe.each(DIALECTS)("post options through the publisher on %s", (dialect) => {
  let t: TestDb;
  let clock: FakeClock;
  let running: RunningSandbox;
  let client: CountingClient;
  let accounts = 0;

  const fakeSleep = async (ms: number) => {
    clock.advance(ms);
    await new Promise((resolve) => setTimeout(resolve, 2));
  };

  beforeEach(async () => {
    t = await createTestDb(dialect);
    clock = new FakeClock(START);
    running = await startSandbox({ clock, mediaProcessingMs: 5_000, port: 0 });
    client = new CountingClient({ graphUrl: running.url, clock, sleep: fakeSleep });
    accounts = 0;
  });
  afterEach(async () => {
    await running.close();
    await t.destroy();
  });

  const media = (name: string) => `${running.url}/__sandbox/media/${name}`;

  /** Publishes `parts` as one run of a new account; `geo` makes the sandbox user eligible for geo-gating. */
  async function publish(parts: PostPart[], opts: { geo?: boolean } = {}) {
    accounts += 1;
    const username = `poster${accounts}`;
    const user = running.sandbox.createUser({ username, geoGatingEligible: opts.geo ?? false });
    const account = await insertAccount(
      t.db,
      accountRow(accounts, clock.now(), { threads_user_id: user.userId, username }),
    );
    const run = await t.db
      .insertInto("runs")
      .values(
        runRow(account.id, clock.now(), {
          state: "running",
          attempts: 1,
          locked_by: NODE,
          lease_until: clock.now() + 24 * HOUR,
        }),
      )
      .returning("id")
      .executeTakeFirstOrThrow();
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

  it("publishes a GIF post without text and reads back its gif_url", async () => {
    const { user, outcome, parts } = await publish([{ gif_attachment: GIF }]);
    expect(outcome.kind).toBe("published");
    const read = await client.getMedia(user.accessToken, parts[0]!.media_id!, [
      "id",
      "media_type",
      "gif_url",
    ]);
    expect(read).toEqual({
      id: parts[0]!.media_id,
      media_type: "TEXT_POST",
      gif_url: "https://media.giphy.com/media/3oEjI6SIIHBdRxXI40/giphy.gif",
    });
    expect(running.sandbox.published(user.userId)).toEqual([
      expect.objectContaining({ gif: { gifId: GIF.gif_id, provider: "GIPHY" } }),
    ]);
  });

  it("publishes a ghost post with a spoiler and a chain replying to it; it is archived after 24 h", async () => {
    const { user, outcome, parts } = await publish([
      {
        text: "ネタバレ: 犯人は執事 🤫",
        is_ghost_post: true,
        text_entities: [{ entity_type: "SPOILER", offset: 9, length: 2 }],
      },
      { text: "2/2 (a normal reply)" },
    ]);
    expect(outcome.kind).toBe("published");
    const [ghostId, replyId] = parts.map((p) => p.media_id!);
    const fields = ["id", "ghost_post_status", "ghost_post_expiration_timestamp"];
    expect(await client.getMedia(user.accessToken, ghostId!, fields)).toEqual({
      id: ghostId,
      ghost_post_status: "ACTIVE",
      ghost_post_expiration_timestamp: "2026-06-02T00:00:00+0000",
    });
    expect(running.sandbox.published(user.userId).map((p) => [p.id, p.replyToId, p.isGhostPost])).toEqual([
      [ghostId, undefined, true],
      [replyId, ghostId, undefined],
    ]);
    expect((await client.listThreads(user.accessToken)).data.map((m) => m.id)).toEqual([ghostId]);
    clock.advance(24 * HOUR);
    expect((await client.getMedia(user.accessToken, ghostId!, fields)).ghost_post_status).toBe("ARCHIVED");
    expect((await client.listThreads(user.accessToken)).data).toEqual([]);
  });

  it("publishes a location tag, reply approvals and each reply_control value, and shares to Instagram", async () => {
    for (const reply_control of REPLY_CONTROLS) {
      const { user, outcome, parts } = await publish([
        {
          text: `渋谷 ${reply_control}`,
          location_id: SHIBUYA,
          enable_reply_approvals: true,
          reply_control,
          crossreshare_to_ig: true,
        },
      ]);
      expect(outcome.kind, reply_control).toBe("published");
      const read = await client.getMedia(user.accessToken, parts[0]!.media_id!, [
        "id",
        "location_id",
        "reply_audience",
      ]);
      expect(read).toEqual({ id: parts[0]!.media_id, location_id: SHIBUYA, reply_audience: reply_control });
      expect(running.sandbox.published(user.userId)).toEqual([
        expect.objectContaining({ locationId: SHIBUYA, replyApprovals: true, crossreshareToIg: true }),
      ]);
    }
  });

  it("puts a carousel's options on the parent", async () => {
    const { user, outcome } = await publish([
      {
        text: "旅の写真",
        media: [
          { kind: "IMAGE", url: media("sample.jpg") },
          { kind: "IMAGE", url: media("sample.png") },
        ],
        location_id: "110000000000002",
        enable_reply_approvals: true,
      },
    ]);
    expect(outcome.kind).toBe("published");
    expect(running.sandbox.published(user.userId)).toEqual([
      expect.objectContaining({ mediaType: "CAROUSEL", locationId: "110000000000002", replyApprovals: true }),
    ]);
    expect(client.containers.filter((c) => c.isCarouselItem).map((c) => c.locationId)).toEqual([
      undefined,
      undefined,
    ]);
  });

  it("publishes a geo-gated chain for an eligible account, asking Threads once per run", async () => {
    const { user, outcome, parts } = await publish(
      [
        { text: "1/3 日本だけ", allowlisted_country_codes: ["JP"] },
        { text: "2/3", allowlisted_country_codes: ["JP", "TW"] },
        { text: "3/3", allowlisted_country_codes: ["JP"] },
      ],
      { geo: true },
    );
    expect(outcome.kind).toBe("published");
    expect(client.eligibilityChecks).toBe(1);
    const read = await client.getMedia(user.accessToken, parts[1]!.media_id!, [
      "id",
      "allowlisted_country_codes",
    ]);
    expect(read.allowlisted_country_codes).toEqual(["JP", "TW"]);
  });

  it("does not ask about geo-gating when no part uses it", async () => {
    await publish([{ text: "everywhere" }]);
    expect(client.eligibilityChecks).toBe(0);
  });

  it("fails a geo-gated post of a non-eligible account before anything is sent, with a note on the part", async () => {
    const { user, outcome, parts } = await publish([
      { text: "1/2 everywhere" },
      { text: "2/2 only in Japan", allowlisted_country_codes: ["JP"] },
    ]);
    expect(outcome).toEqual({
      kind: "failed",
      reason: expect.stringMatching(
        /^part 2: this Threads account is not eligible for geo-gating, so the post cannot be limited to some countries \(allowlisted_country_codes\); remove the countries from the part/,
      ),
    });
    expect(client.containers).toEqual([]);
    expect(running.sandbox.published(user.userId)).toEqual([]);
    expect(parts.map((p) => [p.state, p.error])).toEqual([
      ["pending", null],
      ["pending", (outcome as { reason: string }).reason],
    ]);
  });

  it.each<[string, PostPart, RegExp]>([
    [
      "a GIF with media",
      { text: "x", media: [{ kind: "IMAGE", url: "https://cdn.example.com/a.jpg" }], gif_attachment: GIF },
      /gif_attachment is only supported for TEXT posts/,
    ],
    [
      "a Tenor GIF",
      { text: "x", gif_attachment: { gif_id: "abc", provider: "TENOR" as "GIPHY" } },
      /Tenor API was sunset on March 31, 2026/,
    ],
    [
      "a ghost post with a topic tag",
      { text: "x", is_ghost_post: true, topic_tag: "Books" },
      /only feature supported with ghost posts is text spoilers.*remove topic_tag/,
    ],
    ["an unknown place", { text: "x", location_id: "999" }, /location_id "999" is not a valid location id/],
    [
      "a lowercase country code (eligible account)",
      { text: "x", allowlisted_country_codes: ["jp"] },
      /allowlisted_country_codes contains invalid country codes: "jp"/,
    ],
  ])("Threads refusing %s fails the post for good with Meta's message", async (_, part, message) => {
    const { user, outcome, parts } = await publish([part], { geo: true });
    expect(outcome.kind).toBe("failed");
    const reason = (outcome as { reason: string }).reason;
    expect(reason).toMatch(/^Threads API error \(code 100\): \(#100\) /);
    expect(reason).toMatch(message);
    expect(parts[0]!.state).toBe("pending");
    expect(running.sandbox.published(user.userId)).toEqual([]);
  });

  it("a ghost post as the reply of a chain is refused by Threads after the root was published", async () => {
    // What preflight prevents (a chain broken half-way): the sandbox refuses the second part.
    const { user, outcome, parts } = await publish([
      { text: "root" },
      { text: "ghost", is_ghost_post: true },
    ]);
    expect(outcome).toMatchObject({
      kind: "failed",
      reason: expect.stringMatching(/You cannot reply to a post with a ghost post/),
    });
    expect(parts.map((p) => p.state)).toEqual(["published", "pending"]);
    expect(running.sandbox.published(user.userId)).toHaveLength(1);
  });
});
