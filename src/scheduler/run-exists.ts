import type { Db } from "../db/connect.js";
import { getRun } from "./runs.repository.js";

/** Whether a run with this id exists, for features that take a run id from the user (replies: "does not exist"). */
export async function runExists(db: Db, runId: number): Promise<boolean> {
  return (await getRun(db, runId)) !== undefined;
}
