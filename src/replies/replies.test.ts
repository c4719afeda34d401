import { describe, expect, it } from "vitest";
import { hintSentence } from "../cli/hints.js";
import type { AppError } from "../errors.js";
import { mediaTypeInWords } from "../threads/media-types.js";
import { GHOST_LIFETIME_MS, ghostStatus, resolveTarget } from "./replies.js";

describe("replies rules", () => {
  it("tells a run id from a Threads media id by length", () => {
    expect(resolveTarget("42")).toEqual({ kind: "run", runId: 42 });
    expect(resolveTarget(" 999999999999 ")).toEqual({ kind: "run", runId: 999_999_999_999 });
    expect(resolveTarget("18050060662646001")).toEqual({ kind: "media", mediaId: "18050060662646001" });
    expect(() => resolveTarget("run-4")).toThrow(/neither a run id nor a Threads media id/);
    // The service message names no command: the next step is a hint each surface words.
    const error = (() => {
      try {
        resolveTarget("run-4");
      } catch (e) {
        return e as AppError;
      }
    })();
    expect(error).toMatchObject({ field: "target", hint: { action: "list", what: "run" } });
    expect(error?.message).not.toMatch(/`/);
    expect(`${error?.message}${hintSentence(error?.hint)}`).toContain(
      "Run `threads-scheduler runs` to see the existing ones.",
    );
  });

  it("a ghost post's status: Meta's, else by its expiry", () => {
    const now = 1_000_000_000_000;
    expect(ghostStatus("ACTIVE", null, now)).toBe("active");
    expect(ghostStatus("ARCHIVED", now + 1, now)).toBe("archived");
    expect(ghostStatus(undefined, now + GHOST_LIFETIME_MS, now)).toBe("active");
    expect(ghostStatus(undefined, now, now)).toBe("archived");
    expect(ghostStatus(undefined, null, now)).toBe("unknown");
  });

  it("says Meta's media types in words", () => {
    expect(
      ["TEXT_POST", "IMAGE", "VIDEO", "CAROUSEL_ALBUM", "AUDIO", "REPOST_FACADE", "GIF", "NEW_KIND"].map(
        mediaTypeInWords,
      ),
    ).toEqual(["text", "image", "video", "carousel", "audio", "repost", "GIF", "new_kind"]);
    expect(mediaTypeInWords(undefined)).toBeUndefined();
  });
});
