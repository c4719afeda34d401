import type { Hono } from "hono";
import { escapeHtml } from "../html.js";
import type { SandboxContext } from "./context.js";
import { metaTimestamp } from "./errors.js";
import { ghostStatusOf } from "./replies.js";
import type { SandboxState } from "./state.js";
import type { MediaRecord, SandboxTextAttachment } from "./types.js";
import { gifUrlOf, locationFieldOf } from "./validate-options.js";

/**
 * Sandbox posts have permalinks on the sandbox itself, in Threads' own shape (`/@user/post/{shortcode}`), so
 * that a link in `runs` or on the status page opens a page that exists instead of a threads.net address that
 * does not. The page is plain HTML: who posted, when, the text, the media, and the chain around it.
 */
export function permalinkOf(baseUrl: string, username: string, shortcode: string): string {
  return `${baseUrl}/@${encodeURIComponent(username)}/post/${shortcode}`;
}

export function registerPostPages(app: Hono, ctx: SandboxContext): void {
  app.get("/:handle{@[^/]+}/post/:shortcode", function postPage(c) {
    const username = decodeURIComponent(c.req.param("handle").slice(1));
    const shortcode = c.req.param("shortcode");
    const base = ctx.baseUrl ?? new URL(c.req.url).origin;
    const media = findPost(ctx.state, username, shortcode);
    const headers = { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" };
    if (!media) {
      return c.body(page("Not found", notFoundBody(username, shortcode)), 404, headers);
    }
    return c.body(
      page(`@${username}`, postBody(ctx.state, media, username, base, ctx.clock.now())),
      200,
      headers,
    );
  });
}

function findPost(state: SandboxState, username: string, shortcode: string): MediaRecord | undefined {
  const user = state.userByName(username);
  if (!user) return undefined;
  for (const m of state.media.values()) {
    if (m.shortcode === shortcode && m.userId === user.id && m.parentId === undefined) {
      return m.deletedAt === undefined ? m : undefined;
    }
  }
  return undefined;
}

function postBody(
  state: SandboxState,
  media: MediaRecord,
  username: string,
  base: string,
  now: number,
): string {
  const linkTo = (m: MediaRecord) =>
    permalinkOf(base, state.users.get(m.userId)?.username ?? username, m.shortcode);
  const parent = media.replyToId === undefined ? undefined : state.media.get(media.replyToId);
  const replies = [...state.media.values()].filter(
    (m) => m.replyToId === media.id && m.deletedAt === undefined,
  );
  const items = media.children.length > 0 ? media.children.map((id) => state.media.get(id)!) : [media];
  const mediaHtml = items
    .filter((m) => m.mediaUrl !== undefined)
    .map((m) =>
      m.mediaType === "VIDEO"
        ? `<video controls src="${escapeHtml(m.mediaUrl!)}"></video>`
        : `<img src="${escapeHtml(m.mediaUrl!)}" alt="${escapeHtml(m.altText ?? "")}">`,
    )
    .join("");
  const poll = media.poll
    ? `<ul class="poll">${[media.poll.option_a, media.poll.option_b, media.poll.option_c, media.poll.option_d]
        .filter((o): o is string => !!o)
        .map((o) => `<li>${escapeHtml(o)}</li>`)
        .join("")}</ul>`
    : "";
  const reposted = media.repostedPostId === undefined ? undefined : state.media.get(media.repostedPostId);
  const quoted = media.quotePostId === undefined ? undefined : state.media.get(media.quotePostId);
  const extras = [
    reposted
      ? `<p class="meta">🔁 reposted <a href="${escapeHtml(linkTo(reposted))}">@${escapeHtml(state.users.get(reposted.userId)?.username ?? "")}'s post</a></p>`
      : "",
    quoted
      ? `<p class="meta">❝ quoting <a href="${escapeHtml(linkTo(quoted))}">@${escapeHtml(state.users.get(quoted.userId)?.username ?? "")}'s post</a></p>`
      : "",
    media.topicTag ? `<p class="meta">#${escapeHtml(media.topicTag)}</p>` : "",
    media.linkAttachment
      ? `<p class="meta">🔗 <a href="${escapeHtml(media.linkAttachment)}">${escapeHtml(media.linkAttachment)}</a></p>`
      : "",
  ].join("");
  return `<p class="badge">Threads sandbox — サンドボックス: this post is not on Threads / Threads には公開されていません</p>
${parent ? `<p class="meta">↩︎ reply to <a href="${escapeHtml(linkTo(parent))}">the previous post</a></p>` : ""}
<article>
<p class="who">@${escapeHtml(username)} · <time datetime="${new Date(media.publishedAt).toISOString()}">${metaTimestamp(media.publishedAt)}</time></p>
${media.text === undefined ? "" : `<p class="text">${textWithSpoilers(media)}</p>`}
${media.textAttachment ? textAttachmentHtml(media.textAttachment) : ""}
${mediaHtml ? `<div class="media${media.isSpoilerMedia ? ' spoiler-media" tabindex="0" title="spoiler — click to reveal / ネタバレ' : ""}">${mediaHtml}</div>` : ""}${poll}${extras}${optionsHtml(media, now)}
<p class="meta">id ${escapeHtml(media.id)} · ${escapeHtml(media.mediaType)} · replies: ${escapeHtml(media.replyControl)}</p>
</article>
${replies.map((r) => `<p class="meta">↪︎ <a href="${escapeHtml(linkTo(r))}">reply: ${escapeHtml((r.text ?? r.mediaType).slice(0, 60))}</a></p>`).join("\n")}`;
}

/** The post options: the GIF, the place, a ghost badge, reply approvals, the countries, the Instagram share. */
function optionsHtml(media: MediaRecord, now: number): string {
  const ghost = ghostStatusOf(media, now);
  const place = media.locationId ? locationFieldOf(media.locationId) : undefined;
  return [
    media.gif
      ? `<div class="media"><img class="gif" src="${escapeHtml(gifUrlOf(media.gif))}" alt="GIF ${escapeHtml(media.gif.gifId)} (${escapeHtml(media.gif.provider)})"></div>`
      : "",
    ghost === "ACTIVE"
      ? `<p class="badge ghost">👻 ghost post — archived 24 h after publishing / ゴースト投稿（24 時間後にアーカイブ）</p>`
      : "",
    ghost === "ARCHIVED"
      ? `<p class="badge ghost">👻 archived ghost post / アーカイブ済みのゴースト投稿</p>`
      : "",
    place
      ? `<p class="meta place">📍 ${escapeHtml(place.name ?? place.id)} <span>(location ${escapeHtml(place.id)})</span></p>`
      : "",
    media.replyApprovals ? `<p class="meta approvals">✋ replies need approval / 返信は承認制</p>` : "",
    media.allowlistedCountryCodes
      ? `<p class="meta countries">🌐 shown only in: ${escapeHtml(media.allowlistedCountryCodes.join(", "))} / 表示される国</p>`
      : "",
    media.crossreshareToIg
      ? `<p class="meta instagram">📷 shared to the Instagram Story of the linked account (none in the sandbox) / Instagram ストーリーズにシェア</p>`
      : "",
  ].join("");
}

/** A range of a text, in UTF-16 units, wrapped in `open`…`close`. */
interface Wrap {
  offset: number;
  length: number;
  open: string;
  close: string;
}

/** The text, escaped, with the ranges wrapped (ranges do not overlap: the sandbox refused those). */
function wrapRanges(text: string, wraps: Wrap[]): string {
  let html = "";
  let at = 0;
  for (const w of [...wraps].sort((a, b) => a.offset - b.offset)) {
    html += escapeHtml(text.slice(at, w.offset));
    html += `${w.open}${escapeHtml(text.slice(w.offset, w.offset + w.length))}${w.close}`;
    at = w.offset + w.length;
  }
  return html + escapeHtml(text.slice(at));
}

/** Text spoilers are hidden until clicked (focused) or hovered. */
function textWithSpoilers(media: MediaRecord): string {
  const spoilers = (media.textEntities ?? []).map((e) => ({
    offset: e.offset,
    length: e.length,
    open: '<span class="spoiler" tabindex="0" title="spoiler — click to reveal / ネタバレ">',
    close: "</span>",
  }));
  return wrapRanges(media.text ?? "", spoilers);
}

const STYLE_TAGS: Record<string, string> = {
  bold: "strong",
  italic: "em",
  highlight: "mark",
  underline: "u",
  strikethrough: "s",
};

/** The text attachment below the post's text: its styled plaintext and its link. */
function textAttachmentHtml(a: SandboxTextAttachment): string {
  const wraps = (a.styling ?? []).map((r) => {
    const tags = r.styling.map((s) => STYLE_TAGS[s] ?? "span");
    return {
      offset: r.offset,
      length: r.length,
      open: tags.map((t) => `<${t}>`).join(""),
      close: [...tags]
        .reverse()
        .map((t) => `</${t}>`)
        .join(""),
    };
  });
  const link = a.linkAttachmentUrl
    ? `<p class="meta">🔗 <a href="${escapeHtml(a.linkAttachmentUrl)}">${escapeHtml(a.linkAttachmentUrl)}</a></p>`
    : "";
  return `<div class="attachment"><p class="text">${wrapRanges(a.plaintext, wraps)}</p>${link}</div>`;
}

function notFoundBody(username: string, shortcode: string): string {
  return `<p class="badge">Threads sandbox</p>
<p>No post <code>${escapeHtml(shortcode)}</code> by @${escapeHtml(username)} in this sandbox. / この投稿はこのサンドボックスにありません。</p>`;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — Threads sandbox</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f4f4f5; margin: 0; padding: 2rem 1rem; color: #18181b; }
  main { max-width: 34rem; margin: 0 auto; background: #fff; border-radius: 12px; padding: 1.5rem; box-shadow: 0 1px 4px #0002; }
  .badge { display: inline-block; background: #fde68a; color: #78350f; border-radius: 6px; padding: .15rem .5rem; font-weight: 600; font-size: .85rem; }
  .who { font-weight: 600; }
  .text { white-space: pre-wrap; font-size: 1.05rem; }
  .media img, .media video { max-width: 100%; border-radius: 8px; margin: .25rem 0; display: block; }
  .meta { color: #52525b; font-size: .85rem; }
  .spoiler { background: #18181b; color: transparent; border-radius: 3px; cursor: pointer; }
  .spoiler:hover, .spoiler:focus { background: #e4e4e7; color: inherit; }
  .spoiler-media img, .spoiler-media video { filter: blur(24px); cursor: pointer; }
  .spoiler-media:hover img, .spoiler-media:focus img, .spoiler-media:hover video, .spoiler-media:focus video { filter: none; }
  .attachment { border: 1px solid #e4e4e7; border-radius: 8px; padding: .25rem .75rem; margin: .5rem 0; }
</style>
</head>
<body><main>
${body}
</main></body>
</html>
`;
}
