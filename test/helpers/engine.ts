/**
 * Engine test rig: a fresh database (either dialect), the real in-process sandbox and the real services and
 * engine, all on one FakeClock. Nothing sleeps: container polls advance the fake clock, and the engine is
 * driven with `runDue()` instead of its timers. A test that must wait for work in flight uses `env.until`,
 * which re-checks its condition whenever something that can change it happens (see `changed` below).
 */

import { type AppDeps, createApp, type Services } from "../../src/app/create-app.js";
import { FakeClock } from "../../src/clock.js";
import type { Config } from "../../src/config.js";
import { loadConfig } from "../../src/config.js";
import { type Db, openDatabase } from "../../src/db/connect.js";
import type { AccountRow, RunRow } from "../../src/db/schema.js";
import { silentLogger } from "../../src/log.js";
import { createSandbox, type Sandbox } from "../../src/sandbox/index.js";
import type { Engine, EngineOptions } from "../../src/scheduler/engine/engine.js";
import type { EngineEvent } from "../../src/scheduler/events.js";
import { type ClaimOptions, claimDue } from "../../src/scheduler/runs.repository.js";
import type { ScheduleSettings } from "../../src/schedules/schedule.js";
import { ThreadsClient } from "../../src/threads/client.js";
import type { PostPart } from "../../src/threads/post.js";
import { createTestDb, type TestDb } from "./db.js";

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
const SECRET_KEY = "11".repeat(32);

/** Media URLs are "downloaded" at once; a URL containing "broken" cannot be downloaded. */
async function fakeFetchMedia(url: string) {
  if (url.includes("broken")) return { ok: false };
  return { ok: true, contentType: url.endsWith(".mp4") ? "video/mp4" : "image/jpeg" };
}

/** What a request looks like to the interceptor: method, path and its parameters (query or form). */
export interface SeenRequest {
  method: string;
  path: string;
  params: URLSearchParams;
}

/**
 * What to do with a request before it reaches the sandbox:
 * - "pass": forward it (the default);
 * - "hang-after": forward it (it takes effect in the sandbox) and never answer: the process died while waiting;
 * - "hang-before": never forward and never answer: the process died before the request left;
 * - a promise: hold the request until it resolves, then forward it: the process stalled before sending.
 */
export type Intercept = (req: SeenRequest) => "pass" | "hang-after" | "hang-before" | Promise<void>;

export interface EnvOptions {
  start: number | string;
  defaultTimezone?: string;
  mediaProcessingMs?: number;
  /** Client timeout of every Threads call (real ms); default 5 000. */
  timeoutMs?: number;
  engine?: Partial<EngineOptions>;
}

export interface UntilOptions {
  /** Also re-check every `pollMs` real ms: only for a condition that none of the rig's signals reports. */
  pollMs?: number;
  /** Real ms before it fails (default 30 000: a guard against hanging, not a timed assertion). */
  timeoutMs?: number;
}

export interface EngineEnv {
  t: TestDb;
  db: Db;
  clock: FakeClock;
  sandbox: Sandbox;
  threads: ThreadsClient;
  services: Services;
  config: Config;
  engine: Engine;
  events: EngineEvent[];
  /** Replaces the client's sleep (default: advance the fake clock, then yield a moment). */
  sleep: (ms: number) => Promise<void>;
  /** Requests seen by the sandbox fetch, in order. */
  requests: SeenRequest[];
  intercept: Intercept | undefined;
  /** Another engine on the same data (PostgreSQL: its own connection pool) with its own nodeId. */
  newEngine(nodeId: string, overrides?: Partial<EngineOptions>): Promise<Engine>;
  addAccount(input?: {
    username?: string;
    timezone?: string;
    tokenAgeMs?: number;
  }): Promise<{ account: AccountRow; userId: string; token: string }>;
  addGroup(accountId: number, parts: PostPart[] | string, name?: string): Promise<number>;
  addSchedule(accountId: number, settings: ScheduleSettings): Promise<number>;
  /** Sets the clock (epoch ms or ISO string) and runs everything due. */
  runAt(when: number | string): Promise<void>;
  /** Steps the clock from now to `until` in `stepMs` steps, running everything due at each step. */
  stepTo(until: number | string, stepMs: number): Promise<void>;
  runs(filter?: { scheduleId?: number; job?: "post" | "token_refresh" }): Promise<RunRow[]>;
  /**
   * Resolves once `done()` holds. It is checked now and again after each thing that can change it: an event
   * of any engine of this rig, a request reaching the sandbox or being answered, a move of the clock, a call
   * of the client's sleep. Database writes are not signals (a condition that queries would wake itself): a
   * wait for a change that only the database shows (a heartbeat's renewal, a lock wait) polls with `pollMs`,
   * and says why. On timeout it fails with the last events and requests it saw.
   */
  until(done: () => boolean | Promise<boolean>, what: string, options?: UntilOptions): Promise<void>;
  account(id: number): Promise<AccountRow>;
  close(): Promise<void>;
}

export const at = (when: number | string): number => (typeof when === "number" ? when : Date.parse(when));

let seq = 0;

/** A FakeClock that says when it moves. */
class SignallingClock extends FakeClock {
  constructor(
    ms: number,
    private readonly moved: () => void,
  ) {
    super(ms);
  }
  override set(ms: number | Date): void {
    super.set(ms);
    this.moved();
  }
  override advance(ms: number): void {
    super.advance(ms);
    this.moved();
  }
}

const describeEvent = (e: EngineEvent): string =>
  e.type === "error" ? `error at ${e.where}: ${e.error.message}` : JSON.stringify(e);

export async function createEngineEnv(dialect: TestDb["dialect"], options: EnvOptions): Promise<EngineEnv> {
  const t = await createTestDb(dialect);
  // Whoever waits in `until`: each is woken by `changed()`.
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const wake of waiters) wake();
  };
  const clock = new SignallingClock(at(options.start), changed);
  const sandbox = createSandbox({
    clock,
    // The client below reaches the sandbox as http://sandbox.invalid; permalinks say the same.
    baseUrl: "http://sandbox.invalid",
    mediaProcessingMs: options.mediaProcessingMs ?? 3000,
    fetchMedia: fakeFetchMedia,
  });
  const config = loadConfig(
    {},
    {
      DATABASE_URL: t.url,
      SECRET_KEY,
      DEFAULT_TIMEZONE: options.defaultTimezone ?? "UTC",
      DATA_DIR: "/nonexistent-data-dir-not-used",
    },
  );
  const extraDbs: Db[] = [];
  const env = {} as EngineEnv;
  env.requests = [];
  env.intercept = undefined;
  env.sleep = async (ms: number) => {
    clock.advance(ms);
    // Media "downloads" settle on real promises; let them.
    await new Promise((resolve) => setImmediate(resolve));
  };

  const sandboxFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const params =
      request.method === "GET" ? url.searchParams : new URLSearchParams(await request.clone().text());
    const seen: SeenRequest = { method: request.method, path: url.pathname, params };
    env.requests.push(seen);
    const action = env.intercept?.(seen) ?? "pass";
    changed();
    if (action === "hang-before") return new Promise<Response>(() => {});
    if (action instanceof Promise) await action;
    const answer = Promise.resolve(sandbox.app.fetch(request)).finally(changed);
    if (action === "hang-after") {
      await answer;
      return new Promise<Response>(() => {});
    }
    // A real fetch rejects when its signal aborts (the client's timeout); the in-process app does not.
    const signal = init?.signal;
    if (!signal) return answer;
    return new Promise<Response>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      Promise.resolve(answer).then(
        (r) => {
          signal.removeEventListener("abort", onAbort);
          resolve(r);
        },
        (e) => {
          signal.removeEventListener("abort", onAbort);
          reject(e);
        },
      );
    });
  };

  const threads = new ThreadsClient({
    graphUrl: "http://sandbox.invalid",
    fetch: sandboxFetch as typeof fetch,
    clock,
    sleep: (ms) => {
      // A test's own sleep may hold the caller (it records the call at once): a wait may be for that.
      const slept = env.sleep(ms);
      changed();
      return slept;
    },
    timeoutMs: options.timeoutMs ?? 5000,
    appId: "sandbox-app-id",
    appSecret: "sandbox-app-secret",
    redirectUri: "http://127.0.0.1:9/oauth/callback",
  });
  const events: EngineEvent[] = [];
  // The app as `start` builds it, on this database and the in-process sandbox; no LISTEN (runDue drives it).
  const appOn = (db: Db, engine: Partial<EngineOptions> = {}) =>
    createApp({
      config,
      db,
      threads: {
        client: threads,
        mode: "sandbox",
        graphUrl: "http://sandbox.invalid",
        canExchangeTokens: true,
      },
      clock,
      logger: silentLogger,
      engine: { subscribe: undefined, ...options.engine, ...engine },
    } satisfies AppDeps);
  const app = appOn(t.db, { nodeId: "node-a" });
  const services = app.services;
  const watch = (engine: Engine) => {
    engine.on((event) => {
      events.push(event);
      changed();
    });
    return engine;
  };
  Object.assign(env, {
    t,
    db: t.db,
    clock,
    sandbox,
    threads,
    services,
    config,
    events,
    engine: watch(app.engine),
    async newEngine(nodeId: string, overrides: Partial<EngineOptions> = {}) {
      // Two better-sqlite3 connections in one thread would block each other: SQLite engines share one.
      let db = t.db;
      if (dialect === "postgres") {
        db = openDatabase(t.url);
        extraDbs.push(db);
      }
      return watch(appOn(db).newEngine({ nodeId, ...overrides }));
    },
    async addAccount(input: { username?: string; timezone?: string; tokenAgeMs?: number } = {}) {
      seq++;
      const user = sandbox.createUser({
        username: input.username ?? `engine_user_${seq}`,
        ...(input.tokenAgeMs === undefined ? {} : { tokenAgeMs: input.tokenAgeMs }),
      });
      const { account } = await services.accounts.addWithToken(user.accessToken, {
        timezone: input.timezone ?? config.defaultTimezone,
      });
      return { account: await env.account(account.id), userId: user.userId, token: user.accessToken };
    },
    async addGroup(accountId: number, parts: PostPart[] | string, name?: string) {
      const list = typeof parts === "string" ? [{ text: parts }] : parts;
      const group = await services.groups.add(accountId, { name: name ?? `group ${++seq}`, parts: list });
      return group.id;
    },
    async addSchedule(accountId: number, settings: ScheduleSettings) {
      const schedule = await services.schedules.add({ accountId, ...settings });
      return schedule.id;
    },
    async runAt(when: number | string) {
      clock.set(at(when));
      await env.engine.runDue();
    },
    async stepTo(until: number | string, stepMs: number) {
      const end = at(until);
      while (clock.now() < end) {
        clock.set(Math.min(end, clock.now() + stepMs));
        await env.engine.runDue();
      }
    },
    async runs(filter: { scheduleId?: number; job?: "post" | "token_refresh" } = {}) {
      let q = t.db.selectFrom("runs").selectAll().orderBy("due_at").orderBy("id");
      if (filter.scheduleId !== undefined) q = q.where("schedule_id", "=", filter.scheduleId);
      if (filter.job !== undefined) q = q.where("job", "=", filter.job);
      return q.execute();
    },
    until(done: () => boolean | Promise<boolean>, what: string, options: UntilOptions = {}) {
      const timeoutMs = options.timeoutMs ?? 30_000;
      return new Promise<void>((resolve, reject) => {
        let over = false;
        let checking = false;
        let again = false;
        let scheduled = false;
        let checks = 0;
        const end = (error?: Error) => {
          over = true;
          waiters.delete(wake);
          clearTimeout(timer);
          if (poll) clearInterval(poll);
          if (error) reject(error);
          else resolve();
        };
        const check = async () => {
          scheduled = false;
          if (over) return;
          if (checking) {
            again = true;
            return;
          }
          checking = true;
          try {
            do {
              again = false;
              checks++;
              if (await done()) return end();
            } while (again && !over);
          } catch (error) {
            end(error instanceof Error ? error : new Error(String(error)));
          } finally {
            checking = false;
          }
        };
        // After the current run of promise callbacks: what a signal announces is often settled a few awaits on.
        const wake = () => {
          if (scheduled || over) return;
          scheduled = true;
          setImmediate(check);
        };
        const timer = setTimeout(() => {
          const lastEvents = events.slice(-8).map(describeEvent);
          const lastRequests = env.requests.slice(-8).map((r) => `${r.method} ${r.path}`);
          end(
            new Error(
              `gave up waiting for ${what} after ${timeoutMs} ms (${checks} checks). Last events:\n  ${
                lastEvents.join("\n  ") || "(none)"
              }\nLast sandbox requests:\n  ${lastRequests.join("\n  ") || "(none)"}`,
            ),
          );
        }, timeoutMs);
        const poll = options.pollMs === undefined ? undefined : setInterval(wake, options.pollMs);
        waiters.add(wake);
        void check();
      });
    },
    async account(id: number) {
      return t.db.selectFrom("accounts").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    },
    async close() {
      env.intercept = undefined;
      await sandbox.close();
      for (const db of extraDbs) await db.destroy();
      await t.destroy();
    },
  });
  return env;
}

/** Text of every post the sandbox holds for this user (or all users), in publish order. */
export function publishedTexts(sandbox: Sandbox, userId?: string): string[] {
  return sandbox.published(userId).map((p) => p.text ?? "");
}

/**
 * Resolves when the engine reports an event matching `match` (already reported ones count); fails like
 * `env.until` when none comes.
 */
export async function waitForEvent(
  env: EngineEnv,
  match: (e: EngineEvent) => boolean,
  engine: Engine = env.engine,
): Promise<EngineEvent> {
  const seen = { event: env.events.find(match) };
  if (seen.event) return seen.event;
  const off = engine.on((e) => {
    if (seen.event === undefined && match(e)) seen.event = e;
  });
  try {
    await env.until(() => seen.event !== undefined, `an event of ${engine.nodeId} that matches ${match}`);
  } finally {
    off();
  }
  if (seen.event === undefined) throw new Error("unreachable: until resolved without the event");
  return seen.event;
}

/** Claims the earliest due run as another node would (one row of the engine's claim). */
export async function claimNext(db: Db, opts: ClaimOptions): Promise<RunRow | undefined> {
  return (await claimDue(db, { ...opts, limit: 1 }))[0];
}
