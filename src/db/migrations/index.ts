import type { Migration, MigrationProvider } from "kysely";
import * as m0001 from "./0001-initial.js";
import * as m0002 from "./0002-performance-indexes.js";
import * as m0003 from "./0003-parts-account.js";
import * as m0004 from "./0004-claimable-index.js";
import * as m0005 from "./0005-rolling-days.js";
import * as m0006 from "./0006-one-off-and-until.js";
import * as m0007 from "./0007-archive.js";
import * as m0008 from "./0008-runs.js";
import * as m0009 from "./0009-meta-part-names.js";
import * as m0010 from "./0010-deletes.js";
import * as m0011 from "./0011-schedule-actions.js";

/** Ordered and immutable: add a new file for every change, never edit a shipped one. */
export const migrations: Record<string, Migration> = {
  "0001-initial": m0001,
  "0002-performance-indexes": m0002,
  "0003-parts-account": m0003,
  "0004-claimable-index": m0004,
  "0005-rolling-days": m0005,
  "0006-one-off-and-until": m0006,
  "0007-archive": m0007,
  "0008-runs": m0008,
  "0009-meta-part-names": m0009,
  "0010-deletes": m0010,
  "0011-schedule-actions": m0011,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
