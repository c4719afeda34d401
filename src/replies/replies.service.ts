/**
 * Managing what others say under an account's posts, and the account's extra lists: a post's replies
 * (visible, pending approval or ignored), approving or ignoring a pending reply, hiding or unhiding a top-level
 * reply, location search (the id `location_id` takes) and the account's ghost posts. Every call is made live
 * with the account's token; nothing is stored.
 */
import type { Account, AccountForPublishing } from "../accounts/account.js";
import type { Clock } from "../clock.js";
import type { Db } from "../db/connect.js";
import { AppError } from "../errors.js";
import { formatInZone } from "../scheduler/inspect.js";
import type { ThreadsClient } from "../threads/client.js";
import { isPermissionCode, ThreadsApiError } from "../threads/errors.js";
import type { ThreadsMedia, ThreadsPlace, ThreadsReply } from "../threads/types.js";
import { GHOST_LIFETIME_MS, ghostStatus, type ReplyStatus, resolveTarget } from "./replies.js";

export type { ReplyStatus } from "./replies.js";

/** The Threads calls this feature makes. */
export type RepliesThreads = Pick<
  ThreadsClient,
  | "listPostReplies"
  | "listPendingReplies"
  | "managePendingReply"
  | "hideReply"
  | "searchLocations"
  | "listGhostPosts"
  | "getMedia"
>;

export interface ReplyServiceDeps {
  db: Db;
  threads: RepliesThreads;
  clock: Clock;
  /** The account (its zone) and its token: the accounts service's. */
  accounts: {
    get(id: number): Promise<Account>;
    loadForPublishing(id: number, opts?: { evenIfPaused?: boolean }): Promise<AccountForPublishing>;
    /** Every account of this install: which of them wrote a post another account cannot manage. */
    list(): Promise<Account[]>;
  };
  /** The root post of a run (publications/ledger.ts). */
  rootPostOfRun(
    db: Db,
    runId: number,
  ): Promise<{ accountId: number; mediaId: string | null; deletedAt?: number | null } | undefined>;
  /** Whether a run with this id exists (the scheduler's runs); without it, an unknown run reads as one that published nothing. */
  runExists?(db: Db, runId: number): Promise<boolean>;
}

/** At most this many replies or ghost posts are read for one listing (four of Meta's pages of 25). */
export const LIST_CAP = 100;

export interface RepliesListing {
  account: Pick<Account, "id" | "username" | "timezone">;
  /** The post whose replies these are. */
  mediaId: string;
  /** The run the post was published by, when a run id was given. */
  runId: number | null;
  status: ReplyStatus;
  replies: ThreadsReply[];
  /** More replies than LIST_CAP: only the newest are listed. */
  truncated: boolean;
  /**
   * With the visible replies: how many await approval (one page read with the same token; `more` when there
   * are more than that page), null when not asked or Threads would not say.
   */
  pending: { count: number; more: boolean } | null;
}

export interface GhostPostItem {
  id: string;
  text: string | null;
  permalink: string | null;
  /** Epoch ms. */
  publishedAt: number | null;
  /** Epoch ms: published + 24 h. */
  expiresAt: number | null;
  /** "active" or "archived" (Meta's value lower-cased; computed from the expiry when Meta sends none). */
  status: string;
}

export function createReplyService(deps: ReplyServiceDeps) {
  const { db, threads, clock, accounts } = deps;

  /** The account, live, and its token; paused accounts may still manage replies. */
  async function connected(accountId: number): Promise<{ account: Account; token: string }> {
    const account = await accounts.get(accountId);
    const loaded = await accounts.loadForPublishing(accountId, { evenIfPaused: true });
    if ("token" in loaded) return { account, token: loaded.token };
    const reason = "held" in loaded ? loaded.held : "skipped" in loaded ? loaded.skipped : loaded.paused;
    throw new AppError("auth_required", `@${account.username} cannot call Threads now: ${reason}.`, {
      hint: { action: "reconnect_account", accountId },
    });
  }

  async function call<T>(accountId: number, what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw asAppError(error, accountId, what);
    }
  }

  async function listReplies(input: {
    accountId: number;
    /** A run id (its root post) or a Threads media id. */
    target: string;
    status?: ReplyStatus;
  }): Promise<RepliesListing> {
    const status = input.status ?? "visible";
    const target = resolveTarget(input.target);
    let mediaId: string;
    let runId: number | null = null;
    if (target.kind === "run") {
      runId = target.runId;
      const root = await deps.rootPostOfRun(db, target.runId);
      if (!root && deps.runExists && !(await deps.runExists(db, target.runId))) {
        throw new AppError("not_found", `Run ${target.runId} does not exist.`, {
          hint: { action: "list", what: "run", accountId: input.accountId },
        });
      }
      if (!root || root.accountId !== input.accountId) {
        throw new AppError(
          "not_found",
          `Run ${target.runId} published nothing for account ${input.accountId}: give the run id of one of its published posts, or the post's Threads media id.`,
          { hint: { action: "list", what: "run", accountId: input.accountId } },
        );
      }
      if (root.mediaId === null) {
        throw new AppError(
          "conflict",
          `Run ${target.runId} has not published its post yet: there are no replies to list.`,
          { hint: { action: "follow_run", runId: target.runId } },
        );
      }
      if (root.deletedAt !== undefined && root.deletedAt !== null) {
        const zone = (await accounts.get(input.accountId)).timezone;
        throw new AppError(
          "conflict",
          `Run ${target.runId}'s post was deleted from Threads at ${formatInZone(root.deletedAt, zone)}: it has no replies to list any more.`,
        );
      }
      mediaId = root.mediaId;
    } else mediaId = target.mediaId;

    const { account, token } = await connected(input.accountId);
    const replies: ThreadsReply[] = [];
    let after: string | undefined;
    await call(input.accountId, "list the replies", async () => {
      do {
        const page =
          status === "visible"
            ? await threads.listPostReplies(token, mediaId, after ? { after } : {})
            : await threads.listPendingReplies(token, mediaId, { status, ...(after ? { after } : {}) });
        replies.push(...page.data);
        after = page.after;
      } while (after !== undefined && replies.length < LIST_CAP);
    });
    // One more call, always with the visible replies (whether the post has reply approvals is not known without
    // a read too): a refusal (not the account's post, no approvals) only means there is nothing to tell.
    let pending: RepliesListing["pending"] = null;
    if (status === "visible") {
      try {
        const page = await threads.listPendingReplies(token, mediaId, { status: "pending" });
        pending = { count: page.data.length, more: page.after !== undefined };
      } catch (error) {
        if (!(error instanceof ThreadsApiError)) throw error;
      }
    }
    return {
      account: { id: account.id, username: account.username, timezone: account.timezone },
      mediaId,
      runId,
      status,
      replies: replies.slice(0, LIST_CAP),
      truncated: after !== undefined || replies.length > LIST_CAP,
      pending,
    };
  }

  /** Approves (true) or ignores (false) a reply awaiting approval under one of the account's posts. */
  async function approveReply(accountId: number, replyId: string, approve: boolean): Promise<void> {
    const id = mediaIdOf(replyId, "replyId");
    const { account, token } = await connected(accountId);
    try {
      await threads.managePendingReply(token, id, approve);
    } catch (error) {
      throw await explainRefusal(error, account, token, id, approve ? "approve" : "ignore");
    }
  }

  /** Hides (true) or unhides (false) a top-level reply to one of the account's posts (its nested replies too). */
  async function hideReply(accountId: number, replyId: string, hide: boolean): Promise<void> {
    const id = mediaIdOf(replyId, "replyId");
    const { account, token } = await connected(accountId);
    try {
      await threads.hideReply(token, id, hide);
    } catch (error) {
      throw await explainRefusal(error, account, token, id, hide ? "hide" : "unhide");
    }
  }

  /** A reply's parent and root post (`GET /{reply-id}?fields=replied_to,root_post`); undefined when unreadable. */
  async function placeOf(token: string, id: string): Promise<{ parent?: string; root?: string } | undefined> {
    try {
      const m = await threads.getMedia(token, id, ["id", "replied_to", "root_post"]);
      return {
        ...(m.replied_to ? { parent: m.replied_to.id } : {}),
        ...(m.root_post ? { root: m.root_post.id } : {}),
      };
    } catch (error) {
      if (error instanceof ThreadsApiError) return undefined;
      throw error;
    }
  }

  /**
   * A refused hide/approve in words the user can act on. A permission refusal (code 10) for a reply under
   * someone else's post is not a token problem: the reply's root post is looked up and, when another account of
   * this install wrote it, that account is named. A nested reply cannot be hidden alone: its top-level reply is
   * found by walking `replied_to` up to the one that replies to the root post.
   */
  async function explainRefusal(
    error: unknown,
    account: Account,
    token: string,
    replyId: string,
    verb: "hide" | "unhide" | "approve" | "ignore",
  ): Promise<unknown> {
    const what = `${verb} the reply`;
    if (!(error instanceof ThreadsApiError) || error.kind === "auth")
      return asAppError(error, account.id, what);
    const place = await placeOf(token, replyId);
    const ability = verb === "hide" || verb === "unhide" ? "hide or unhide" : "approve or ignore";
    if (isPermissionCode(error.code)) {
      let author: string | undefined;
      if (place?.root) {
        try {
          // `username` (the author's) is a media field Meta documents; ThreadsMedia passes it through untyped.
          const root = (await threads.getMedia(token, place.root, ["id", "username"])) as ThreadsMedia & {
            username?: unknown;
          };
          if (typeof root.username === "string") author = root.username;
        } catch (e) {
          if (!(e instanceof ThreadsApiError)) throw e;
        }
      }
      if (author !== undefined && author !== account.username) {
        const other = (await accounts.list()).find((a) => a.username === author && a.id !== account.id);
        if (other) {
          return new AppError(
            "conflict",
            `Reply ${replyId} is under a post of account ${other.id} (@${other.username}), not of @${account.username}; use --account ${other.id}.`,
            { cause: error },
          );
        }
        return new AppError(
          "conflict",
          `Only the author of the post can ${ability} its replies: reply ${replyId} is under a post of @${author}, not of @${account.username}.`,
          { cause: error },
        );
      }
      // The sandbox's words for the same refusal when the post could not be read.
      if (author === undefined && /only the author/iu.test(error.message)) {
        return new AppError(
          "conflict",
          `Only the author of the post can ${ability} its replies: reply ${replyId} is not under a post of @${account.username}.`,
          { cause: error },
        );
      }
      return asAppError(error, account.id, what);
    }
    if (
      (verb === "hide" || verb === "unhide") &&
      place?.parent &&
      place.root &&
      place.parent !== place.root
    ) {
      const top = await topLevelOf(token, place.parent, place.root);
      if (top) {
        return new AppError(
          "invalid_input",
          `Reply ${replyId} is a nested reply: a nested reply cannot be ${verb === "hide" ? "hidden" : "unhidden"} alone; ${verb} its top-level reply ${top} (which ${verb}s it too).`,
          { cause: error, field: "replyId" },
        );
      }
    }
    return asAppError(error, account.id, what);
  }

  /** Walks `replied_to` up from `id` to the reply whose parent is the root post (at most 50 steps). */
  async function topLevelOf(token: string, id: string, root: string): Promise<string | undefined> {
    let current = id;
    for (let step = 0; step < 50; step++) {
      const place = await placeOf(token, current);
      if (!place?.parent) return undefined;
      if (place.parent === root) return current;
      current = place.parent;
    }
    return undefined;
  }

  async function searchLocations(input: {
    accountId: number;
    q?: string;
    near?: { latitude: number; longitude: number };
  }): Promise<ThreadsPlace[]> {
    const q = input.q?.trim() || undefined;
    if (q === undefined && input.near === undefined) {
      throw new AppError(
        "invalid_input",
        "Give a place name or address to search for, or a point to search near.",
        {
          field: "q",
        },
      );
    }
    if (input.near) checkPoint(input.near);
    const { token } = await connected(input.accountId);
    return call(input.accountId, "search locations", () =>
      threads.searchLocations(token, { ...(q ? { q } : {}), ...(input.near ?? {}) }),
    );
  }

  /** The account's ghost posts, newest first, with whether each is still up (24 h). */
  async function listGhostPosts(accountId: number): Promise<{
    account: Pick<Account, "id" | "username" | "timezone">;
    posts: GhostPostItem[];
    truncated: boolean;
  }> {
    const { account, token } = await connected(accountId);
    const now = clock.now();
    const posts: GhostPostItem[] = [];
    let after: string | undefined;
    await call(accountId, "list the ghost posts", async () => {
      do {
        const page = await threads.listGhostPosts(token, account.threadsUserId, after ? { after } : {});
        for (const p of page.data) {
          const publishedAt = p.timestamp === undefined ? null : parseMetaTime(p.timestamp);
          const expiresAt = p.expiresAt ?? (publishedAt === null ? null : publishedAt + GHOST_LIFETIME_MS);
          posts.push({
            id: p.id,
            text: p.text ?? null,
            permalink: p.permalink ?? null,
            publishedAt,
            expiresAt,
            status: ghostStatus(p.status, expiresAt, now),
          });
        }
        after = page.after;
      } while (after !== undefined && posts.length < LIST_CAP);
    });
    return {
      account: { id: account.id, username: account.username, timezone: account.timezone },
      posts: posts.slice(0, LIST_CAP),
      truncated: after !== undefined,
    };
  }

  return { listReplies, approveReply, hideReply, searchLocations, listGhostPosts };
}

export type ReplyService = ReturnType<typeof createReplyService>;

function mediaIdOf(raw: string, field: string): string {
  const id = raw.trim();
  if (!/^\d{1,30}$/u.test(id)) {
    throw new AppError(
      "invalid_input",
      `"${raw}" is not a Threads id: give the digits that \`replies list\` shows.`,
      {
        field,
      },
    );
  }
  return id;
}

function checkPoint(p: { latitude: number; longitude: number }): void {
  if (
    !Number.isFinite(p.latitude) ||
    Math.abs(p.latitude) > 90 ||
    !Number.isFinite(p.longitude) ||
    Math.abs(p.longitude) > 180
  ) {
    throw new AppError(
      "invalid_input",
      `(${p.latitude}, ${p.longitude}) is not a point: latitude is from -90 to 90 and longitude from -180 to 180.`,
      { field: "near" },
    );
  }
}

function parseMetaTime(value: string): number | null {
  const ms = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/u, "$1:$2"));
  return Number.isNaN(ms) ? null : ms;
}

/** A Threads failure in words the user can act on; a missing permission or a dead token: reconnect. */
function asAppError(error: unknown, accountId: number, what: string): unknown {
  if (!(error instanceof ThreadsApiError)) return error;
  if (error.kind === "auth") {
    return new AppError(
      "auth_required",
      `Threads refused the account's token while trying to ${what}: ${error.message}`,
      {
        cause: error,
        hint: { action: "reconnect_account", accountId },
      },
    );
  }
  const permission = isPermissionCode(error.code);
  const retry = error.retryable ? " Try again in a minute." : "";
  return new AppError("threads_error", `Threads could not ${what}: ${error.message}${retry}`, {
    cause: error,
    ...(permission ? { hint: { action: "reconnect_account" as const, accountId } } : {}),
  });
}
