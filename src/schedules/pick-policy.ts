/**
 * How a schedule picks the post group of each run: the one list of the policies, shared by the database
 * types, the schedule's checks and the schedules schema (pure: a schema may import it).
 */
export const PICK_POLICIES = ["random", "shuffle", "sequential"] as const;

export type PickPolicy = (typeof PICK_POLICIES)[number];
