import type { ColumnType, Generated, Insertable, Selectable } from "kysely";
import type { RunState } from "../scheduler/run-state.js";
import type { PickPolicy } from "../schedules/pick-policy.js";
import type { RecycleFrom } from "../schedules/recycle-pick.js";

/**
 * Table types. Instants are integer epoch milliseconds in both dialects (PostgreSQL `bigint`, parsed to
 * `number`); booleans are 0/1 integers; structured values are JSON text. One representation for both
 * databases keeps every query dialect-neutral.
 */
export interface DB {
  accounts: AccountsTable;
  post_groups: PostGroupsTable;
  post_parts: PostPartsTable;
  schedules: SchedulesTable;
  planned_days: PlannedDaysTable;
  runs: RunsTable;
  publications: PublicationsTable;
  publication_parts: PublicationPartsTable;
  insight_snapshots: InsightSnapshotsTable;
  app_state: AppStateTable;
}

type Id = Generated<number>;

export type AccountStatus = "active" | "paused" | "reauth_required";

export interface AccountsTable {
  id: Id;
  threads_user_id: string;
  username: string;
  name: string | null;
  picture_url: string | null;
  /** AES-256-GCM ciphertext, see `src/accounts/token-crypto.ts`. */
  token_ciphertext: string;
  /** When the current token expires (ms). */
  token_expires_at: number;
  /** When the current token was issued or last refreshed (ms): the 24 h refresh rule counts from here. */
  token_issued_at: number;
  token_refreshed_at: number | null;
  status: AccountStatus;
  status_reason: string | null;
  timezone: string;
  created_at: number;
  updated_at: number;
  /** Set when the account was removed: its token is wiped, its history kept; re-adding the user clears it. */
  archived_at: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface PostGroupsTable {
  id: Id;
  account_id: number;
  name: string;
  enabled: ColumnType<number, number | undefined, number>;
  weight: ColumnType<number, number | undefined, number>;
  created_at: number;
  updated_at: number;
  /** Set when the group was removed: never picked, hidden, its parts kept so its runs stay readable. */
  archived_at: ColumnType<number | null, number | null | undefined, number | null>;
  /** Delete each post of this group this long after it was published; null: never. Migration 0010. */
  delete_after_minutes: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface PostPartsTable {
  id: Id;
  group_id: number;
  /** 0-based; part 0 is the root post, each later part replies to the previous one. */
  position: number;
  /** JSON of `PostPart` (src/threads/post.ts). */
  spec_json: string;
}

export type ScheduleKind = "fixed" | "random";
/** How a schedule picks its post groups: its list lives in schedules/pick-policy.ts. */
export type { PickPolicy };

export interface SchedulesTable {
  id: Id;
  account_id: number;
  kind: ScheduleKind;
  /** fixed: JSON array of "HH:MM". */
  times_json: string | null;
  /** random: window "HH:MM"–"HH:MM" in local time (end <= start means it crosses midnight). */
  window_start: string | null;
  window_end: string | null;
  posts_per_day: number | null;
  min_gap_minutes: number | null;
  /** JSON array of weekday names ("mon".."sun"); all seven when every day. */
  days_json: string;
  /** IANA zone; null means the account's zone. */
  timezone: string | null;
  active: ColumnType<number, number | undefined, number>;
  pick: PickPolicy;
  /** JSON array of group ids to draw from; null means every enabled group of the account. */
  group_ids_json: string | null;
  misfire_grace_minutes: number;
  /** Last local date "YYYY-MM-DD" it runs on (inclusive, in its zone); null: no end. Migration 0006. */
  until_date: ColumnType<string | null, string | null | undefined, string | null>;
  /** Bumped on every edit; a random day is re-drawn only when the version that drew it is stale. */
  version: ColumnType<number, number | undefined, number>;
  /** State of the pick policy (shuffle bag / sequential cursor), JSON. */
  pick_state_json: string | null;
  /**
   * Delete each post of this schedule this long after it was published (wins over the group's); null: the group's;
   * 0 (NEVER_DELETE, `--delete-after never`): never, even if the group's says so. Migration 0010.
   */
  delete_after_minutes: ColumnType<number | null, number | null | undefined, number | null>;
  created_at: number;
  updated_at: number;
  /** What a run does (migration 0011): publish a group, repost or quote an earlier post of the account. */
  action: ColumnType<ScheduleAction, ScheduleAction | undefined, ScheduleAction>;
  /** Repost/quote: how the earlier post is chosen; null for `post`. */
  recycle_from: ColumnType<RecycleFrom | null, RecycleFrom | null | undefined, RecycleFrom | null>;
  /** Repost/quote: only posts at least this old. */
  recycle_min_age_minutes: ColumnType<number | null, number | null | undefined, number | null>;
  /** Repost/quote: never the same post twice within this. */
  recycle_cooldown_minutes: ColumnType<number | null, number | null | undefined, number | null>;
}

export type ScheduleAction = "post" | "repost" | "quote";
export type { RecycleFrom };

export interface PlannedDaysTable {
  schedule_id: number;
  /** Local calendar date "YYYY-MM-DD" in the schedule's zone. */
  local_date: string;
  schedule_version: number;
  planned_at: number;
  /** The earliest run of the day not yet written as a run (epoch ms); null once every run is. */
  next_due_at: number | null;
  /** A random day's draw while some of its runs are not yet written: JSON [[dueAt, slot], …]; else null. */
  draw_json: string | null;
}

/** A run's stored state: its list lives in scheduler/run-state.ts. */
export type { RunState };

export interface RunsTable {
  id: Id;
  /**
   * The job's kind, a key of the job registry (scheduler/jobs/registry.ts: `JobKind`). A string here: a run of
   * a kind this version does not know (planned by a newer one) is settled `failed` by the runner.
   */
  job: string;
  /**
   * Unique with due_at: `schedule:{id}`, `manual:{uuid}` (post now), `once:{uuid}` (a one-off post planned
   * with `post --at`) or `token_refresh`.
   */
  job_key: string;
  schedule_id: number | null;
  account_id: number | null;
  /** The planned instant (ms); never changes. */
  due_at: number;
  /** When it may next be claimed (ms): due_at at first, later the retry time. */
  run_at: number;
  /** Label of the slot: "10:00" for fixed times, "random 2/5" for random ones. */
  slot: string;
  local_date: string | null;
  state: RunState;
  group_id: number | null;
  attempts: ColumnType<number, number | undefined, number>;
  locked_by: string | null;
  lease_until: number | null;
  reason: string | null;
  /** JSON payload for manual and one-off posts given as text (the parts to publish; no post group). */
  payload_json: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
  /** A repost/quote run: the earlier post it chose, once (migration 0011). */
  source_media_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export type PublicationState = "publishing" | "published" | "failed" | "needs_check";

export interface PublicationsTable {
  id: Id;
  run_id: number;
  account_id: number;
  group_id: number | null;
  state: PublicationState;
  error: string | null;
  created_at: number;
  updated_at: number;
  published_at: number | null;
  /** `repost` or `quote` for a recycling publication, null for a post (migration 0011). */
  action: ColumnType<
    "repost" | "quote" | null,
    "repost" | "quote" | null | undefined,
    "repost" | "quote" | null
  >;
  /** The reposted or quoted post. */
  source_media_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export type PartState = "pending" | "container_created" | "publish_requested" | "published" | "failed";

export interface PublicationPartsTable {
  id: Id;
  publication_id: number;
  /** The publication's account, for the quota count. Always set by this code; nullable because migration 0003 added it. */
  account_id: number | null;
  position: number;
  state: PartState;
  /** JSON array of carousel child container ids. */
  children_json: string | null;
  container_id: string | null;
  media_id: string | null;
  permalink: string | null;
  error: string | null;
  updated_at: number;
  /** The part's delete (migration 0010): null (none asked), requested (sent, answer not yet recorded), deleted, failed. */
  delete_state: ColumnType<DeleteState | null, DeleteState | null | undefined, DeleteState | null>;
  /** When the delete was sent (requested) and then when it was confirmed (deleted); counts for the delete quota. */
  deleted_at: ColumnType<number | null, number | null | undefined, number | null>;
  delete_error: ColumnType<string | null, string | null | undefined, string | null>;
}

export type DeleteState = "requested" | "deleted" | "failed";

export interface InsightSnapshotsTable {
  id: Id;
  account_id: number;
  /** null for account-level metrics. */
  media_id: string | null;
  captured_at: number;
  metrics_json: string;
}

export interface AppStateTable {
  key: string;
  value: string;
  updated_at: number;
}

export type AccountRow = Selectable<AccountsTable>;
export type NewAccountRow = Insertable<AccountsTable>;
export type PostGroupRow = Selectable<PostGroupsTable>;
export type ScheduleRow = Selectable<SchedulesTable>;
export type RunRow = Selectable<RunsTable>;
export type PublicationRow = Selectable<PublicationsTable>;
export type PublicationPartRow = Selectable<PublicationPartsTable>;
