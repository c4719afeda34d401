/**
 * What a container that ended other than FINISHED means, in words a user can act on. Meta reports media it
 * could not process as status ERROR with a code in `error_message` (FAILED_DOWNLOADING_VIDEO, INVALID_DURATION,
 * …); each code names one of Threads' media limits, which the hint states. Pure.
 */
import type { ContainerState } from "./types.js";

const ERROR_HINTS: Record<string, string> = {
  FAILED_DOWNLOADING_VIDEO: "Threads could not download the video; check that its URL is public.",
  INVALID_ASPEC_RATIO: "the aspect ratio is not accepted (at most 10:1 for images).",
  INVALID_DURATION: "videos may be at most 300 seconds long.",
  INVALID_FRAME_RATE: "videos need 23 to 60 frames per second.",
  INVALID_BIT_RATE: "the video bit rate is not accepted.",
};
const GENERIC_HINT =
  "check that the media URL is public and the file meets Threads' limits (JPEG/PNG ≤ 8 MB; MP4/MOV H.264 ≤ 1 GB).";

/** Why a container that did not become FINISHED cannot be published (EXPIRED aside: it is created again). */
export function describeContainerFailure(state: Pick<ContainerState, "status" | "error_message">): string {
  if (state.status === "PUBLISHED") {
    return "the container is already published; it must not be published twice.";
  }
  const reason = state.error_message ?? state.status;
  return `Threads could not process the media (${reason}): ${ERROR_HINTS[reason] ?? GENERIC_HINT}`;
}
