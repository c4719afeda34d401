import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { type Clock, systemClock } from "../clock.js";
import { registerAdminRoutes } from "./admin-routes.js";
import { CallLog } from "./call-log.js";
import { startDownload } from "./containers.js";
import type { SandboxContext } from "./context.js";
import { MetaError } from "./errors.js";
import { faultMiddleware } from "./fault-middleware.js";
import { FaultController } from "./faults.js";
import { registerPublishRoutes } from "./graph-publish-routes.js";
import { registerReadRoutes, unknownPath } from "./graph-read-routes.js";
import { registerInsightsRoutes } from "./insights-routes.js";
import { defaultFetchMedia, type FetchMedia } from "./media.js";
import { registerOAuthRoutes } from "./oauth-routes.js";
import { loadStateFile, StateSaver } from "./persistence.js";
import { publishedRecords } from "./published.js";
import { Sleeper } from "./sleeper.js";
import { SandboxState } from "./state.js";
import { ALL_SCOPES, createUserRecord, issueToken } from "./tokens.js";
import type { PublishedRecord, TokenKind } from "./types.js";

export type { FaultController, FaultKind, FaultRule } from "./faults.js";
export type { FetchMedia } from "./media.js";
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
  /** When set: state is loaded at start and saved (debounced, atomically) after changes. */
  stateFile?: string;
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
  /** The whole HTTP app: Graph API (/v1.0), OAuth and token endpoints, /__sandbox admin. */
  app: Hono;
  /** A user with a token holding every scope; an existing username gets a new token for that user. Default token: long-lived, age 0. */
  createUser(input?: { username?: string; tokenKind?: TokenKind; tokenAgeMs?: number }): CreatedUser;
  /** Published posts and replies, in publish order. */
  published(userId?: string): PublishedRecord[];
  faults: FaultController;
  /** Writes the state file now (no-op without stateFile). */
  flush(): Promise<void>;
  /** Ends hanging fault responses, waits for media downloads, saves state. Idempotent. */
  close(): Promise<void>;
}

export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const clock = options.clock ?? systemClock;
  let saver: StateSaver | undefined;
  const snapshot = options.stateFile ? loadStateFile(options.stateFile) : undefined;
  const state = new SandboxState(() => saver?.schedule(), snapshot);
  if (options.stateFile) saver = new StateSaver(options.stateFile, () => state.snapshot());

  const ctx: SandboxContext = {
    state,
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
    const token = issueToken(
      state,
      user.id,
      input.tokenKind ?? "long",
      now - (input.tokenAgeMs ?? 0),
      ALL_SCOPES,
    );
    return {
      userId: user.id,
      username: user.username,
      accessToken: token.token,
      expiresAt: token.expiresAt,
      issuedAt: token.issuedAt,
    };
  }
  const published = (userId?: string) => publishedRecords(state, userId);

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
  registerAdminRoutes(app, { state, faults: ctx.faults, calls: ctx.calls, createUser, published });
  registerOAuthRoutes(app, ctx);
  registerPublishRoutes(app, ctx);
  registerInsightsRoutes(app, ctx);
  registerReadRoutes(app, ctx);

  const flush = () => saver?.flush() ?? Promise.resolve();
  let closing: Promise<void> | undefined;
  return {
    app,
    createUser,
    published,
    faults: ctx.faults,
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
  close(): Promise<void>;
}

/** Serves the sandbox over HTTP. Port 0 (the default) picks a free port; host defaults to 127.0.0.1. */
export async function startSandbox(
  options: SandboxOptions & { port?: number; host?: string } = {},
): Promise<RunningSandbox> {
  const sandbox = createSandbox(options);
  const host = options.host ?? "127.0.0.1";
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve(
      // Keep the process's global Request/Response untouched: the sandbox may live inside the app or a test.
      { fetch: sandbox.app.fetch, port: options.port ?? 0, hostname: host, overrideGlobalObjects: false },
      () => resolve(s as Server),
    ) as Server;
    s.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    sandbox,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await sandbox.close();
        server.closeAllConnections();
        await stopped;
      })();
      return closing;
    },
  };
}
