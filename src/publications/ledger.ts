/**
 * What the rest of the app reads of a run's publication ledger: whether one was opened (then something of
 * the run may be on Threads) and its parts (what a cancel or a post published now reports). The one
 * interface of publications/ the scheduler uses besides the publisher: it never imports the publications
 * repository. Each function takes the caller's Db, a transaction when the caller is in one.
 */
import type { Db } from "../db/connect.js";
import { getLedgerByRun } from "./publications.repository.js";

export {
  getLedgerByRun as ledgerOfRun,
  hasLedger,
  type Ledger,
} from "./publications.repository.js";

/**
 * The root post of a run, for the features that act on what a run published (its replies): the run's account
 * and the media id of its first part, null while that part is not published. Undefined when the run opened no
 * ledger (unknown, or never started publishing). `deletedAt`: when the root post was deleted from Threads.
 */
export async function rootPostOfRun(
  db: Db,
  runId: number,
): Promise<{ accountId: number; mediaId: string | null; deletedAt: number | null } | undefined> {
  const ledger = await getLedgerByRun(db, runId);
  if (!ledger) return undefined;
  const root = ledger.parts.find((p) => p.position === 0);
  return {
    accountId: ledger.publication.account_id,
    mediaId: root?.media_id ?? null,
    // When the root post was deleted from Threads (`delete_state` deleted), the time it was: its replies are gone.
    deletedAt: root?.delete_state === "deleted" ? (root.deleted_at ?? root.updated_at) : null,
  };
}
