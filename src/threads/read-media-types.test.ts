import { describe, expect, it } from "vitest";
import { postKindOf, toThreadsPage } from "./response-mappers.js";

describe("read-back media types", () => {
  it("maps each type Meta reads back to what it was created as", () => {
    expect(
      ["TEXT_POST", "IMAGE", "VIDEO", "CAROUSEL_ALBUM", "AUDIO", "REPOST_FACADE", "TEXT", "CAROUSEL"].map(
        postKindOf,
      ),
    ).toEqual(["TEXT", "IMAGE", "VIDEO", "CAROUSEL", "AUDIO", "REPOST", "TEXT", "CAROUSEL"]);
    expect(postKindOf("GIF")).toBeUndefined();
    expect(postKindOf(undefined)).toBeUndefined();
    expect(postKindOf("toString")).toBeUndefined();
  });

  it("reads reposted_post and quoted_post ids as strings", () => {
    const page = toThreadsPage({
      data: [
        { id: 1, media_type: "REPOST_FACADE", reposted_post: { id: 42 } },
        { id: "2", media_type: "TEXT_POST", is_quote_post: true, quoted_post: { id: "7" } },
        { id: "3", media_type: "TEXT_POST", quoted_post: {} },
      ],
    });
    expect(page.data).toEqual([
      { id: "1", media_type: "REPOST_FACADE", reposted_post: { id: "42" } },
      { id: "2", media_type: "TEXT_POST", is_quote_post: true, quoted_post: { id: "7" } },
      { id: "3", media_type: "TEXT_POST" },
    ]);
  });
});
