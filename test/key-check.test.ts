import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { insertAccount } from "../src/accounts/accounts.repository.js";
import { createAccountService } from "../src/accounts/accounts.service.js";
import { KEY_CHECK_STATE_KEY, keyCheckOf, keyMatchesCheck } from "../src/accounts/key-check.js";
import {
  adoptSecretKey,
  inspectSecretKey,
  requireSecretKey,
  SecretKeyMismatchError,
} from "../src/accounts/key-check.service.js";
import { encryptToken } from "../src/accounts/token-crypto.js";
import { hintSentence } from "../src/cli/hints.js";
import { FakeClock } from "../src/clock.js";
import { createGroupService } from "../src/groups/groups.service.js";
import { silentLogger } from "../src/log.js";
import { type RunningSandbox, startSandbox } from "../src/sandbox/index.js";
import { Engine } from "../src/scheduler/engine/engine.js";
import { createJobRegistry } from "../src/scheduler/jobs/registry.js";
import { postNow } from "../src/scheduler/post-now.js";
import { ThreadsClient } from "../src/threads/client.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";
import { accountRow } from "./helpers/fixtures.js";
import { accountServiceLinks, groupServiceLinks } from "./helpers/service-links.js";

const T0 = Date.UTC(2025, 0, 6, 3, 0, 0);
const OLD_KEY = Buffer.alloc(32, 1);
const NEW_KEY = Buffer.alloc(32, 2);
const FILE_ORIGIN = { source: "file" as const, file: "/srv/ts/data/secret.key" };
const APP = { appId: "sandbox-app", appSecret: "sandbox-secret", redirectUri: "http://127.0.0.1:9/cb" };

let clock: FakeClock;
let running: RunningSandbox;
beforeAll(async () => {
  clock = new FakeClock(T0);
  running = await startSandbox({ clock, port: 0, appId: APP.appId, appSecret: APP.appSecret });
});
afterAll(() => running.close());

describe("key check", () => {
  it("tells the key it was made with from any other, and holds no trace of the key", () => {
    const check = keyCheckOf(OLD_KEY);
    expect(keyMatchesCheck(check, OLD_KEY)).toBe(true);
    expect(keyMatchesCheck(check, NEW_KEY)).toBe(false);
    expect(keyMatchesCheck("garbage", OLD_KEY)).toBe(false);
    expect(check).not.toContain(OLD_KEY.toString("hex"));
    expect(check).not.toContain(OLD_KEY.toString("base64"));
  });
});

describe.each(DIALECTS)("SECRET_KEY check on %s", (dialect) => {
  let t: TestDb;
  afterEach(async () => {
    await t?.destroy();
  });

  const service = (key: Buffer) =>
    createAccountService({
      ...accountServiceLinks,
      db: t.db,
      threads: new ThreadsClient({ graphUrl: running.url, ...APP }),
      secretKey: key,
      clock,
      defaultTimezone: "UTC",
      notify: async () => {},
      onTimezoneChanged: async () => {},
    });
  const opts = { origin: FILE_ORIGIN, target: "the test database", now: T0 };
  const storedCheck = async () =>
    (
      await t.db
        .selectFrom("app_state")
        .select("value")
        .where("key", "=", KEY_CHECK_STATE_KEY)
        .executeTakeFirst()
    )?.value;

  it("is recorded with the first token stored, and any other key is then refused up front", async () => {
    t = await createTestDb(dialect);
    expect(await inspectSecretKey(t.db, OLD_KEY, { ...opts, record: true })).toEqual({ state: "unused" });
    expect(await storedCheck()).toBeUndefined();

    const user = running.sandbox.createUser({ username: `kc_first_${dialect}` });
    await service(OLD_KEY).addWithToken(user.accessToken);
    expect(keyMatchesCheck((await storedCheck())!, OLD_KEY)).toBe(true);
    expect(await requireSecretKey(t.db, OLD_KEY, opts)).toEqual({ state: "match" });

    const refused = await requireSecretKey(t.db, NEW_KEY, opts).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SecretKeyMismatchError);
    const message = (refused as Error).message;
    expect(message).toContain(
      "does not match the one the account tokens in the test database were stored with",
    );
    expect(message).toContain(`Key in use: the key file ${FILE_ORIGIN.file}`);
    expect(message).not.toContain("threads-scheduler");
    const worded = message + hintSentence((refused as SecretKeyMismatchError).hint);
    expect(worded).toContain("tokens reset-key --yes");
    expect(worded).toContain("accounts reconnect ID --token TOKEN");
  });

  it("names SECRET_KEY, or a missing key file, as the key in use", async () => {
    t = await createTestDb(dialect);
    await service(OLD_KEY).addWithToken(
      running.sandbox.createUser({ username: `kc_src_${dialect}` }).accessToken,
    );
    const env = await inspectSecretKey(t.db, NEW_KEY, {
      ...opts,
      origin: { ...FILE_ORIGIN, source: "env" },
      record: false,
    });
    expect(env.state === "mismatch" && env.message).toContain(
      "Key in use: the SECRET_KEY environment variable",
    );
    const none = await inspectSecretKey(t.db, NEW_KEY, {
      ...opts,
      origin: { ...FILE_ORIGIN, source: "new" },
      record: false,
    });
    expect(none.state === "mismatch" && none.message).toContain(
      `none: SECRET_KEY is not set and ${FILE_ORIGIN.file} does not exist`,
    );
  });

  it("refuses to store a token under another key, storing nothing", async () => {
    t = await createTestDb(dialect);
    await service(OLD_KEY).addWithToken(
      running.sandbox.createUser({ username: `kc_a_${dialect}` }).accessToken,
    );
    const before = await t.db.selectFrom("accounts").selectAll().execute();
    const second = running.sandbox.createUser({ username: `kc_b_${dialect}` });
    await expect(service(NEW_KEY).addWithToken(second.accessToken)).rejects.toBeInstanceOf(
      SecretKeyMismatchError,
    );
    expect(await t.db.selectFrom("accounts").selectAll().execute()).toEqual(before);
  });

  it("judges a database from before key checks by its tokens, and records the check only for a key that reads one", async () => {
    t = await createTestDb(dialect);
    await insertAccount(t.db, accountRow(1, T0, { token_ciphertext: encryptToken("tok-1", OLD_KEY) }));
    await insertAccount(t.db, accountRow(2, T0, { token_ciphertext: "damaged" }));

    const wrong = await inspectSecretKey(t.db, NEW_KEY, { ...opts, record: true });
    expect(wrong).toMatchObject({ state: "mismatch", tokens: 2 });
    expect(await storedCheck()).toBeUndefined();

    expect(await inspectSecretKey(t.db, OLD_KEY, { ...opts, record: false })).toEqual({ state: "match" });
    expect(await storedCheck()).toBeUndefined();
    expect(await inspectSecretKey(t.db, OLD_KEY, { ...opts, record: true })).toEqual({ state: "match" });
    expect(keyMatchesCheck((await storedCheck())!, OLD_KEY)).toBe(true);
  });

  it("leaves removed accounts (their token wiped) out: they neither judge the key nor need a new token", async () => {
    t = await createTestDb(dialect);
    await insertAccount(t.db, accountRow(1, T0, { token_ciphertext: encryptToken("tok-1", OLD_KEY) }));
    await insertAccount(t.db, accountRow(2, T0, { token_ciphertext: "", archived_at: T0 }));
    // A database from before key checks whose only other account was removed: the right key matches.
    expect(await inspectSecretKey(t.db, OLD_KEY, { ...opts, record: false })).toEqual({ state: "match" });
    expect(await inspectSecretKey(t.db, NEW_KEY, { ...opts, record: false })).toMatchObject({
      state: "mismatch",
      tokens: 1,
    });
    // Giving up the key holds the live account only; the removed one stays removed.
    expect(await adoptSecretKey(t.db, NEW_KEY, T0 + 1)).toEqual([{ id: 1, username: expect.any(String) }]);
    const removed = await t.db
      .selectFrom("accounts")
      .selectAll()
      .where("id", "=", 2)
      .executeTakeFirstOrThrow();
    expect(removed.status).toBe("active");
  });

  it("adopts a new key after the old one is lost: unreadable tokens' accounts are held for reconnection", async () => {
    t = await createTestDb(dialect);
    const old = service(OLD_KEY);
    const { account } = await old.addWithToken(
      running.sandbox.createUser({ username: `kc_lost_${dialect}` }).accessToken,
    );
    const marked = await adoptSecretKey(t.db, NEW_KEY, T0 + 1);
    expect(marked).toEqual([{ id: account.id, username: account.username }]);
    const row = await t.db
      .selectFrom("accounts")
      .selectAll()
      .where("id", "=", account.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe("reauth_required");
    expect(row.status_reason).toContain("tokens reset-key");
    expect(await requireSecretKey(t.db, NEW_KEY, opts)).toEqual({ state: "match" });

    // A new token for the same Threads user brings the account back, under the new key.
    const fresh = service(NEW_KEY);
    expect((await fresh.listWithTokenState()).map((a) => a.tokenReadable)).toEqual([false]);
    const again = await fresh.addWithToken(
      running.sandbox.createUser({ username: `kc_lost_${dialect}` }).accessToken,
    );
    expect(again).toMatchObject({ created: false, account: { id: account.id, status: "active" } });
    expect((await fresh.listWithTokenState()).map((a) => a.tokenReadable)).toEqual([true]);
  });

  it("a post whose token cannot be decrypted fails plainly and holds the account, never 'uncertain'", async () => {
    t = await createTestDb(dialect);
    const user = running.sandbox.createUser({ username: `kc_post_${dialect}` });
    const { account } = await service(OLD_KEY).addWithToken(user.accessToken);
    const other = service(NEW_KEY);
    const engine = new Engine({
      db: t.db,
      threads: new ThreadsClient({ graphUrl: running.url, ...APP }),
      clock,
      logger: silentLogger,
      defaultTimezone: "UTC",
      jobs: createJobRegistry({ accounts: other, refresher: other }),
    });
    const result = await postNow(
      {
        db: t.db,
        clock,
        accounts: other,
        groups: createGroupService({ db: t.db, clock, ...groupServiceLinks }),
        engine,
      },
      { accountId: account.id, parts: [{ text: "never sent" }] },
    );
    expect(result.state).toBe("failed");
    expect(result.reason).toContain("cannot be decrypted");
    expect(result.parts).toEqual([]);
    const row = await t.db
      .selectFrom("accounts")
      .selectAll()
      .where("id", "=", account.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe("reauth_required");
    expect(running.sandbox.published(user.userId)).toEqual([]);
    const runs = await t.db.selectFrom("runs").select("state").execute();
    expect(runs.map((run) => run.state)).toEqual(["failed"]);
  });
});
