import { describe, expect, it } from "vitest";
import { describeContainerFailure } from "./container-failure.js";

describe("describeContainerFailure", () => {
  it.each([
    ["FAILED_DOWNLOADING_VIDEO", "Threads could not download the video; check that its URL is public."],
    ["INVALID_ASPEC_RATIO", "the aspect ratio is not accepted (at most 10:1 for images)."],
    ["INVALID_DURATION", "videos may be at most 300 seconds long."],
    ["INVALID_FRAME_RATE", "videos need 23 to 60 frames per second."],
    ["INVALID_BIT_RATE", "the video bit rate is not accepted."],
  ])("names the limit that %s broke", (code, hint) => {
    expect(describeContainerFailure({ status: "ERROR", error_message: code })).toBe(
      `Threads could not process the media (${code}): ${hint}`,
    );
  });

  it("falls back to the media limits for any other code, or none", () => {
    expect(describeContainerFailure({ status: "ERROR", error_message: "UNKNOWN" })).toBe(
      "Threads could not process the media (UNKNOWN): check that the media URL is public and the file meets Threads' limits (JPEG/PNG ≤ 8 MB; MP4/MOV H.264 ≤ 1 GB).",
    );
    expect(describeContainerFailure({ status: "ERROR" })).toMatch(
      /^Threads could not process the media \(ERROR\): check/,
    );
  });

  it("says a published container must not be published twice", () => {
    expect(describeContainerFailure({ status: "PUBLISHED" })).toMatch(
      /already published; .*not be published twice/,
    );
  });
});
