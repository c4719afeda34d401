/**
 * An uncertain ghost post is found by reconciliation after it is archived (24 h after publishing): it has left
 * /me/threads by then, and /me/ghost_posts still lists it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../src/clock.js";
import type { PublicationPartRow } from "../src/db/schema.js";
import { reconcilePart } from "../src/publications/reconcile.js";
import { createSandbox } from "../src/sandbox/index.js";
import { ThreadsClient } from "../src/threads/client.js";
import { DIALECTS } from "./helpers/db.js";
import { createEngineEnv, type EngineEnv } from "./helpers/engine.js";

const T0 = Date.UTC(2026, 2, 9, 9, 0, 0);
const HOUR = 3_600_000;

function setup() {
  const clock = new FakeClock(T0);
  const sandbox = createSandbox({ clock, mediaProcessingMs: 0 });
  const paths: string[] = [];
  const client = new ThreadsClient({
    graphUrl: "http://sandbox.invalid",
    fetch: (input, init) => {
      const request = new Request(input, init);
      paths.push(new URL(request.url).pathname);
      return Promise.resolve(sandbox.app.fetch(request));
    },
    clock,
    sleep: async (ms) => clock.advance(ms),
  });
  const { accessToken: token, userId } = sandbox.createUser({ username: "hanako" });
  return { clock, sandbox, client, token, userId, paths };
}

const row = (over: Partial<PublicationPartRow>): PublicationPartRow => ({
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

describe("reconciling a ghost post", () => {
  it("finds a ghost post archived 25 h ago in /me/ghost_posts (it has left /me/threads)", async () => {
    const { clock, client, token, userId } = setup();
    const container = await client.createContainer(token, userId, {
      mediaType: "TEXT",
      text: "boo",
      isGhostPost: true,
    });
    const id = await client.publishContainer(token, userId, container);
    clock.advance(25 * HOUR);
    expect((await client.listThreads(token)).data.map((m) => m.id)).not.toContain(id);

    const ghost = { text: "boo", is_ghost_post: true };
    const found = await reconcilePart(client, token, row({ container_id: container }), ghost, null, none);
    expect(found).toMatchObject({ kind: "published", mediaId: id });
    // One another ledger part records already is not this part's post.
    const taken = async () => new Set([id]);
    const again = await reconcilePart(client, token, row({ container_id: container }), ghost, null, taken);
    expect(again).toMatchObject({ kind: "unknown" });
    expect(again.kind === "unknown" && again.reason).toMatch(/\/me\/threads or \/me\/ghost_posts/);
  });

  it("does not take an archived ghost post with the same text published before the call", async () => {
    const { clock, client, token, userId, sandbox } = setup();
    sandbox.seedPost({ userId, text: "boo", isGhostPost: true, ageMs: 2 * HOUR });
    const container = await client.createContainer(token, userId, {
      mediaType: "TEXT",
      text: "boo",
      isGhostPost: true,
    });
    await client.publishContainer(token, userId, container);
    const mine = sandbox.published(userId).at(-1)!.id;
    clock.advance(25 * HOUR);
    const found = await reconcilePart(
      client,
      token,
      row({ container_id: container }),
      { text: "boo", is_ghost_post: true },
      null,
      none,
    );
    expect(found).toMatchObject({ kind: "published", mediaId: mine });
    // The older one, outside the window, is never taken even when this one is recorded elsewhere.
    const taken = async (ids: string[]) => new Set(ids.filter((x) => x === mine));
    expect(
      (
        await reconcilePart(
          client,
          token,
          row({ container_id: container }),
          { text: "boo", is_ghost_post: true },
          null,
          taken,
        )
      ).kind,
    ).toBe("unknown");
  });

  it("a part without is_ghost_post is not looked for in /me/ghost_posts", async () => {
    const { clock, client, token, userId, paths } = setup();
    const container = await client.createContainer(token, userId, {
      mediaType: "TEXT",
      text: "same",
      isGhostPost: true,
    });
    await client.publishContainer(token, userId, container);
    clock.advance(25 * HOUR);
    paths.length = 0;
    const found = await reconcilePart(
      client,
      token,
      row({ container_id: container }),
      { text: "same" },
      null,
      none,
    );
    expect(found).toMatchObject({ kind: "unknown" });
    expect(paths.some((p) => p.endsWith("/ghost_posts"))).toBe(false);
    expect(paths.some((p) => p.endsWith("/me/threads"))).toBe(true);
  });
});

describe.each(DIALECTS)("an uncertain ghost post recovered after 24 h on %s", (dialect) => {
  let env: EngineEnv;
  afterEach(async () => {
    await env?.close();
  });

  it("a node killed after publishing a ghost post: checked 25 h later, the run is published, not needs_check", async () => {
    const LEASE_MS = 60_000;
    env = await createEngineEnv(dialect, { start: "2026-03-09T09:00:00Z", engine: { leaseMs: LEASE_MS } });
    const { account, userId } = await env.addAccount();
    await env.addGroup(account.id, [{ text: "👻 boo", is_ghost_post: true }]);
    const scheduleId = await env.addSchedule(account.id, { kind: "fixed", times: ["10:00"] });
    const ten = Date.parse("2026-03-09T10:00:00Z");
    await env.runAt(ten - 60_000);
    const dead = await env.newEngine("dead-node");
    env.intercept = (req) => (req.path.endsWith("/threads_publish") ? "hang-after" : "pass");
    env.clock.set(ten);
    await dead.tick();
    await env.until(() => env.sandbox.published(userId).length === 1, "the dead node's publish to land");
    env.intercept = undefined;

    await env.runAt(ten + 25 * HOUR);
    const posts = env.sandbox.published(userId);
    expect(posts).toHaveLength(1);
    const run = (await env.runs({ scheduleId })).find((r) => r.due_at === ten);
    expect(run).toMatchObject({ state: "published" });
    const [part] = await env.db.selectFrom("publication_parts").selectAll().execute();
    expect(part).toMatchObject({ state: "published", media_id: posts[0]!.id });
  });
});
