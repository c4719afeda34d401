/**
 * Reconciliation against the sandbox when the account has reposts: a repost (REPOST_FACADE, no text) is never
 * taken for a post without text whose publish had an unknown outcome, and a repost is found by its source.
 */
import { describe, expect, it } from "vitest";
import { FakeClock } from "../src/clock.js";
import type { PublicationPartRow } from "../src/db/schema.js";
import { REPOST_LISTED_WITHIN_MS, reconcilePart, reconcileRepost } from "../src/publications/reconcile.js";
import { createSandbox } from "../src/sandbox/index.js";
import { ThreadsClient } from "../src/threads/client.js";

const T0 = Date.UTC(2026, 2, 9, 9, 0, 0);

function setup() {
  const clock = new FakeClock(T0);
  const sandbox = createSandbox({
    clock,
    mediaProcessingMs: 0,
    fetchMedia: async () => ({ ok: true, contentType: "image/jpeg" }),
  });
  const client = new ThreadsClient({
    graphUrl: "http://sandbox.invalid",
    fetch: (input, init) => Promise.resolve(sandbox.app.fetch(new Request(input, init))),
    clock,
    sleep: async (ms) => clock.advance(ms),
  });
  const { accessToken: token, userId } = sandbox.createUser({ username: "hanako" });
  return { clock, sandbox, client, token, userId };
}

const part = (over: Partial<PublicationPartRow>): PublicationPartRow => ({
  id: 1,
  publication_id: 1,
  account_id: 1,
  position: 0,
  state: "publish_requested",
  children_json: null,
  container_id: null,
  media_id: null,
  permalink: null,
  error: null,
  updated_at: T0,
  delete_state: null,
  deleted_at: null,
  delete_error: null,
  ...over,
});
const none = async () => new Set<string>();

describe("reconciliation with reposts", () => {
  it("an image post without text is matched to itself, not to a newer repost", async () => {
    const { clock, client, token, userId } = setup();
    const text = await client.createContainer(token, userId, { mediaType: "TEXT", text: "to repost" });
    const original = await client.publishContainer(token, userId, text);
    const image = await client.createContainer(token, userId, {
      mediaType: "IMAGE",
      imageUrl: "https://example.com/a.jpg",
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const imageId = await client.publishContainer(token, userId, image);
    clock.advance(1000);
    const repostId = await client.repost(token, original);

    const found = await reconcilePart(client, token, part({ container_id: image }), {}, null, none);
    expect(found).toMatchObject({ kind: "published", mediaId: imageId });
    expect(found).not.toMatchObject({ mediaId: repostId });
  });

  it("a repost is found by its source; not found: unknown, never absent, with what to check once it would be listed", async () => {
    const { clock, client, token, userId } = setup();
    const text = await client.createContainer(token, userId, { mediaType: "TEXT", text: "source" });
    const original = await client.publishContainer(token, userId, text);
    const other = await client.publishContainer(
      token,
      userId,
      await client.createContainer(token, userId, { mediaType: "TEXT", text: "other" }),
    );
    const repostId = await client.repost(token, original);
    const row = part({ updated_at: clock.now() });
    expect(await reconcileRepost(client, token, row, original, clock.now(), none)).toMatchObject({
      kind: "published",
      mediaId: repostId,
    });
    // A repost another ledger part records already is not this one.
    const taken = async () => new Set([repostId]);
    expect(await reconcileRepost(client, token, row, original, clock.now(), taken)).toMatchObject({
      kind: "unknown",
    });
    expect((await reconcileRepost(client, token, row, other, clock.now(), none)).kind).toBe("unknown");
    // Never "absent" on a listing miss alone: a second repost could undo the first (a toggle). Once it
    // would normally be listed, the reason asks the user to look.
    clock.advance(REPOST_LISTED_WITHIN_MS);
    const late = await reconcileRepost(client, token, row, other, clock.now(), none);
    expect(late.kind).toBe("unknown");
    expect(late).toMatchObject({
      reason: expect.stringMatching(
        new RegExp(
          `^the repost of post ${other} may or may not have gone through: it is not in /me/threads 2 minutes after the call.*It is not sent again.*Check the account's Reposts tab`,
        ),
      ),
    });
    clock.advance(60 * 60_000);
    expect((await reconcileRepost(client, token, row, other, clock.now(), none)).kind).toBe("unknown");
  });
});
