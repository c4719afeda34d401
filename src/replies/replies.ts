/** Pure rules of the replies feature: what a target names, and a ghost post's status. */
import { AppError } from "../errors.js";

/** Which replies: the visible ones, those awaiting approval, or those the author ignored. */
export type ReplyStatus = "visible" | "pending" | "ignored";

/** Meta: ghost posts are "auto-archived after 24 hours". */
export const GHOST_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * A run id is the small number `runs` shows; a Threads media id is 15 digits or more (Meta's ids are ~17–19). So
 * up to 12 digits names a run, 13 or more a post.
 */
export function resolveTarget(
  raw: string,
): { kind: "run"; runId: number } | { kind: "media"; mediaId: string } {
  const value = raw.trim();
  if (!/^\d+$/u.test(value)) {
    throw new AppError(
      "invalid_input",
      `"${raw}" is neither a run id nor a Threads media id: give the number of a run or the digits of a post's media id.`,
      { field: "target", hint: { action: "list", what: "run" } },
    );
  }
  if (value.length <= 12) return { kind: "run", runId: Number(value) };
  return { kind: "media", mediaId: value };
}

/** Meta's `ghost_post_status` lower-cased; without one, "archived" from the expiry on, else "active". */
export function ghostStatus(sent: string | undefined, expiresAt: number | null, now: number): string {
  if (sent) return sent.toLowerCase();
  if (expiresAt === null) return "unknown";
  return now >= expiresAt ? "archived" : "active";
}
