import { describe, expect, it } from "vitest";
import {
  toContainerState,
  toDebugTokenInfo,
  toPostInsights,
  toPublishingLimit,
  toThreadsPage,
  toTokenGrant,
  toUserInsights,
} from "./response-mappers.js";

describe("response mappers", () => {
  it("reads container states, and an unknown status as an error", () => {
    expect(toContainerState({ id: "1", status: "FINISHED" }, "1")).toEqual({ id: "1", status: "FINISHED" });
    expect(toContainerState({ id: "1", status: "ERROR", error_message: "INVALID_DURATION" }, "1")).toEqual({
      id: "1",
      status: "ERROR",
      error_message: "INVALID_DURATION",
    });
    expect(toContainerState({ id: "1", status: "WEIRD" }, "1").status).toBe("ERROR");
  });

  it("reads token grants and debug_token in milliseconds", () => {
    expect(toTokenGrant({ access_token: "t", user_id: 12345, expires_in: 5183944 })).toEqual({
      accessToken: "t",
      userId: "12345",
      expiresIn: 5183944,
    });
    expect(
      toDebugTokenInfo({
        data: {
          is_valid: true,
          expires_at: 1700000000,
          issued_at: 1690000000,
          scopes: ["threads_basic"],
          user_id: "9",
        },
      }),
    ).toEqual({
      isValid: true,
      expiresAt: 1700000000000,
      issuedAt: 1690000000000,
      scopes: ["threads_basic"],
      userId: "9",
    });
    expect(toDebugTokenInfo({ data: { is_valid: false, expires_at: 0 } })).toEqual({ isValid: false });
  });

  it("reads the publishing limit, with Meta's documented defaults for missing config", () => {
    expect(
      toPublishingLimit({
        data: [
          {
            quota_usage: 3,
            config: { quota_total: 250, quota_duration: 86400 },
            reply_quota_usage: 7,
            reply_config: { quota_total: 1000, quota_duration: 86400 },
            delete_quota_usage: 4,
            delete_config: { quota_total: 100, quota_duration: 86400 },
          },
        ],
      }),
    ).toEqual({
      quotaUsage: 3,
      quotaTotal: 250,
      replyQuotaUsage: 7,
      replyQuotaTotal: 1000,
      quotaDuration: 86400,
      deleteQuotaUsage: 4,
      deleteQuotaTotal: 100,
    });
    expect(toPublishingLimit({ data: [] }).quotaTotal).toBe(250);
  });

  it("returns a paging cursor only when there is a next page", () => {
    const data = [{ id: "1", text: "a" }];
    expect(
      toThreadsPage({ data, paging: { cursors: { before: "b", after: "c" }, next: "https://…" } }),
    ).toEqual({
      data,
      after: "c",
    });
    expect(toThreadsPage({ data, paging: { cursors: { before: "b", after: "c" } } })).toEqual({ data });
  });

  it("reads post insights from values or total_value", () => {
    expect(
      toPostInsights({
        data: [
          { name: "views", period: "lifetime", values: [{ value: 10 }] },
          { name: "likes", period: "lifetime", total_value: { value: 3 } },
        ],
      }),
    ).toEqual({ views: 10, likes: 3 });
  });

  it("reads user insights: a daily views series, totals and link clicks", () => {
    expect(
      toUserInsights({
        data: [
          {
            name: "views",
            period: "day",
            values: [
              { value: 4, end_time: "2025-01-01T08:00:00+0000" },
              { value: 6, end_time: "2025-01-02T08:00:00+0000" },
            ],
          },
          { name: "likes", total_value: { value: 5 } },
          {
            name: "clicks",
            link_total_values: [
              { value: 2, link_url: "a" },
              { value: 1, link_url: "b" },
            ],
          },
        ],
      }),
    ).toEqual({
      totals: { views: 10, likes: 5, clicks: 3 },
      views: [
        { value: 4, endTime: "2025-01-01T08:00:00+0000" },
        { value: 6, endTime: "2025-01-02T08:00:00+0000" },
      ],
    });
  });
});

describe("reply, place and ghost post answers (issue #12)", () => {
  it("reads replies with Meta's field names, and the cursor only with a next page", async () => {
    const { toRepliesPage } = await import("./response-mappers.js");
    const page = toRepliesPage({
      data: [
        {
          id: 178_900_001,
          text: "いいね",
          username: "fan_1",
          hide_status: "HIDDEN",
          has_replies: false,
          reply_approval_status: "pending",
          media_type: "TEXT_POST",
        },
      ],
      paging: { cursors: { after: "abc" } },
    });
    expect(page).toEqual({
      data: [
        {
          id: "178900001",
          text: "いいね",
          username: "fan_1",
          hideStatus: "HIDDEN",
          hasReplies: false,
          approvalStatus: "pending",
          mediaType: "TEXT_POST",
        },
      ],
    });
    expect(
      toRepliesPage({ data: [{ id: "1" }], paging: { cursors: { after: "c" }, next: "https://x" } }).after,
    ).toBe("c");
  });

  it("reads places with numeric ids (Meta's example) as strings and drops rows without an id", async () => {
    const { toPlaces } = await import("./response-mappers.js");
    expect(
      toPlaces({
        data: [
          { id: 12345, name: "Facebook Headquarters", latitude: "37.48", postal_code: "94025" },
          { name: "no id" },
        ],
      }),
    ).toEqual([{ id: "12345", name: "Facebook Headquarters", latitude: 37.48, postalCode: "94025" }]);
  });

  it("reads a ghost post's expiry in Meta's timestamp format", async () => {
    const { toGhostPostsPage, metaTimeToMs } = await import("./response-mappers.js");
    expect(metaTimeToMs("2026-01-02T03:04:05+0000")).toBe(Date.parse("2026-01-02T03:04:05Z"));
    expect(metaTimeToMs("2026-01-02T12:04:05+0900")).toBe(Date.parse("2026-01-02T03:04:05Z"));
    expect(metaTimeToMs(1_767_323_045)).toBe(1_767_323_045_000);
    expect(metaTimeToMs("soon")).toBeUndefined();
    expect(
      toGhostPostsPage({
        data: [
          {
            id: "5",
            ghost_post_status: "ACTIVE",
            ghost_post_expiration_timestamp: "2026-01-02T03:04:05+0000",
          },
        ],
      }),
    ).toEqual({ data: [{ id: "5", status: "ACTIVE", expiresAt: Date.parse("2026-01-02T03:04:05Z") }] });
  });
});
