/**
 * The OAuth permissions (scopes) this app asks an account for, each for a feature it has, and Meta's authorize
 * link that asks for them. Pure. A scope no feature uses is not asked for: Meta's app review wants a use for each.
 */
export const THREADS_SCOPES = [
  /** Always required: the profile, reading posts and ghost posts. */
  "threads_basic",
  /** Creating and publishing posts, reposts and quotes. */
  "threads_content_publish",
  /** Publishing replies (the later parts of a chain), hiding replies, approving or ignoring pending replies. */
  "threads_manage_replies",
  /** Reading replies: a post's replies and pending replies, reconciling a chain's parts. */
  "threads_read_replies",
  /** Post and account insights. */
  "threads_manage_insights",
  /** Deleting published posts (`DELETE /{media-id}`), by hand or after N hours. */
  "threads_delete",
  /** Location search and publishing with `location_id`. */
  "threads_location_tagging",
  /** Sharing a post to the linked Instagram account's story (`crossreshare_to_ig`). */
  "threads_share_to_instagram",
] as const;

export type ThreadsScope = (typeof THREADS_SCOPES)[number];

/** What each scope is needed for, in words for messages ("… needs threads_read_replies (reading replies)"). */
export const SCOPE_USES: Record<ThreadsScope, string> = {
  threads_basic: "the profile and reading posts",
  threads_content_publish: "publishing",
  threads_manage_replies: "replying and managing replies",
  threads_read_replies: "reading replies",
  threads_manage_insights: "insights",
  threads_delete: "deleting posts",
  threads_location_tagging: "location search and location tags",
  threads_share_to_instagram: "sharing to Instagram stories",
};

export interface AuthorizeLinkInput {
  /** The authorize page, e.g. "https://threads.com/oauth/authorize" (config THREADS_AUTHORIZE_URL). */
  authorizeUrl: string;
  appId: string;
  redirectUri: string;
  /** Echoed back on the redirect; the caller checks it (CSRF). */
  state: string;
  /** Default THREADS_SCOPES. */
  scopes?: readonly string[];
}

/** Meta's authorize link: `?client_id&redirect_uri&scope=a,b&response_type=code&state`. */
export function authorizeLink(input: AuthorizeLinkInput): string {
  const url = new URL(input.authorizeUrl);
  url.searchParams.set("client_id", input.appId);
  url.searchParams.set("redirect_uri", input.redirectUri);
  url.searchParams.set("scope", (input.scopes ?? THREADS_SCOPES).join(","));
  url.searchParams.set("response_type", "code");
  url.searchParams.set("state", input.state);
  return url.toString();
}
