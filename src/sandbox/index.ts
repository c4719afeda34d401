import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { type Clock, systemClock } from "../clock.js";
import { registerAdminRoutes } from "./admin-routes.js";
import { CallLog } from "./call-log.js";
import { startDownload } from "./containers.js";
import type { SandboxContext } from "./context.js";
import { registerDeleteRoutes } from "./deletes.js";
import { MetaError } from "./errors.js";
import { faultMiddleware } from "./fault-middleware.js";
import { FaultController } from "./faults.js";
import { registerGhostRoutes } from "./ghost-routes.js";
import { registerPublishRoutes } from "./graph-publish-routes.js";
import { registerReadRoutes, unknownPath } from "./graph-read-routes.js";
import { registerInsightsRoutes } from "./insights-routes.js";
import { registerLocationRoutes } from "./locations-routes.js";
import { defaultFetchMedia, type FetchMedia } from "./media.js";
import { registerOAuthRoutes } from "./oauth-routes.js";
import { loadStateFile, StateSaver } from "./persistence.js";
import { registerPostPages } from "./post-page.js";
import { publishedRecords } from "./published.js";
import { type SeedPostInput, type SeedReplyInput, seedPost, seedReply } from "./replies.js";
import { registerReplyRoutes } from "./replies-routes.js";
import { registerRepostRoutes } from "./reposts.js";
import { Sleeper } from "./sleeper.js";
import { SandboxState } from "./state.js";
import { type HeldStateFile, lockStateFile, type StateLock, type StateOwner } from "./state-lock.js";
import { ALL_SCOPES, createUserRecord, issueToken } from "./tokens.js";
import type { PublishedRecord, TokenKind } from "./types.js";

export type { FaultController, FaultKind, FaultRule } from "./faults.js";
export type { FetchMedia } from "./media.js";
export type { HeldStateFile, StateLock, StateOwner } from "./state-lock.js";
export type { PublishedChild, PublishedRecord } from "./types.js";

/** The sandbox's own Meta app credentials (what the service uses when it talks to its built-in sandbox). */
export const SANDBOX_APP_ID = "sandbox-app-id";
export const SANDBOX_APP_SECRET = "sandbox-app-secret";

export interface SandboxOptions {
  /** Default systemClock. All sandbox time (token ages, processing, 24 h expiry, quotas, insights) reads it. */
  clock?: Clock;
  /** How long an IMAGE/VIDEO/CAROUSEL container stays IN_PROGRESS; default 3000 ms. TEXT is FINISHED at once. */
  mediaProcessingMs?: number;
  /** Real-time delay added to every API call (not /__sandbox), for benchmarks; default 0. */
  latencyMs?: number;
  /** Default "sandbox-app-id". */
  appId?: string;
  /** Default "sandbox-app-secret". */
  appSecret?: string;
  /**
   * When set: state is loaded at start and saved (debounced, atomically) after changes. startSandbox takes
   * the file's lock first (one owner at a time; see state-lock.ts); createSandbox leaves that to its caller.
   */
  stateFile?: string;
  /**
   * The URL the sandbox is reached at, for permalinks (`{baseUrl}/@user/post/{shortcode}`, a page the sandbox
   * serves). startSandbox sets it; without it, API answers use the request's origin.
   */
  baseUrl?: string;
  /** How image_url/video_url are "downloaded"; default a real HTTP GET with a 10 s timeout. */
  fetchMedia?: FetchMedia;
}

export interface CreatedUser {
  userId: string;
  username: string;
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
  /** Epoch ms. */
  issuedAt: number;
}

export interface Sandbox {
  /** A random id per sandbox instance, answered by /__sandbox/health (to tell two sandboxes apart). */
  instance: string;
  /** The whole HTTP app: Graph API (/v1.0), OAuth and token endpoints, /__sandbox admin. */
  app: Hono;
  /** A user with a token holding every scope; an existing username gets a new token for that user. Default token: long-lived, age 0. */
  createUser(input?: {
    username?: string;
    tokenKind?: TokenKind;
    tokenAgeMs?: number;
    /** The token's scopes; default every scope the sandbox knows (ALL_SCOPES). */
    scopes?: readonly string[];
    /** Whether Meta made the profile eligible for geo-gating; default false (as on Threads). */
    geoGatingEligible?: boolean;
  }): CreatedUser;
  /** Makes a user eligible for geo-gating (`allowlisted_country_codes`) or not; false for an unknown user. */
  setGeoGatingEligible(userId: string, eligible: boolean): boolean;
  /** Published posts and replies, in publish order. */
  published(userId?: string): PublishedRecord[];
  faults: FaultController;
  /**
   * A reply from someone else (a made-up user, default "@fan_1", created on first use) to a post, published now;
   * pending approval when the post has reply approvals on (or `pending`). Its media id. Also POST /__sandbox/replies.
   */
  seedReply(input: SeedReplyInput): string;
  /** A top-level text post of the user with these options, published `ageMs` ago (fixtures). Also POST /__sandbox/posts. */
  seedPost(input: SeedPostInput): string;
  /** Writes the state file now (no-op without stateFile). */
  flush(): Promise<void>;
  /** Ends hanging fault responses, waits for media downloads, saves state. Idempotent. */
  close(): Promise<void>;
}

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const clock = options.clock ?? systemClock;
  let saver: StateSaver | undefined;
  const snapshot = options.stateFile ? loadStateFile(options.stateFile) : undefined;
  const state = new SandboxState((durable) => (durable ? saver?.saveNow() : saver?.schedule()), snapshot);
  if (options.stateFile) saver = new StateSaver(options.stateFile, () => state.snapshot());

  const instance = randomUUID();
  const ctx: SandboxContext = {
    state,
    baseUrl: options.baseUrl,
    clock,
    appId: options.appId ?? SANDBOX_APP_ID,
    appSecret: options.appSecret ?? SANDBOX_APP_SECRET,
    mediaProcessingMs: options.mediaProcessingMs ?? 3000,
    latencyMs: options.latencyMs ?? 0,
    fetchMedia: options.fetchMedia ?? defaultFetchMedia,
    faults: new FaultController(),
    sleeper: new Sleeper(),
    downloads: new Set(),
    calls: new CallLog(),
  };

  // Downloads cut short by a restart are simply run again.
  for (const container of state.containers.values()) {
    if (container.download.state === "pending") {
      const download = startDownload(state, container, ctx.fetchMedia);
      ctx.downloads.add(download);
      void download.finally(() => ctx.downloads.delete(download));
    }
  }

  function createUser(input: Parameters<Sandbox["createUser"]>[0] = {}): CreatedUser {
    const now = clock.now();
    const existing = input.username ? state.userByName(input.username) : undefined;
    const user = existing ?? createUserRecord(state, now, input.username);
    if (input.geoGatingEligible !== undefined) setGeoGatingEligible(user.id, input.geoGatingEligible);
    const token = issueToken(
      state,
      user.id,
      input.tokenKind ?? "long",
      now - (input.tokenAgeMs ?? 0),
      input.scopes ?? ALL_SCOPES,
    );
    return {
      userId: user.id,
      username: user.username,
      accessToken: token.token,
      expiresAt: token.expiresAt,
      issuedAt: token.issuedAt,
    };
  }
  function setGeoGatingEligible(userId: string, eligible: boolean): boolean {
    const user = state.users.get(userId);
    if (!user) return false;
    user.geoGatingEligible = eligible;
    state.changed(true);
    return true;
  }
  // Hono's app.request() (in-process tests) answers as http://localhost.
  const published = (userId?: string) => publishedRecords(state, ctx.baseUrl ?? "http://localhost", userId);

  const app = new Hono();
  app.onError(function answerError(error) {
    if (error instanceof MetaError) return error.toResponse();
    return new MetaError({
      code: 1,
      message: `An unknown error has occurred (sandbox: ${error.message}).`,
      status: 500,
    }).toResponse();
  });
  app.notFound((c) => unknownPath(c.req.path).toResponse());
  app.use("*", faultMiddleware(ctx));
  registerAdminRoutes(app, {
    state,
    faults: ctx.faults,
    calls: ctx.calls,
    createUser,
    published,
    instance,
    stateFile: options.stateFile,
    setGeoGatingEligible,
  });
  registerPostPages(app, ctx);
  registerOAuthRoutes(app, ctx);
  registerPublishRoutes(app, ctx);
  registerRepostRoutes(app, ctx);
  registerInsightsRoutes(app, ctx);
  // Before the read routes: they answer GET /{media-id}/replies and GET /{location-id} first.
  registerReplyRoutes(app, ctx);
  registerLocationRoutes(app, ctx);
  registerGhostRoutes(app, ctx);
  registerReadRoutes(app, ctx);
  registerDeleteRoutes(app, ctx);

  const flush = () => saver?.flush() ?? Promise.resolve();
  let closing: Promise<void> | undefined;
  return {
    instance,
    app,
    createUser,
    setGeoGatingEligible,
    published,
    faults: ctx.faults,
    seedReply(input) {
      const reply = seedReply(state, input, clock.now());
      if (!reply) throw new Error(`seedReply: no post ${input.replyToId} to reply to.`);
      return reply.id;
    },
    seedPost(input) {
      const post = seedPost(state, input, clock.now());
      if (!post) throw new Error(`seedPost: no user ${input.userId}.`);
      return post.id;
    },
    flush,
    close() {
      closing ??= (async () => {
        ctx.sleeper.close();
        await Promise.allSettled([...ctx.downloads]);
        await flush();
      })();
      return closing;
    },
  };
}

export interface RunningSandbox {
  /** e.g. http://127.0.0.1:54321 (no trailing slash). */
  url: string;
  sandbox: Sandbox;
  /** Saves the state, stops serving and lets go of the state file. Idempotent. */
  close(): Promise<void>;
}

/** The state file is owned by another process (see `held.owner` for which, and `held.released`). */
export class StateFileInUseError extends Error {
  override name = "StateFileInUseError";
  constructor(
    readonly file: string,
    readonly held: HeldStateFile,
  ) {
    const owner = held.owner;
    super(
      owner
        ? `The sandbox state file ${file} is in use by another process (pid ${owner.pid}, ${owner.role}, serving ${owner.url}): use that sandbox, or stop that process first.`
        : `The sandbox state file ${file} is in use by another process: stop it first.`,
    );
  }
}

export interface StartSandboxOptions extends SandboxOptions {
  /** Port 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The state file's lock when the caller took it already (it is released on close). */
  stateLock?: StateLock;
  /** How the owner describes itself to other processes; default a shared "sandbox". */
  owner?: Pick<StateOwner, "role" | "shared">;
}

/**
 * Serves the sandbox over HTTP. With a state file, takes the file's lock first (or throws StateFileInUseError),
 * then listens, then loads the state, so no other process reads or writes the file while this one runs.
 */
export async function startSandbox(options: StartSandboxOptions = {}): Promise<RunningSandbox> {
  let lock = options.stateLock;
  if (options.stateFile && !lock) {
    const attempt = await lockStateFile(options.stateFile);
    if ("held" in attempt) throw new StateFileInUseError(options.stateFile, attempt.held);
    lock = attempt.lock;
  }
  const host = options.host ?? "127.0.0.1";
  let handler: (request: Request) => Response | Promise<Response> = () =>
    new Response("starting", { status: 503 });
  let server: Server;
  try {
    server = await new Promise<Server>((resolve, reject) => {
      const s = serve(
        // Keep the process's global Request/Response untouched: the sandbox may live inside the app or a test.
        {
          fetch: (request) => handler(request),
          port: options.port ?? 0,
          hostname: host,
          overrideGlobalObjects: false,
        },
        () => resolve(s as Server),
      ) as Server;
      s.once("error", reject);
    });
  } catch (error) {
    await lock?.release();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  let sandbox: Sandbox;
  try {
    // Listening first gives the permalinks their real address.
    sandbox = createSandbox({ ...options, baseUrl: options.baseUrl ?? url });
  } catch (error) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await lock?.release();
    throw error;
  }
  handler = sandbox.app.fetch;
  const owner = options.owner ?? { role: "sandbox", shared: true };
  lock?.announce({ pid: process.pid, url, instance: sandbox.instance, ...owner });
  let closing: Promise<void> | undefined;
  return {
    url,
    sandbox,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        try {
          await sandbox.close();
        } finally {
          server.closeAllConnections();
          await stopped;
          // Last: the file is saved before another process may take it.
          await lock?.release();
        }
      })();
      return closing;
    },
  };
}
