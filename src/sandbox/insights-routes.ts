import type { Hono } from "hono";
import { authenticate, requireSelf } from "./auth.js";
import type { SandboxContext } from "./context.js";
import { invalidParam, metaTimestamp, unsupportedRequest } from "./errors.js";
import {
  DEMOGRAPHIC_BREAKDOWNS,
  followerDemographics,
  followersCount,
  linkClicksAt,
  MEDIA_METRICS,
  type MediaFeatures,
  type MediaMetric,
  mediaMetricsAt,
} from "./insights.js";
import { uniqueLinks } from "./links.js";
import { parseTime } from "./listing.js";
import { textLength } from "./text-length.js";
import type { MediaRecord } from "./types.js";

const USER_METRICS = [
  "views",
  "likes",
  "replies",
  "reposts",
  "quotes",
  "clicks",
  "followers_count",
  "follower_demographics",
];
/** Meta serves user insights from this instant on (13 April 2024). */
const EARLIEST_SINCE_S = 1712991600;
const DAY_MS = 86_400_000;

const TITLES: Record<string, [string, string]> = {
  views: ["Views", "The number of times your content was played or displayed."],
  likes: ["Likes", "The number of likes on your posts."],
  replies: ["Replies", "The number of replies on your posts."],
  reposts: ["Reposts", "The number of times your posts were reposted."],
  quotes: ["Quotes", "The number of times your posts were quoted."],
  shares: ["Shares", "The number of times your posts were shared."],
  clicks: ["Clicks", "The number of clicks on links in your posts."],
  followers_count: ["Followers", "Your total number of followers on Threads."],
  follower_demographics: ["Follower demographics", "The demographic characteristics of your followers."],
};

function featuresOf(m: MediaRecord): MediaFeatures {
  return {
    mediaId: m.id,
    publishedAt: m.publishedAt,
    mediaType: m.mediaType,
    textLength: textLength(m.text ?? ""),
    isReply: m.replyToId !== undefined,
    linkCount: uniqueLinks(m.text ?? "", m.linkAttachment ? [m.linkAttachment] : []).length,
    hasTopicTag: m.topicTag !== undefined,
    hasPoll: m.poll !== undefined,
  };
}

function parseMetrics(raw: string | undefined, allowed: readonly string[]): string[] {
  const metrics = (raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (metrics.length === 0)
    throw invalidParam(`The parameter metric is required (one or more of ${allowed.join(", ")}).`);
  metrics.forEach((metric, i) => {
    if (!allowed.includes(metric)) {
      throw invalidParam(`metric[${i}] must be one of the following values: ${allowed.join(", ")}`);
    }
  });
  return metrics;
}

function describe(id: string, name: string, period: string) {
  const [title, description] = TITLES[name] ?? [name, name];
  return { name, period, title, description, id: `${id}/insights/${name}/${period}` };
}

export function registerInsightsRoutes(app: Hono, ctx: SandboxContext): void {
  app.get("/v1.0/:id/insights", async function mediaInsights(c) {
    const caller = await authenticate(c, ctx, "threads_manage_insights");
    const id = c.req.param("id");
    const media = ctx.state.liveMedia(id);
    if (!media || media.userId !== caller.user.id || media.parentId !== undefined)
      throw unsupportedRequest("get", id);
    const metrics = parseMetrics(caller.params.metric, MEDIA_METRICS);
    const values = mediaMetricsAt(featuresOf(media), ctx.clock.now());
    return c.json({
      data: metrics.map((name) => ({
        ...describe(id, name, "lifetime"),
        values: [{ value: values[name as MediaMetric] }],
      })),
    });
  });

  app.get("/v1.0/:id/threads_insights", async function userInsights(c) {
    const caller = await authenticate(c, ctx, "threads_manage_insights");
    requireSelf(caller, c.req.param("id"), "get");
    const userId = caller.user.id;
    const params = caller.params;
    const metrics = parseMetrics(params.metric, USER_METRICS);
    const now = ctx.clock.now();
    const until = Math.min(parseTime(params.until, "until") ?? now, now);
    const since = parseTime(params.since, "since") ?? until - 2 * DAY_MS;
    if (since < EARLIEST_SINCE_S * 1000) {
      throw invalidParam(
        `since must be on or after ${EARLIEST_SINCE_S} (13 April 2024); earlier data is not available.`,
      );
    }
    if (since > until) throw invalidParam("since must be before until.");

    const posts = ctx.state.postsOf(userId).map((m) => ({ media: m, features: featuresOf(m) }));
    const gained = (name: MediaMetric, from: number, to: number) =>
      posts.reduce(
        (sum, p) => sum + mediaMetricsAt(p.features, to)[name] - mediaMetricsAt(p.features, from)[name],
        0,
      );
    const totalViews = posts.reduce((sum, p) => sum + mediaMetricsAt(p.features, until).views, 0);
    const followers = followersCount(userId, totalViews);

    const data = metrics.map((name) => {
      const base = describe(userId, name, "day");
      if (name === "views") return { ...base, values: dailyViews(since, until, gained) };
      if (name === "followers_count") return { ...base, total_value: { value: followers } };
      if (name === "clicks") return { ...base, link_total_values: linkClicks(posts, since, until) };
      if (name === "follower_demographics")
        return { ...base, total_value: demographics(userId, followers, params.breakdown) };
      return { ...base, total_value: { value: gained(name as MediaMetric, since, until) } };
    });
    return c.json({ data });
  });
}

/** One value per UTC day from since to until: views gained that day. */
function dailyViews(
  since: number,
  until: number,
  gained: (n: MediaMetric, from: number, to: number) => number,
) {
  const values: { value: number; end_time: string }[] = [];
  for (let dayStart = Math.floor(since / DAY_MS) * DAY_MS; dayStart < until; dayStart += DAY_MS) {
    const from = Math.max(dayStart, since);
    const to = Math.min(dayStart + DAY_MS, until);
    values.push({ value: gained("views", from, to), end_time: metaTimestamp(dayStart + DAY_MS) });
  }
  return values;
}

function linkClicks(posts: { media: MediaRecord; features: MediaFeatures }[], since: number, until: number) {
  const byUrl = new Map<string, number>();
  for (const { media, features } of posts) {
    const links = uniqueLinks(media.text ?? "", media.linkAttachment ? [media.linkAttachment] : []);
    links.forEach((url, i) => {
      const clicks = linkClicksAt(features, i, until) - linkClicksAt(features, i, since);
      byUrl.set(url, (byUrl.get(url) ?? 0) + clicks);
    });
  }
  return [...byUrl].map(([link_url, value]) => ({ value, link_url }));
}

function demographics(userId: string, followers: number, breakdown: string | undefined) {
  if (!breakdown || !DEMOGRAPHIC_BREAKDOWNS.includes(breakdown)) {
    throw invalidParam(`follower_demographics needs breakdown=${DEMOGRAPHIC_BREAKDOWNS.join("|")}.`);
  }
  if (followers < 100) {
    throw invalidParam(`follower_demographics needs at least 100 followers (this profile has ${followers}).`);
  }
  const results = followerDemographics(userId, followers, breakdown).map((row) => ({
    dimension_values: [row.value],
    value: row.count,
  }));
  return { breakdowns: [{ dimension_keys: [breakdown], results }] };
}
