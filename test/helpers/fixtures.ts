import type { Insertable } from "kysely";
import type { NewAccountRow, RunsTable } from "../../src/db/schema.js";

const DAY = 86_400_000;

/**
 * An account row for repository and service tests (the token is a placeholder, not a real ciphertext):
 * user `u{n}` / `user{n}`, active, in UTC, created at `at`, token valid 60 days.
 */
export function accountRow(n: number, at: number, overrides: Partial<NewAccountRow> = {}): NewAccountRow {
  return {
    threads_user_id: `u${n}`,
    username: `user${n}`,
    name: null,
    picture_url: null,
    token_ciphertext: `cipher${n}`,
    token_expires_at: at + 60 * DAY,
    token_issued_at: at,
    token_refreshed_at: null,
    status: "active",
    status_reason: null,
    timezone: "UTC",
    created_at: at,
    updated_at: at,
    ...overrides,
  };
}

/** A manual post run row of `accountId`, due at `at`, in `state` (default planned). */
export function runRow(
  accountId: number,
  at: number,
  overrides: Partial<Insertable<RunsTable>> = {},
): Insertable<RunsTable> {
  return {
    job: "post",
    job_key: `manual:${accountId}:${at}`,
    account_id: accountId,
    due_at: at,
    run_at: at,
    slot: "manual",
    state: "planned",
    attempts: 0,
    created_at: at,
    updated_at: at,
    ...overrides,
  };
}
