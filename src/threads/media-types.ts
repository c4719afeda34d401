/**
 * Meta's `media_type` values as read back (retrieve-posts page: TEXT_POST, IMAGE, VIDEO, CAROUSEL_ALBUM, AUDIO,
 * REPOST_FACADE; "TEXT_POST for posts containing GIFs and polls"; GIF kept for older answers), in words for
 * listings. Pure.
 */
const WORDS: Record<string, string> = {
  TEXT_POST: "text",
  TEXT: "text",
  IMAGE: "image",
  VIDEO: "video",
  CAROUSEL_ALBUM: "carousel",
  CAROUSEL: "carousel",
  AUDIO: "audio",
  REPOST_FACADE: "repost",
  GIF: "GIF",
};

/** "text", "image", "carousel", "repost", …; an unknown type as sent, lower-cased; undefined stays undefined. */
export function mediaTypeInWords(mediaType: string | undefined): string | undefined {
  if (mediaType === undefined || mediaType === "") return undefined;
  return WORDS[mediaType] ?? mediaType.toLowerCase();
}
