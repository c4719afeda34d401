/** How the sandbox "downloads" an image_url / video_url, as Meta's servers would. */
export type FetchMedia = (url: string) => Promise<{ ok: boolean; contentType?: string }>;

const FETCH_TIMEOUT_MS = 10_000;

/** A real HTTP GET with a 10 s timeout; only the status and content type matter, so the body is dropped. */
export const defaultFetchMedia: FetchMedia = async function fetchMediaOverHttp(url) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: "follow" });
    await response.body?.cancel().catch(() => {});
    const contentType = response.headers.get("content-type");
    return contentType === null ? { ok: response.ok } : { ok: response.ok, contentType };
  } catch {
    return { ok: false };
  }
};
