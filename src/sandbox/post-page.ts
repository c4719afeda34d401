import type { Hono } from "hono";
import { escapeHtml } from "../html.js";
import type { SandboxContext } from "./context.js";
import { metaTimestamp } from "./errors.js";
import type { SandboxState } from "./state.js";
import type { MediaRecord } from "./types.js";

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
    return c.body(page(`@${username}`, postBody(ctx.state, media, username, base)), 200, headers);
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

function postBody(state: SandboxState, media: MediaRecord, username: string, base: string): string {
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
  const extras = [
    media.topicTag ? `<p class="meta">#${escapeHtml(media.topicTag)}</p>` : "",
    media.linkAttachment
      ? `<p class="meta">🔗 <a href="${escapeHtml(media.linkAttachment)}">${escapeHtml(media.linkAttachment)}</a></p>`
      : "",
  ].join("");
  return `<p class="badge">Threads sandbox — サンドボックス: this post is not on Threads / Threads には公開されていません</p>
${parent ? `<p class="meta">↩︎ reply to <a href="${escapeHtml(linkTo(parent))}">the previous post</a></p>` : ""}
<article>
<p class="who">@${escapeHtml(username)} · <time datetime="${new Date(media.publishedAt).toISOString()}">${metaTimestamp(media.publishedAt)}</time></p>
${media.text === undefined ? "" : `<p class="text">${escapeHtml(media.text)}</p>`}
${mediaHtml ? `<div class="media">${mediaHtml}</div>` : ""}${poll}${extras}
<p class="meta">id ${escapeHtml(media.id)} · ${escapeHtml(media.mediaType)} · replies: ${escapeHtml(media.replyControl)}</p>
</article>
${replies.map((r) => `<p class="meta">↪︎ <a href="${escapeHtml(linkTo(r))}">reply: ${escapeHtml((r.text ?? r.mediaType).slice(0, 60))}</a></p>`).join("\n")}`;
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
</style>
</head>
<body><main>
${body}
</main></body>
</html>
`;
}
