import { randomUUID } from "node:crypto";
import { removedAccount } from "../../accounts/account.js";
import { getAccount } from "../../accounts/accounts.repository.js";
import type { Db } from "../../db/connect.js";
import { AppError, notFound } from "../../errors.js";
import type { PostPart } from "../../threads/post.js";
import { assertValidGroup } from "../../threads/preflight.js";
import { schedulerRunning } from "../instance-lock.js";
import { notifyWork } from "../notify.js";
import { formatLocalTime, parseAt } from "../planning/at.js";
import { localDateAt } from "../planning/index.js";
import { groupOfAccount } from "./post-now.js";

/** Job keys of one-off posts start with this: `once:{uuid}`. */
export const ONE_OFF_PREFIX = "once:";
/** The slot label of a one-off post in `runs` and `jobs`. */
export const ONE_OFF_SLOT = "once";

export interface PostAtDeps {
  db: Db;
  now: number;
  /** Zone of accounts without one. */
  defaultTimezone: string;
}

export type PostAtRequest = { accountId: number; at: string } & ({ groupId: number } | { parts: PostPart[] });

export interface PostAtResult {
  runId: number;
  dueAt: number;
  /** The account's zone, in which a local `--at` was read. */
  timezone: string;
  /** "2026-12-24 09:00 JST (Asia/Tokyo)". */
  dueAtText: string;
  /** Whether a scheduler is running on this database: false only when known (SQLite); undefined on PostgreSQL. */
  schedulerRunning: boolean | undefined;
  /** Things the user should fix before the time comes (a paused account, …); the post is planned anyway. */
  warnings: string[];
  /** How a local time that DST makes missing or ambiguous was resolved. */
  note?: string;
}

/**
 * Plans a one-off post (`post --at`): one `planned` run with a `once:{uuid}` job key, due at the given
 * instant, claimed by a running engine like any scheduled run (same ledger, misfire grace, retries). A post
 * given as text is stored on the run itself (`payload_json`) and creates no post group, so no
 * recurring schedule can ever draw it; a named group must be enabled, and is re-checked when the post runs.
 * A time that cannot be read, is past, or is too far ahead is an `invalid_input` AppError whose
 * `details.field` is "at" (the CLI shows it as a usage mistake).
 */
export async function planOneOff(deps: PostAtDeps, req: PostAtRequest): Promise<PostAtResult> {
  const { db, now } = deps;
  const account = await getAccount(db, req.accountId);
  if (!account) throw notFound("account", req.accountId);
  if (account.archived_at !== null) throw removedAccount(account);
  const timezone = account.timezone || deps.defaultTimezone;
  const at = parseAt(req.at, timezone, now);
  if (!at.ok) throw new AppError("invalid_input", at.problem, { details: { field: "at" } });

  let groupId: number | null = null;
  let parts: PostPart[];
  if ("groupId" in req) {
    const group = await groupOfAccount(db, account, req.groupId);
    if (!group.enabled) {
      throw new AppError(
        "invalid_input",
        `Post group ${group.id} is disabled: enable it first, or give the post itself with --text (a one-off text is never drawn by recurring schedules).`,
      );
    }
    parts = group.parts;
    groupId = group.id;
  } else {
    parts = req.parts;
  }
  assertValidGroup(parts);

  const warnings: string[] = [];
  if (account.status === "paused") {
    warnings.push(
      `@${account.username} is paused: resume it before then (threads-scheduler accounts resume ${account.id}), or this post will be skipped.`,
    );
  } else if (account.status === "reauth_required") {
    warnings.push(
      `@${account.username} must be reconnected before then (${account.status_reason ?? "its token is no longer valid"}): give it a fresh token with \`threads-scheduler accounts reconnect ${account.id} --token TOKEN\`, or this post will be missed.`,
    );
  }

  // The same command run twice (shell history, a retried script) would post twice: say so.
  const twin = await db
    .selectFrom("runs")
    .select("id")
    .where("account_id", "=", account.id)
    .where("due_at", "=", at.dueAt)
    .where("state", "=", "planned")
    .where("job_key", "like", `${ONE_OFF_PREFIX}%`)
    .executeTakeFirst();
  if (twin) {
    warnings.push(
      `run ${twin.id} is already planned for @${account.username} at the same time: if this was a repeat, cancel one with \`threads-scheduler runs cancel ${twin.id}\`.`,
    );
  }

  const row = await db
    .insertInto("runs")
    .values({
      job: "post",
      job_key: `${ONE_OFF_PREFIX}${randomUUID()}`,
      schedule_id: null,
      account_id: account.id,
      due_at: at.dueAt,
      run_at: at.dueAt,
      slot: ONE_OFF_SLOT,
      local_date: localDateAt(timezone, at.dueAt),
      state: "planned",
      group_id: groupId,
      attempts: 0,
      locked_by: null,
      lease_until: null,
      reason: null,
      payload_json: groupId === null ? JSON.stringify(parts) : null,
      created_at: now,
      updated_at: now,
      finished_at: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await notifyWork(db).catch(() => {});
  return {
    runId: row.id,
    dueAt: at.dueAt,
    timezone,
    dueAtText: formatLocalTime(at.dueAt, timezone),
    schedulerRunning: await schedulerRunning(db),
    warnings,
    ...(at.note !== undefined ? { note: at.note } : {}),
  };
}
