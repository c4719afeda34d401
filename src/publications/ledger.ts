/**
 * What the rest of the app reads of a run's publication ledger: whether one was opened (then something of
 * the run may be on Threads) and its parts (what a cancel or a post published now reports). The one
 * interface of publications/ the scheduler uses besides the publisher: it never imports the publications
 * repository. Each function takes the caller's Db, a transaction when the caller is in one.
 */
export {
  getLedgerByRun as ledgerOfRun,
  hasLedger,
  type Ledger,
} from "./publications.repository.js";
