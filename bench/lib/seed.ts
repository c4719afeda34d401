import { encryptToken } from "../../src/accounts/token-crypto.js";
import type { Db } from "../../src/db/connect.js";
import { type ScheduleSettings, toScheduleColumns, withDefaults } from "../../src/schedules/schedule.js";
import type { PostPart } from "../../src/threads/post.js";

/** The token key every benchmark process shares (SECRET_KEY as 64 hex). */
export const BENCH_SECRET_HEX = "42".repeat(32);
const KEY = Buffer.from(BENCH_SECRET_HEX, "hex");
const DAY = 86_400_000;
const BATCH = 500;

export interface SeedAccount {
  threadsUserId: string;
  username: string;
  token: string;
  timezone: string;
  /** One post group per entry. */
  groups: PostPart[][];
  schedules: ScheduleSettings[];
}

/**
 * Bulk-inserts accounts (tokens encrypted as the service stores them), their post groups and schedules, in
 * one transaction and multi-row statements. Returns the account ids in input order.
 */
export async function seed(db: Db, accounts: SeedAccount[], now = Date.now()): Promise<number[]> {
  return db.transaction().execute(async (trx) => {
    const ids: number[] = [];
    for (let i = 0; i < accounts.length; i += BATCH) {
      const chunk = accounts.slice(i, i + BATCH);
      const rows = await trx
        .insertInto("accounts")
        .values(
          chunk.map((a) => ({
            threads_user_id: a.threadsUserId,
            username: a.username,
            name: null,
            picture_url: null,
            token_ciphertext: encryptToken(a.token, KEY),
            token_expires_at: now + 60 * DAY,
            token_issued_at: now,
            token_refreshed_at: null,
            status: "active" as const,
            status_reason: null,
            timezone: a.timezone,
            created_at: now,
            updated_at: now,
          })),
        )
        .returning("id")
        .execute();
      ids.push(...rows.map((r) => r.id));
    }

    const groups = accounts.flatMap((a, i) => a.groups.map((parts) => ({ accountId: ids[i]!, parts })));
    for (let i = 0; i < groups.length; i += BATCH) {
      const chunk = groups.slice(i, i + BATCH);
      const rows = await trx
        .insertInto("post_groups")
        .values(
          chunk.map((g, j) => ({
            account_id: g.accountId,
            name: `group ${i + j + 1}`,
            enabled: 1,
            weight: 1,
            created_at: now,
            updated_at: now,
          })),
        )
        .returning("id")
        .execute();
      const parts = chunk.flatMap((g, j) =>
        g.parts.map((part, position) => ({
          group_id: rows[j]!.id,
          position,
          spec_json: JSON.stringify(part),
        })),
      );
      for (let k = 0; k < parts.length; k += BATCH) {
        await trx
          .insertInto("post_parts")
          .values(parts.slice(k, k + BATCH))
          .execute();
      }
    }

    const schedules = accounts.flatMap((a, i) =>
      a.schedules.map((s) => ({
        ...toScheduleColumns(withDefaults(s)),
        account_id: ids[i]!,
        created_at: now,
        updated_at: now,
      })),
    );
    for (let i = 0; i < schedules.length; i += BATCH) {
      await trx
        .insertInto("schedules")
        .values(schedules.slice(i, i + BATCH))
        .execute();
    }
    return ids;
  });
}
