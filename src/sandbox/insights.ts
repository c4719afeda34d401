/**
 * Synthetic but plausible insights, pure and seeded: the numbers depend only on the media id, its content,
 * when it was published and the instant asked about. Every count is floor(constant × g(t)) with g
 * non-decreasing, so a metric never goes down as time passes.
 */

export const MEDIA_METRICS = ["views", "likes", "replies", "reposts", "quotes", "shares"] as const;
export type MediaMetric = (typeof MEDIA_METRICS)[number];

export interface MediaFeatures {
  mediaId: string;
  publishedAt: number;
  mediaType: "TEXT" | "IMAGE" | "VIDEO" | "CAROUSEL";
  textLength: number;
  isReply: boolean;
  linkCount: number;
  hasTopicTag: boolean;
  hasPoll: boolean;
}

const HOUR_MS = 3_600_000;

/** FNV-1a, enough to seed a PRNG from an id. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: small, fast, good enough for synthetic data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Relative reach by hour of posting in Japan time (the project's users post mostly to a Japanese audience):
// morning commute, lunch and evening peaks, a trough before dawn.
const HOUR_FACTOR = [
  0.55, 0.4, 0.28, 0.2, 0.18, 0.25, 0.45, 0.8, 0.95, 0.8, 0.72, 0.85, 1.15, 1.0, 0.82, 0.8, 0.85, 0.95, 1.05,
  1.2, 1.35, 1.45, 1.3, 0.9,
];
const MEDIA_FACTOR = { TEXT: 1, IMAGE: 1.35, VIDEO: 1.6, CAROUSEL: 1.5 };

interface MediaProfile {
  reach: number;
  tauHours: number;
  rates: Record<Exclude<MediaMetric, "views">, number>;
  clickRate: number;
}

function profileOf(f: MediaFeatures): MediaProfile {
  const rnd = seededRandom(hashString(f.mediaId));
  // Log-normal spread: most posts are ordinary, a few take off.
  const gauss = Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const hour = (new Date(f.publishedAt).getUTCHours() + 9) % 24;
  const lengthFactor = 0.8 + 0.4 * Math.exp(-(((f.textLength - 140) / 130) ** 2));
  const reach =
    420 *
    Math.exp(0.6 * gauss) *
    HOUR_FACTOR[hour]! *
    lengthFactor *
    MEDIA_FACTOR[f.mediaType] *
    (f.isReply ? 0.3 : 1) *
    (f.linkCount > 0 ? 0.85 : 1) *
    (f.hasTopicTag ? 1.15 : 1);
  const visual = f.mediaType === "TEXT" ? 1 : 1.2;
  return {
    reach,
    tauHours: 3 + rnd() * 5,
    rates: {
      likes: (0.02 + rnd() * 0.05) * visual,
      replies: (0.003 + rnd() * 0.009) * (f.hasPoll ? 2 : 1),
      reposts: 0.002 + rnd() * 0.008,
      quotes: 0.0005 + rnd() * 0.0025,
      shares: (0.001 + rnd() * 0.005) * visual,
    },
    clickRate: 0.005 + rnd() * 0.025,
  };
}

/** Fraction of the final audience reached after t hours: a fast first day and a long tail. */
function growth(hours: number, tau: number): number {
  if (hours <= 0) return 0;
  return 0.8 * (1 - Math.exp(-hours / tau)) + 0.2 * (1 - Math.exp(-hours / (tau * 15)));
}

export function mediaMetricsAt(f: MediaFeatures, at: number): Record<MediaMetric, number> {
  const p = profileOf(f);
  const hours = (at - f.publishedAt) / HOUR_MS;
  const seen = growth(hours, p.tauHours);
  // Interactions trail views a little.
  const engaged = growth(hours, p.tauHours * 1.4);
  return {
    views: Math.floor(p.reach * seen),
    likes: Math.floor(p.reach * p.rates.likes * engaged),
    replies: Math.floor(p.reach * p.rates.replies * engaged),
    reposts: Math.floor(p.reach * p.rates.reposts * engaged),
    quotes: Math.floor(p.reach * p.rates.quotes * engaged),
    shares: Math.floor(p.reach * p.rates.shares * engaged),
  };
}

/** Clicks on one of the post's links (index = position among its unique links). */
export function linkClicksAt(f: MediaFeatures, linkIndex: number, at: number): number {
  const p = profileOf(f);
  const share = 1 / (1 + linkIndex);
  return Math.floor(p.reach * p.clickRate * share * growth((at - f.publishedAt) / HOUR_MS, p.tauHours));
}

/** A base audience per user plus followers won through views; never decreasing as views grow. */
export function followersCount(userId: string, totalViews: number): number {
  const base = 60 + (hashString(`followers:${userId}`) % 900);
  return base + Math.floor(totalViews * 0.003);
}

const DEMOGRAPHICS: Record<string, [string, number][]> = {
  country: [
    ["JP", 0.72],
    ["US", 0.08],
    ["TW", 0.06],
    ["KR", 0.05],
    ["TH", 0.04],
    ["BR", 0.05],
  ],
  city: [
    ["Tokyo, Tokyo", 0.38],
    ["Osaka, Osaka", 0.17],
    ["Yokohama, Kanagawa", 0.12],
    ["Nagoya, Aichi", 0.1],
    ["Fukuoka, Fukuoka", 0.09],
    ["Sapporo, Hokkaido", 0.14],
  ],
  age: [
    ["18-24", 0.22],
    ["25-34", 0.34],
    ["35-44", 0.24],
    ["45-54", 0.12],
    ["55-64", 0.06],
    ["65+", 0.02],
  ],
  gender: [
    ["F", 0.54],
    ["M", 0.43],
    ["U", 0.03],
  ],
};

export const DEMOGRAPHIC_BREAKDOWNS = Object.keys(DEMOGRAPHICS);

/** Followers split by country, city, age or gender, with a per-user seeded wobble. */
export function followerDemographics(
  userId: string,
  followers: number,
  breakdown: string,
): { value: string; count: number }[] {
  const rnd = seededRandom(hashString(`demo:${userId}:${breakdown}`));
  const rows = (DEMOGRAPHICS[breakdown] ?? []).map(([value, weight]) => ({
    value,
    weight: weight * (0.8 + 0.4 * rnd()),
  }));
  const total = rows.reduce((sum, row) => sum + row.weight, 0);
  return rows.map((row) => ({ value: row.value, count: Math.floor((followers * row.weight) / total) }));
}
