import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccountService } from "../../src/accounts/accounts.service.js";
import { FakeClock } from "../../src/clock.js";
import { createHttpApp } from "../../src/http/app.js";
import { createSandbox } from "../../src/sandbox/index.js";
import { createStatusService } from "../../src/scheduler/status.service.js";
import { ThreadsClient } from "../../src/threads/client.js";
import { createTestDb, type TestDb } from "../helpers/db.js";
import { accountServiceLinks } from "../helpers/service-links.js";
import { chromiumAvailable, launchChromium } from "./chromium.js";

const SCREENSHOTS = join(process.cwd(), "test-results");

describe.skipIf(!chromiumAvailable)("status page in Chromium", () => {
  let t: TestDb;
  let browser: Browser;
  let server: ReturnType<typeof serve>;
  let url: string;
  const clock = new FakeClock(Date.parse("2026-11-29T01:00:00Z"));

  beforeAll(async () => {
    t = await createTestDb("sqlite");
    const sandbox = createSandbox({ clock });
    const threads = new ThreadsClient({
      graphUrl: "http://sandbox.test",
      fetch: async (input, init) => sandbox.app.fetch(new Request(input, init)),
    });
    const accounts = createAccountService({
      ...accountServiceLinks,
      db: t.db,
      threads,
      secretKey: Buffer.alloc(32, 7),
      clock,
      defaultTimezone: "Asia/Tokyo",
      notify: async () => {},
      onTimezoneChanged: async () => {},
    });
    const user = sandbox.createUser({ username: "hanako_shop" });
    const { account } = await accounts.addWithToken(user.accessToken, { timezone: "Asia/Tokyo" });
    const now = clock.now();
    const base = {
      job: "post" as const,
      account_id: account.id,
      schedule_id: null,
      local_date: null,
      created_at: now,
      updated_at: now,
    };
    await t.db
      .insertInto("runs")
      .values([
        {
          ...base,
          job_key: "manual:a",
          due_at: now - 60_000,
          run_at: now - 60_000,
          slot: "now",
          state: "failed",
          reason: "part 1: text: 501 characters <script>alert(1)</script>",
          finished_at: now,
        },
        {
          ...base,
          job: "token_refresh" as const,
          job_key: "token_refresh",
          account_id: null,
          due_at: now - 7_200_000,
          run_at: now - 7_200_000,
          slot: "03:00",
          state: "published",
          reason: "refreshed 1, skipped 0, reconnect needed 0, retry later 0, failed 0",
          finished_at: now - 7_000_000,
        },
        {
          ...base,
          job_key: "manual:b",
          due_at: now + 3_600_000,
          run_at: now + 3_600_000,
          slot: "10:00",
          state: "planned",
        },
      ])
      .execute();
    const app = createHttpApp({
      status: createStatusService({ db: t.db, defaultTimezone: "Asia/Tokyo" }),
      now: () => clock.now(),
      threadsMode: "sandbox",
      threadsUrl: "http://127.0.0.1:3001",
      scheduler: { running: () => true, nodeId: "test-node" },
    });
    server = await new Promise((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await t?.destroy();
  });

  it("shows the sandbox banner, accounts, jobs and runs in Japanese and English, escaping what users wrote", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("dialog", (d) => {
      errors.push(`unexpected dialog: ${d.message()}`);
      void d.dismiss();
    });
    const response = await page.goto(url);
    expect(response?.status()).toBe(200);
    // biome-ignore lint/performance/useDomNodeTextContent: what the user sees, as rendered, is the point here.
    const text = await page.locator("body").innerText();
    expect(text).toContain("サンドボックスモード");
    expect(text).toContain("Sandbox mode");
    expect(text).toContain("@hanako_shop");
    expect(text).toContain("失敗 failed");
    expect(text).toContain("予定 planned");
    // A token refresh that ran is "done", not "published".
    expect(text).toContain("完了 done");
    expect(text).not.toContain("投稿済み");
    // A reason containing markup is shown as text, never run.
    expect(text).toContain("<script>alert(1)</script>");
    expect(errors).toEqual([]);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, "status-page.png"), fullPage: true });
    await page.close();
  });
});
