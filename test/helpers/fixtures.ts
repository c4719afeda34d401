import type { NewAccount } from "../../src/db/schema.js";

const DAY = 86_400_000;

/**
 * An account row for repository and service tests (the token is a placeholder, not a real ciphertext):
 * user `u{n}` / `user{n}`, active, in UTC, created at `at`, token valid 60 days.
 */
export function accountRow(n: number, at: number, overrides: Partial<NewAccount> = {}): NewAccount {
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
