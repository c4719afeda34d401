/**
 * The sandbox's own copy of Meta's rules for the post options (GIFs, ghost posts, location tags, reply
 * approvals, geo-gating, share to Instagram Stories): not the client's validators, so that a mistake in one
 * shows up as a disagreement (test/sandbox-meta-rules.test.ts). Errors are Meta's code-100 shape.
 *
 * Meta states: ghost posts are TEXT only, never a reply, and combine only with text spoilers; GIFs are TEXT
 * posts from GIPHY (the changelog of 27 Feb 2026: Tenor sunset by 31 March 2026). UNVERIFIED here and easy to
 * change: the exact messages and codes, a GIF with a poll or a link attachment (refused), the spellings of
 * `allowlisted_country_codes` accepted (comma-separated or a JSON array), a reply setting on a ghost post
 * (only "everyone"), and the 24 h archive of a ghost post by the sandbox clock.
 */
import { invalidParam, MetaError } from "./errors.js";
import { isKnownLocation, PLACES } from "./locations.js";
import { nonEmpty, parseBool } from "./params.js";
import { ghostStatusOf } from "./replies.js";
import type { SandboxState } from "./state.js";
import type { CreateMediaType, UserRecord } from "./types.js";

/** The options as the sandbox stores them on the container (and then the media). */
export interface OptionInput {
  gif?: { gifId: string; provider: string };
  isGhostPost?: boolean;
  locationId?: string;
  replyApprovals?: boolean;
  allowlistedCountryCodes?: string[];
  crossreshareToIg?: boolean;
}

/** The option fields, as containers and media carry them (ContainerRecord / MediaRecord). */
export const OPTION_KEYS = [
  "gif",
  "isGhostPost",
  "locationId",
  "replyApprovals",
  "allowlistedCountryCodes",
  "crossreshareToIg",
] as const satisfies ReadonlyArray<keyof OptionInput>;

/** What the option rules need of the rest of the container. */
export interface OptionContext {
  mediaType: CreateMediaType;
  replyToId?: string;
  replyControl?: string;
  linkAttachment?: string;
  hasPoll: boolean;
}

/** ISO 3166-1 alpha-2, officially assigned (249), the sandbox's own list. */
const COUNTRIES = new Set(
  (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
    "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
    "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
    "KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT " +
    "MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
    "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG " +
    "UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
  ).split(" "),
);

/** Checks the option parameters of `POST /{user-id}/threads` (stateless), Meta's way. */
export function validateOptionParams(p: Record<string, string>, ctx: OptionContext): OptionInput {
  const out: OptionInput = {};
  const gifRaw = nonEmpty(p.gif_attachment);
  if (gifRaw !== undefined) out.gif = parseGif(gifRaw, ctx);
  if (parseBool(p, "is_ghost_post")) out.isGhostPost = true;
  const locationId = nonEmpty(p.location_id);
  if (locationId !== undefined) {
    if (!isKnownLocation(locationId.trim())) {
      throw invalidParam(
        `location_id "${locationId}" is not a valid location id.`,
        "Find the place with GET /location_search and use the id it returns.",
      );
    }
    out.locationId = locationId.trim();
  }
  if (parseBool(p, "enable_reply_approvals")) out.replyApprovals = true;
  const codes = nonEmpty(p.allowlisted_country_codes);
  if (codes !== undefined) out.allowlistedCountryCodes = parseCountries(codes);
  if (parseBool(p, "crossreshare_to_ig")) out.crossreshareToIg = true;
  if (out.isGhostPost) checkGhost(p, ctx, out);
  return out;
}

/** The checks that need state: who the user is (geo-gating eligibility), what a reply replies to. */
export function checkOptionsAgainstState(
  state: SandboxState,
  user: UserRecord,
  input: OptionInput & { replyToId?: string },
  now: number,
): void {
  if (input.allowlistedCountryCodes !== undefined && user.geoGatingEligible !== true) {
    throw new MetaError({
      code: 100,
      message:
        "(#100) allowlisted_country_codes is not available for this profile: it is not eligible for geo-gating.",
      userTitle: "Geo-gating not available",
      userMsg:
        "This profile cannot limit posts to countries. Check is_eligible_for_geo_gating on GET /me, or post without allowlisted_country_codes.",
    });
  }
  if (input.replyToId !== undefined) {
    const target = state.media.get(input.replyToId);
    if (target && ghostStatusOf(target, now) === "ARCHIVED") {
      throw invalidParam(
        `reply_to_id "${input.replyToId}" is an archived ghost post; it cannot be replied to.`,
        "Ghost posts are archived 24 hours after they are published and take no replies after that.",
      );
    }
  }
}

/**
 * The permission a container's options need beyond publishing: `threads_location_tagging` for a location tag
 * (Meta's location tagging page), `threads_share_to_instagram` to share to Instagram Stories (Meta's share to
 * IG stories page).
 */
export function scopesForOptions(input: OptionInput): string[] {
  return [
    ...(input.locationId === undefined ? [] : ["threads_location_tagging"]),
    ...(input.crossreshareToIg === true ? ["threads_share_to_instagram"] : []),
  ];
}

/** The GIF's address as `gif_url` reads it back (a GIPHY-shaped URL built from the id; not fetched). */
export function gifUrlOf(gif: { gifId: string }): string {
  return `https://media.giphy.com/media/${encodeURIComponent(gif.gifId)}/giphy.gif`;
}

/** `location` on a post: the place's id and name (UNVERIFIED shape; threads-rs reads `location`). */
export function locationFieldOf(id: string): { id: string; name?: string } {
  const place = PLACES.find((p) => p.id === id);
  return place ? { id, name: place.name } : { id };
}

function parseGif(raw: string, ctx: OptionContext): { gifId: string; provider: string } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw invalidParam('gif_attachment must be a JSON object such as {"gif_id":"…","provider":"GIPHY"}.');
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw invalidParam("gif_attachment must be a JSON object with gif_id and provider.");
  }
  const { gif_id: gifId, provider } = value as Record<string, unknown>;
  if (typeof gifId !== "string" || gifId.trim() === "")
    throw invalidParam("gif_attachment.gif_id is required.");
  if (!/^[\w-]+$/u.test(gifId) || gifId.length > 128) {
    throw invalidParam(`gif_attachment.gif_id "${gifId}" is not a valid GIF id.`);
  }
  if (typeof provider === "string" && provider.toUpperCase() === "TENOR") {
    throw invalidParam(
      "gif_attachment.provider TENOR is no longer supported: the Tenor API was sunset on March 31, 2026.",
      "Use a GIF from GIPHY (provider GIPHY).",
    );
  }
  if (provider !== "GIPHY") {
    throw invalidParam(`gif_attachment.provider must be GIPHY (got ${JSON.stringify(provider ?? null)}).`);
  }
  if (ctx.mediaType !== "TEXT") throw invalidParam("gif_attachment is only supported for TEXT posts.");
  if (ctx.hasPoll) throw invalidParam("gif_attachment cannot be combined with poll_attachment.");
  if (ctx.linkAttachment !== undefined) {
    throw invalidParam("gif_attachment cannot be combined with link_attachment.");
  }
  return { gifId, provider };
}

/** Meta: "The only feature supported with ghost posts is text spoilers." */
function checkGhost(p: Record<string, string>, ctx: OptionContext, out: OptionInput): void {
  if (ctx.mediaType !== "TEXT") throw invalidParam("Ghost posts can only be TEXT posts.");
  if (ctx.replyToId !== undefined) {
    throw invalidParam(
      "You cannot reply to a post with a ghost post.",
      "Remove is_ghost_post or reply_to_id.",
    );
  }
  const others: Array<[string, boolean]> = [
    ["poll_attachment", ctx.hasPoll],
    ["link_attachment", ctx.linkAttachment !== undefined],
    ["text_attachment", nonEmpty(p.text_attachment) !== undefined],
    ["gif_attachment", out.gif !== undefined],
    ["quote_post_id", nonEmpty(p.quote_post_id) !== undefined],
    ["topic_tag", nonEmpty(p.topic_tag) !== undefined],
    ["location_id", out.locationId !== undefined],
    ["enable_reply_approvals", out.replyApprovals === true],
    ["allowlisted_country_codes", out.allowlistedCountryCodes !== undefined],
    ["crossreshare_to_ig", out.crossreshareToIg === true],
    ["reply_control", ctx.replyControl !== undefined && ctx.replyControl !== "everyone"],
  ];
  const present = others.filter(([, on]) => on).map(([name]) => name);
  if (present.length > 0) {
    throw invalidParam(
      `The only feature supported with ghost posts is text spoilers (text_entities); remove ${present.join(", ")}.`,
    );
  }
}

function parseCountries(raw: string): string[] {
  let codes: unknown[];
  if (raw.trim().startsWith("[")) {
    try {
      codes = JSON.parse(raw);
    } catch {
      throw invalidParam(
        "allowlisted_country_codes must be a comma-separated list or a JSON array of codes.",
      );
    }
    if (!Array.isArray(codes)) throw invalidParam("allowlisted_country_codes must be a list of codes.");
  } else {
    codes = raw.split(",").map((c) => c.trim());
  }
  const invalid = codes.filter((c) => typeof c !== "string" || !COUNTRIES.has(c));
  if (codes.length === 0 || invalid.length > 0) {
    throw invalidParam(
      `allowlisted_country_codes contains invalid country codes: ${invalid.map((c) => JSON.stringify(c)).join(", ")}.`,
      "Use ISO 3166-1 alpha-2 country codes in capitals, such as US or JP.",
    );
  }
  return [...new Set(codes as string[])];
}
