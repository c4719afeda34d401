import { describe, expect, it } from "vitest";
import {
  mustAskForQuota,
  POST_QUOTA,
  QUOTA_MARGIN,
  quotaNeedOf,
  quotaShortfall,
  REPLY_QUOTA,
  usedUpQuota,
} from "./quota.js";
import type { PublishingLimit } from "./types.js";

const limit = (posts: number, replies: number): PublishingLimit => ({
  quotaUsage: posts,
  quotaTotal: POST_QUOTA,
  replyQuotaUsage: replies,
  replyQuotaTotal: REPLY_QUOTA,
  quotaDuration: 86_400,
  deleteQuotaUsage: 0,
  deleteQuotaTotal: 100,
});

describe("quotaNeedOf", () => {
  it("counts a chain's root as a post and every later part as a reply", () => {
    expect(quotaNeedOf([0, 1, 2])).toEqual({ posts: 1, replies: 2 });
    expect(quotaNeedOf([2, 3])).toEqual({ posts: 0, replies: 2 });
    expect(quotaNeedOf([0])).toEqual({ posts: 1, replies: 0 });
  });
});

describe("mustAskForQuota", () => {
  it("trusts our own count far from the caps and asks Threads within the margin", () => {
    const post = { posts: 1, replies: 0 };
    expect(mustAskForQuota({ posts: 0, replies: 0 }, post)).toBe(false);
    expect(mustAskForQuota({ posts: POST_QUOTA - QUOTA_MARGIN - 2, replies: 0 }, post)).toBe(false);
    expect(mustAskForQuota({ posts: POST_QUOTA - QUOTA_MARGIN - 1, replies: 0 }, post)).toBe(true);
    expect(
      mustAskForQuota({ posts: 0, replies: REPLY_QUOTA - QUOTA_MARGIN - 2 }, { posts: 0, replies: 2 }),
    ).toBe(true);
  });
});

describe("quotaShortfall", () => {
  it("says which cap leaves no room, with Threads' own figures", () => {
    expect(quotaShortfall(limit(249, 0), { posts: 1, replies: 0 })).toBeUndefined();
    expect(quotaShortfall(limit(250, 0), { posts: 1, replies: 0 })).toBe(
      "publishing quota reached (250/250 posts in 24 h)",
    );
    expect(quotaShortfall(limit(250, 0), { posts: 0, replies: 3 })).toBeUndefined();
    expect(quotaShortfall(limit(0, 998), { posts: 1, replies: 3 })).toBe(
      "reply quota reached (998/1000 replies in 24 h)",
    );
  });
});

describe("usedUpQuota", () => {
  it("names the quota that is used up, posts first", () => {
    expect(usedUpQuota(limit(10, 10))).toBeUndefined();
    expect(usedUpQuota(limit(250, 1000))).toBe("post");
    expect(usedUpQuota(limit(0, 1000))).toBe("reply");
  });
});
