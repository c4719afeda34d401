/**
 * The Threads Graph API client. One method per call the project makes; no hidden retries except the two the
 * API itself calls for (polling a container, and a short bounded retry of a publish refused as "not ready").
 */
import { type Clock, systemClock } from "../clock.js";
import { type ContainerParams, containerFormFields } from "./container-params.js";
import {
  deleteFailure,
  isGoneOnRead,
  isNotFoundRefusal,
  isPermissionCode,
  ThreadsApiError,
} from "./errors.js";
import { GraphTransport, type Params, requireId } from "./graph-request.js";
import { fetchSend, nodeHttpSend } from "./http-send.js";
import {
  toContainerState,
  toDebugTokenInfo,
  toGhostPostsPage,
  toPlace,
  toPlaces,
  toPostInsights,
  toPublishingLimit,
  toRepliesPage,
  toThreadsMedia,
  toThreadsPage,
  toTokenGrant,
  toUserInsights,
} from "./response-mappers.js";
import type {
  ContainerState,
  DebugTokenInfo,
  DeletedPost,
  GhostPostsPage,
  Profile,
  PublishingLimit,
  RepliesPage,
  ThreadsMedia,
  ThreadsPage,
  ThreadsPlace,
  TokenGrant,
  UserInsights,
} from "./types.js";

export interface ThreadsClientOptions {
  /** Base URL without version or trailing slash, e.g. "https://graph.threads.net" or the sandbox's URL. */
  graphUrl: string;
  /** Sends through this fetch instead of node:http(s) (tests use the in-process sandbox; proxies). */
  fetch?: typeof fetch;
  /** Timeout of every call in ms. Default 30 000: Meta answers in well under a second when healthy. */
  timeoutMs?: number;
  appId?: string;
  appSecret?: string;
  redirectUri?: string;
  /** Used for container polling and publish backoff. Default: a real timer; tests advance a FakeClock instead. */
  sleep?: (ms: number) => Promise<void>;
  /** Default systemClock; bounds container polling. */
  clock?: Clock;
}

const VERSION = "/v1.0";
const PROFILE_FIELDS = "id,username,name,threads_profile_picture_url,threads_biography,is_verified";
const MEDIA_FIELDS = ["id", "text", "media_type", "permalink", "timestamp"];
const POST_METRICS = ["views", "likes", "replies", "reposts", "quotes", "shares"];
const USER_METRICS = ["views", "likes", "replies", "reposts", "quotes", "clicks", "followers_count"];
const REPLY_FIELDS = "id,text,username,timestamp,permalink,hide_status,has_replies,media_type";
const PENDING_REPLY_FIELDS = `${REPLY_FIELDS},reply_approval_status`;
const GHOST_FIELDS = "id,text,timestamp,permalink,ghost_post_status,ghost_post_expiration_timestamp";
const PLACE_FIELDS = "id,name,address,city,country,latitude,longitude,postal_code";
/** Meta serves user insights only from this instant (2024-04-13) on. */
const USER_INSIGHTS_EPOCH_S = 1712991600;

/**
 * Container polling (Meta: poll the status until FINISHED rather than sleep; images take seconds, videos
 * tens of seconds): 500 ms, then ×1.25, at most 2 s apart for the first 30 s so a container is seen
 * ready within ~2 s of being ready (1 s ×1.5 would see a 5 s image only at 8.1 s); past 30 s (long
 * videos) up to 10 s apart. Give up after 5 minutes.
 */
const POLL = {
  initialMs: 500,
  factor: 1.25,
  capMs: 2_000,
  slowAfterMs: 30_000,
  slowCapMs: 10_000,
  timeoutMs: 5 * 60_000,
};
/** Publish refused as 24/4279009: 4 tries, waiting 2, 4 and 8 s in between (~14 s in all). */
const PUBLISH_RETRY = { tries: 4, initialMs: 2000, factor: 2 };

export interface ListOptions {
  /** Epoch ms. */
  since?: number;
  /** Epoch ms. */
  until?: number;
  /** 1–100; Meta's default is 25. */
  limit?: number;
  /** Cursor from the previous page's `after`. */
  after?: string;
  fields?: string[];
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ThreadsClient {
  private readonly http: GraphTransport;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly clock: Clock;

  constructor(
    private readonly options: ThreadsClientOptions,
    /** The signals of a `withSignal` view; every call and wait of it ends when one fires. */
    private readonly signals: readonly AbortSignal[] = [],
  ) {
    this.http = new GraphTransport(
      options.graphUrl.replace(/\/+$/u, ""),
      options.fetch ? fetchSend(options.fetch) : nodeHttpSend,
      options.timeoutMs ?? 30_000,
    );
    this.sleep = options.sleep ?? realSleep;
    this.clock = options.clock ?? systemClock;
  }

  /**
   * The same client, whose calls and waits (container polls, publish retries) end as soon as `signal` fires: a
   * call in flight fails as a network error (a POST that was sent: outcome unknown), a wait throws the signal's
   * reason. How a stopping scheduler stops waiting for Threads.
   */
  withSignal(signal: AbortSignal): ThreadsClient {
    return new ThreadsClient(this.options, [...this.signals, signal]);
  }

  private graph<T = Record<string, unknown>>(
    method: "GET" | "POST" | "DELETE",
    path: string,
    token: string,
    params?: Params,
  ): Promise<T> {
    return this.http.request<T>({ method, path: VERSION + path, token, params, signals: this.signals });
  }

  /** Sleeps `ms`, or throws the reason of the first of this view's signals to fire. */
  private async pause(ms: number): Promise<void> {
    this.throwIfCut();
    if (this.signals.length === 0) return this.sleep(ms);
    let stop = () => {};
    const cut = new Promise<never>((_, reject) => {
      const listener = (event: Event) => reject((event.target as AbortSignal).reason);
      for (const s of this.signals) s.addEventListener("abort", listener, { once: true });
      stop = () => {
        for (const s of this.signals) s.removeEventListener("abort", listener);
      };
    });
    // The default sleep's timer is cleared when cut, so that it keeps no stopping process alive.
    let timer: NodeJS.Timeout | undefined;
    const slept = this.options.sleep
      ? this.options.sleep(ms)
      : new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    try {
      await Promise.race([slept, cut]);
    } finally {
      clearTimeout(timer);
      stop();
    }
  }

  private throwIfCut(): void {
    const fired = this.signals.find((s) => s.aborted);
    if (fired) throw fired.reason;
  }

  async getProfile(token: string): Promise<Profile> {
    const body = await this.graph<Record<string, unknown>>("GET", "/me", token, { fields: PROFILE_FIELDS });
    return { ...body, id: requireId(body, "id", "GET /v1.0/me", "GET") } as Profile;
  }

  /**
   * Whether the account may geo-gate its posts (`allowlisted_country_codes`): `GET /me?fields=id,
   * is_eligible_for_geo_gating`. Meta grants it per account ("users with access to this feature on
   * threads.com"); an answer without the field is taken as not eligible.
   */
  async geoGatingEligible(token: string): Promise<boolean> {
    const body = await this.graph<Record<string, unknown>>("GET", "/me", token, {
      fields: "id,is_eligible_for_geo_gating",
    });
    return body.is_eligible_for_geo_gating === true;
  }

  async debugToken(token: string): Promise<DebugTokenInfo> {
    // The token inspects itself: Threads accepts the user token as both input_token and access_token.
    const body = await this.graph("GET", "/debug_token", token, { input_token: token });
    return toDebugTokenInfo(body);
  }

  /** `POST /{user-id}/threads`; returns the container id. */
  async createContainer(token: string, userId: string, params: ContainerParams): Promise<string> {
    const path = `/${encodeURIComponent(userId)}/threads`;
    const body = await this.graph("POST", path, token, containerFormFields(params));
    return requireId(body, "id", `POST ${VERSION}${path}`, "POST");
  }

  async getContainer(token: string, containerId: string): Promise<ContainerState> {
    const body = await this.graph("GET", `/${encodeURIComponent(containerId)}`, token, {
      fields: "id,status,error_message",
    });
    return toContainerState(body, containerId);
  }

  /**
   * Polls until the container is FINISHED, ERROR, EXPIRED or PUBLISHED and returns that state (the caller
   * decides what ERROR means). Transient failures of a poll are polled through; giving up after `timeoutMs`
   * throws a `not_ready` error.
   */
  async waitForContainer(
    token: string,
    containerId: string,
    opts: { timeoutMs?: number; onPoll?: (s: ContainerState) => void } = {},
  ): Promise<ContainerState> {
    const started = this.clock.now();
    const deadline = started + (opts.timeoutMs ?? POLL.timeoutMs);
    let delay = POLL.initialMs;
    let last: string | undefined;
    for (;;) {
      try {
        const state = await this.getContainer(token, containerId);
        opts.onPoll?.(state);
        if (state.status !== "IN_PROGRESS") return state;
        last = "IN_PROGRESS";
      } catch (error) {
        if (!(error instanceof ThreadsApiError) || !error.retryable) throw error;
        // Cut off by this view's signal: not a poll to go through.
        this.throwIfCut();
        last = error.message;
      }
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) {
        throw new ThreadsApiError({
          kind: "not_ready",
          endpoint: `GET ${VERSION}/{container-id}`,
          message: `Threads container ${containerId} was not ready after ${Math.round((opts.timeoutMs ?? POLL.timeoutMs) / 1000)} s (last: ${last}); try again later.`,
        });
      }
      await this.pause(Math.round(Math.min(delay, remaining)));
      const cap = this.clock.now() - started < POLL.slowAfterMs ? POLL.capMs : POLL.slowCapMs;
      delay = Math.min(delay * POLL.factor, cap);
    }
  }

  /**
   * `POST /{user-id}/threads_publish`; returns the media id. Retries only "container not ready" (24/4279009),
   * which Meta returns for a while even after FINISHED and which certainly published nothing. Every other
   * error is thrown as is: a publish whose outcome is unknown must be checked, never repeated blindly.
   */
  async publishContainer(token: string, userId: string, containerId: string): Promise<string> {
    const path = `/${encodeURIComponent(userId)}/threads_publish`;
    let delay = PUBLISH_RETRY.initialMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const body = await this.graph("POST", path, token, { creation_id: containerId });
        return requireId(body, "id", `POST ${VERSION}${path}`, "POST");
      } catch (error) {
        const notReady = error instanceof ThreadsApiError && error.kind === "not_ready";
        if (!notReady || attempt >= PUBLISH_RETRY.tries) throw error;
      }
      await this.pause(delay);
      delay *= PUBLISH_RETRY.factor;
    }
  }

  async getPermalink(token: string, mediaId: string): Promise<string> {
    const media = await this.getMedia(token, mediaId, ["id", "permalink"]);
    if (!media.permalink) {
      throw new ThreadsApiError({
        kind: "transient",
        endpoint: `GET ${VERSION}/{media-id}`,
        message: `Threads returned no permalink for post ${mediaId} yet; ask again later.`,
      });
    }
    return media.permalink;
  }

  async getMedia(token: string, mediaId: string, fields: string[] = MEDIA_FIELDS): Promise<ThreadsMedia> {
    const path = `/${encodeURIComponent(mediaId)}`;
    const body = await this.graph("GET", path, token, { fields: fields.join(",") });
    return toThreadsMedia({ ...body, id: requireId(body, "id", `GET ${VERSION}/{media-id}`, "GET") });
  }

  /**
   * `POST /{media-id}/repost` (Meta's reposts page): reposts a post at once (no container, no publish step);
   * returns the repost's own id (which reads back as REPOST_FACADE). Never retried here: an unknown outcome
   * must be checked in `/me/threads` first.
   */
  async repost(token: string, mediaId: string): Promise<string> {
    const path = `/${encodeURIComponent(mediaId)}/repost`;
    const body = await this.graph("POST", path, token);
    return requireId(body, "id", `POST ${VERSION}/{media-id}/repost`, "POST");
  }

  async getPublishingLimit(token: string, userId: string): Promise<PublishingLimit> {
    const body = await this.graph("GET", `/${encodeURIComponent(userId)}/threads_publishing_limit`, token, {
      fields: "quota_usage,config,reply_quota_usage,reply_config,delete_quota_usage,delete_config",
    });
    return toPublishingLimit(body);
  }

  /**
   * `DELETE /{media-id}` (permission threads_delete): deletes one of the account's own posts or replies, or undoes a
   * repost by deleting the repost's id. A post that no longer exists answers Graph's "does not exist" (100/33 by the
   * Graph convention, UNVERIFIED for Threads), which also covers "missing permissions": confirmed with a read
   * (`isGone`) and only then reported as `alreadyDeleted`, so a delete repeated after a lost answer settles as
   * deleted while a post still up is never recorded deleted. A missing permission is a permanent error that says to reconnect.
   */
  async deletePost(token: string, mediaId: string): Promise<DeletedPost> {
    const path = `/${encodeURIComponent(mediaId)}`;
    let body: Record<string, unknown>;
    try {
      body = await this.graph("DELETE", path, token);
    } catch (error) {
      if (!(error instanceof ThreadsApiError)) throw error;
      // 100/33 is also Meta's answer for "cannot be loaded due to missing permissions" (a token without
      // threads_delete) or "does not support this operation": already deleted only when a read says gone too.
      if (isNotFoundRefusal(error) && (await this.isGone(token, mediaId))) {
        return { deletedId: mediaId, alreadyDeleted: true };
      }
      throw deleteFailure(error, mediaId);
    }
    if (body.success !== true) {
      throw new ThreadsApiError({
        kind: "transient",
        endpoint: `DELETE ${VERSION}/{media-id}`,
        message: `Threads API DELETE ${VERSION}/{media-id}: the answer did not say success for post ${mediaId}; it will be tried again.`,
      });
    }
    const deleted = body.deleted_id;
    return {
      deletedId: typeof deleted === "string" || typeof deleted === "number" ? String(deleted) : mediaId,
      alreadyDeleted: false,
    };
  }

  /**
   * Whether the post is gone from Threads, by reading it (`GET /{id}?fields=id`, which any token may do for the
   * account's own posts): true when the read answers "does not exist" (100/33 or a 404), false when it reads. Any
   * other failure of the read is thrown (a transient one is retried by the caller, a 190 is a reconnect).
   */
  async isGone(token: string, mediaId: string): Promise<boolean> {
    try {
      await this.getMedia(token, mediaId, ["id"]);
      return false;
    } catch (error) {
      if (error instanceof ThreadsApiError && isGoneOnRead(error)) return true;
      throw error;
    }
  }

  /** Authorization code → short-lived token. The code may arrive with Meta's trailing "#_". */
  async exchangeCode(code: string): Promise<TokenGrant> {
    const { appId, appSecret, redirectUri } = this.options;
    if (!appId || !appSecret || !redirectUri) {
      throw new Error(
        "Exchanging an OAuth code needs the Threads app id, app secret and redirect URI; set THREADS_APP_ID, THREADS_APP_SECRET and THREADS_REDIRECT_URI.",
      );
    }
    const cleanCode = code.replace(/#_$/u, "");
    const body = await this.http.request({
      method: "POST",
      path: "/oauth/access_token",
      params: {
        client_id: appId,
        client_secret: appSecret,
        code: cleanCode,
        grant_type: "authorization_code",
        redirect_uri: redirectUri,
      },
      secrets: [appSecret, cleanCode],
      signals: this.signals,
    });
    return this.grantFrom(body, "POST /oauth/access_token");
  }

  /** Short-lived (1 h) → long-lived (60 days) token. Server side only: it needs the app secret. */
  async exchangeForLongLived(shortToken: string): Promise<TokenGrant> {
    const appSecret = this.options.appSecret;
    if (!appSecret) {
      throw new Error("Getting a long-lived token needs the Threads app secret; set THREADS_APP_SECRET.");
    }
    const body = await this.http.request({
      method: "GET",
      path: "/access_token",
      token: shortToken,
      params: { grant_type: "th_exchange_token", client_secret: appSecret },
      secrets: [appSecret],
      signals: this.signals,
    });
    return this.grantFrom(body, "GET /access_token");
  }

  /** A long-lived token at least 24 h old and not expired → a new one valid 60 days from now. */
  async refreshToken(longToken: string): Promise<TokenGrant> {
    const body = await this.http.request({
      method: "GET",
      path: "/refresh_access_token",
      token: longToken,
      params: { grant_type: "th_refresh_token" },
      signals: this.signals,
    });
    return this.grantFrom(body, "GET /refresh_access_token");
  }

  private grantFrom(body: Record<string, unknown>, endpoint: string): TokenGrant {
    const method = endpoint.startsWith("POST") ? "POST" : "GET";
    requireId(body, "access_token", endpoint, method);
    return toTokenGrant(body);
  }

  /**
   * One page of the user's own top-level posts, newest first; times in epoch ms (sent as unix seconds).
   * Replies, including the later parts of a chain, are not in this list: see listReplies.
   */
  listThreads(token: string, opts: ListOptions = {}): Promise<ThreadsPage> {
    return this.listEdge(token, "/me/threads", opts);
  }

  /** One page of the user's own replies (`/me/replies`, scope threads_read_replies), newest first. */
  listReplies(token: string, opts: ListOptions = {}): Promise<ThreadsPage> {
    return this.listEdge(token, "/me/replies", opts);
  }

  private async listEdge(token: string, path: string, opts: ListOptions): Promise<ThreadsPage> {
    const body = await this.graph("GET", path, token, {
      fields: (opts.fields ?? MEDIA_FIELDS).join(","),
      since: toUnixSeconds(opts.since),
      until: toUnixSeconds(opts.until),
      limit: opts.limit,
      after: opts.after,
    });
    return toThreadsPage(body);
  }

  async getPostInsights(
    token: string,
    mediaId: string,
    metrics: string[] = POST_METRICS,
  ): Promise<Record<string, number>> {
    const body = await this.graph("GET", `/${encodeURIComponent(mediaId)}/insights`, token, {
      metric: metrics.join(","),
    });
    return toPostInsights(body);
  }

  async getUserInsights(
    token: string,
    userId: string,
    opts: { since?: number; until?: number; metrics?: string[] } = {},
  ): Promise<UserInsights> {
    const since = toUnixSeconds(opts.since);
    const body = await this.graph("GET", `/${encodeURIComponent(userId)}/threads_insights`, token, {
      metric: (opts.metrics ?? USER_METRICS).join(","),
      since: since === undefined ? undefined : Math.max(since, USER_INSIGHTS_EPOCH_S),
      until: toUnixSeconds(opts.until),
    });
    return toUserInsights(body);
  }

  /**
   * One page of the top-level replies under a post (`GET /{media-id}/replies`, scope threads_read_replies),
   * by anyone, newest first, with their hide status. Not `listReplies`, which lists the user's own replies.
   */
  async listPostReplies(
    token: string,
    mediaId: string,
    opts: { after?: string; limit?: number } = {},
  ): Promise<RepliesPage> {
    const body = await needsScope("threads_read_replies", () =>
      this.graph("GET", `/${encodeURIComponent(mediaId)}/replies`, token, {
        fields: REPLY_FIELDS,
        limit: opts.limit,
        after: opts.after,
      }),
    );
    return toRepliesPage(body);
  }

  /**
   * One page of a post's replies awaiting approval ("pending") or ignored (`GET /{media-id}/pending_replies
   * ?approval_status=…`, scope threads_read_replies). Endpoint and parameter from third-party clients: UNVERIFIED
   * against Meta's text (meta-facts §6).
   */
  async listPendingReplies(
    token: string,
    mediaId: string,
    opts: { status?: "pending" | "ignored"; after?: string; limit?: number } = {},
  ): Promise<RepliesPage> {
    const body = await needsScope("threads_read_replies", () =>
      this.graph("GET", `/${encodeURIComponent(mediaId)}/pending_replies`, token, {
        fields: PENDING_REPLY_FIELDS,
        approval_status: opts.status ?? "pending",
        limit: opts.limit,
        after: opts.after,
      }),
    );
    return toRepliesPage(body);
  }

  /** Approves (true) or ignores (false) a pending reply (`POST /{reply-id}/manage_pending_reply`). */
  async managePendingReply(token: string, replyId: string, approve: boolean): Promise<void> {
    await needsScope("threads_manage_replies", () =>
      this.graph("POST", `/${encodeURIComponent(replyId)}/manage_pending_reply`, token, { approve }),
    );
  }

  /** Hides (true) or unhides (false) a top-level reply and its nested replies (`POST /{reply-id}/manage_reply`). */
  async hideReply(token: string, replyId: string, hide: boolean): Promise<void> {
    await needsScope("threads_manage_replies", () =>
      this.graph("POST", `/${encodeURIComponent(replyId)}/manage_reply`, token, { hide }),
    );
  }

  /**
   * Places for `location_id` (`GET /location_search`, scope threads_location_tagging): by `q`, by a point, or both.
   * Meta: before the app is approved for the scope, only the query "Menlo Park" finds anything.
   */
  async searchLocations(
    token: string,
    query: { q?: string; latitude?: number; longitude?: number },
  ): Promise<ThreadsPlace[]> {
    const body = await needsScope("threads_location_tagging", () =>
      this.graph("GET", "/location_search", token, {
        q: query.q,
        latitude: query.latitude,
        longitude: query.longitude,
        fields: PLACE_FIELDS,
      }),
    );
    return toPlaces(body);
  }

  async getLocation(token: string, locationId: string): Promise<ThreadsPlace> {
    const body = await this.graph("GET", `/${encodeURIComponent(locationId)}`, token, {
      fields: PLACE_FIELDS,
    });
    return { ...toPlace(body), id: requireId(body, "id", `GET ${VERSION}/{location-id}`, "GET") };
  }

  /** One page of the user's ghost posts, active and archived (`GET /{user-id}/ghost_posts`), newest first. */
  async listGhostPosts(
    token: string,
    userId: string,
    opts: { after?: string; limit?: number } = {},
  ): Promise<GhostPostsPage> {
    const body = await this.graph("GET", `/${encodeURIComponent(userId)}/ghost_posts`, token, {
      fields: GHOST_FIELDS,
      limit: opts.limit,
      after: opts.after,
    });
    return toGhostPostsPage(body);
  }
}

function toUnixSeconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.floor(ms / 1000);
}

/**
 * A permission refusal (codes 10, 200–299) of a call that needs `scope` says so: the account was connected
 * without it (connected before this app asked for it, or the box was unticked), and reconnecting grants it.
 */
async function needsScope<T>(scope: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof ThreadsApiError) || !isPermissionCode(error.code)) throw error;
    throw new ThreadsApiError({
      kind: error.kind,
      endpoint: error.endpoint,
      ...(error.code === undefined ? {} : { code: error.code }),
      ...(error.subcode === undefined ? {} : { subcode: error.subcode }),
      ...(error.httpStatus === undefined ? {} : { httpStatus: error.httpStatus }),
      ...(error.userMessage === undefined ? {} : { userMessage: error.userMessage }),
      message: `${error.message} — this needs the ${scope} permission: if the account was connected without it, reconnect the account and allow ${scope}.`,
      cause: error,
    });
  }
}
