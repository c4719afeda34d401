/**
 * Which earlier post a repost or quote schedule recycles (pure). The candidates are the account's own root
 * posts that this install published (the ledger); the rule restricts them to posts at least `minAgeMs` old,
 * not recycled within `cooldownMs`, and not excluded (a post with a live repost cannot be reposted again:
 * Threads' repost is a toggle; nor may a post another unfinished run of the account chose); then:
 * - `top`: the most viewed (then most liked, then the oldest), from the insights the caller read;
 * - `oldest`: evergreen rotation, the least recently recycled first (never recycled before any), and among
 *   equals the oldest post;
 * - `random`: a random post among the least recently recycled: the never recycled ones while there are any,
 *   else any eligible one.
 */
/** How a repost or quote schedule chooses its post: the one list (the database types import it; pure). */
export const RECYCLE_FROM = ["top", "oldest", "random"] as const;
export type RecycleFrom = (typeof RECYCLE_FROM)[number];
/** Defaults: posts a week old at least, and never the same post twice within 30 days. */
export const DEFAULT_RECYCLE_MIN_AGE_MINUTES = 7 * 24 * 60;
export const DEFAULT_RECYCLE_COOLDOWN_MINUTES = 30 * 24 * 60;

export interface RecycleCandidate {
  mediaId: string;
  /** When it was published (ms). */
  publishedAt: number;
}

export interface RecycleRule {
  from: RecycleFrom;
  minAgeMs: number;
  cooldownMs: number;
}

export interface RecycleInput {
  candidates: readonly RecycleCandidate[];
  /** When each post was last recycled (ms), by media id. */
  lastRecycled: ReadonlyMap<string, number>;
  /** Posts that may not be chosen (a live repost of them exists, or another unfinished run chose them). */
  excluded?: ReadonlySet<string>;
  /** `top`: the post's insights, by media id (missing: 0). */
  scores?: ReadonlyMap<string, { views?: number; likes?: number }>;
  now: number;
  random: () => number;
}

export type RecyclePick = { mediaId: string } | { none: string };

/** The candidates the rule allows, before any order (what `top` reads insights for). */
export function eligibleSources(rule: RecycleRule, input: Omit<RecycleInput, "random" | "scores">) {
  return input.candidates.filter((c) => {
    if (c.publishedAt > input.now - rule.minAgeMs) return false;
    if (input.excluded?.has(c.mediaId)) return false;
    const last = input.lastRecycled.get(c.mediaId);
    return last === undefined || last <= input.now - rule.cooldownMs;
  });
}

export function pickRecycleSource(rule: RecycleRule, input: RecycleInput): RecyclePick {
  if (input.candidates.length === 0) {
    return { none: "the account has no post published by this install to recycle" };
  }
  const eligible = eligibleSources(rule, input);
  if (eligible.length === 0) {
    return {
      none: `none of the account's ${input.candidates.length} post${input.candidates.length === 1 ? "" : "s"} is older than ${formatMinutes(rule.minAgeMs / 60_000)} and out of the ${formatMinutes(rule.cooldownMs / 60_000)} cooldown${input.excluded && input.excluded.size > 0 ? " (posts with a live repost or chosen by another unfinished run are left out)" : ""}`,
    };
  }
  const last = (c: RecycleCandidate) => input.lastRecycled.get(c.mediaId) ?? Number.NEGATIVE_INFINITY;
  const byAge = (a: RecycleCandidate, b: RecycleCandidate) =>
    a.publishedAt - b.publishedAt || (a.mediaId < b.mediaId ? -1 : a.mediaId > b.mediaId ? 1 : 0);
  switch (rule.from) {
    case "top": {
      const score = (c: RecycleCandidate) => input.scores?.get(c.mediaId) ?? {};
      const sorted = [...eligible].sort(
        (a, b) =>
          (score(b).views ?? 0) - (score(a).views ?? 0) ||
          (score(b).likes ?? 0) - (score(a).likes ?? 0) ||
          byAge(a, b),
      );
      return { mediaId: sorted[0]!.mediaId };
    }
    case "oldest": {
      const sorted = [...eligible].sort((a, b) => last(a) - last(b) || byAge(a, b));
      return { mediaId: sorted[0]!.mediaId };
    }
    case "random": {
      const fresh = eligible.filter((c) => !input.lastRecycled.has(c.mediaId));
      const pool = (fresh.length > 0 ? fresh : eligible).slice().sort(byAge);
      const index = Math.min(pool.length - 1, Math.floor(input.random() * pool.length));
      return { mediaId: pool[index]!.mediaId };
    }
  }
}

/** 10080 → "7d", 90 → "1h30m", 0 → "0m". */
export function formatMinutes(minutes: number): string {
  const m = Math.round(minutes);
  if (m === 0) return "0m";
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  const rest = m % 60;
  return `${d ? `${d}d` : ""}${h ? `${h}h` : ""}${rest ? `${rest}m` : ""}`;
}

/**
 * "7d", "36h", "90m", "1d12h" (or a bare number of days) → minutes; undefined when it is not a duration.
 * Full-width digits are read as ASCII.
 */
export function parseDurationMinutes(text: string): number | undefined {
  const t = text.normalize("NFKC").trim().toLowerCase();
  if (/^\d+$/.test(t)) return Number(t) * 1440;
  const match = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/.exec(t);
  if (!match || t === "") return undefined;
  const [, d, h, m] = match;
  return Number(d ?? 0) * 1440 + Number(h ?? 0) * 60 + Number(m ?? 0);
}
