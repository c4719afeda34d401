import { describe, expect, it } from "vitest";
import { MEDIA_METRICS, type MediaFeatures, mediaMetricsAt } from "./insights.js";

const HOUR = 3_600_000;
// 12:00 UTC = 21:00 in Japan (evening peak); 18:00 UTC = 03:00 in Japan (night trough).
const EVENING = Date.UTC(2025, 0, 6, 12);
const NIGHT = Date.UTC(2025, 0, 6, 18);

const base: MediaFeatures = {
  mediaId: "1805000000000042",
  publishedAt: EVENING,
  mediaType: "TEXT",
  textLength: 120,
  isReply: false,
  linkCount: 0,
  hasTopicTag: false,
  hasPoll: false,
};

describe("mediaMetricsAt", () => {
  it("starts at zero and never decreases", () => {
    let previous = mediaMetricsAt(base, base.publishedAt);
    expect(Object.values(previous).every((v) => v === 0)).toBe(true);
    for (let t = 1; t <= 24 * 60; t += 7) {
      const now = mediaMetricsAt(base, base.publishedAt + t * HOUR);
      for (const metric of MEDIA_METRICS) expect(now[metric]).toBeGreaterThanOrEqual(previous[metric]);
      previous = now;
    }
    expect(previous.views).toBeGreaterThan(50);
    expect(previous.likes).toBeGreaterThan(0);
  });

  it("is deterministic for a media id and instant, and differs between ids", () => {
    const at = base.publishedAt + 5 * HOUR;
    expect(mediaMetricsAt(base, at)).toEqual(mediaMetricsAt({ ...base }, at));
    expect(mediaMetricsAt({ ...base, mediaId: "1805000000000043" }, at)).not.toEqual(
      mediaMetricsAt(base, at),
    );
  });

  it("depends on the hour of posting and on the content", () => {
    const views = (f: Partial<MediaFeatures>) =>
      mediaMetricsAt({ ...base, ...f }, (f.publishedAt ?? EVENING) + 48 * HOUR).views;
    expect(views({ publishedAt: EVENING })).toBeGreaterThan(views({ publishedAt: NIGHT }) * 3);
    expect(views({ mediaType: "VIDEO" })).toBeGreaterThan(views({ mediaType: "TEXT" }));
    expect(views({ isReply: true })).toBeLessThan(views({}));
    expect(views({ textLength: 140 })).toBeGreaterThan(views({ textLength: 480 }));
  });
});
