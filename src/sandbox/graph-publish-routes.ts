import type { Hono } from "hono";
import { authenticate, requireSelf } from "./auth.js";
import {
  createContainer,
  POST_QUOTA,
  publishContainer,
  QUOTA_WINDOW_MS,
  quotaUsage,
  REPLY_QUOTA,
  startDownload,
} from "./containers.js";
import type { SandboxContext } from "./context.js";
import { DELETE_QUOTA, deleteUsage } from "./deletes.js";
import { invalidParam, permissionMissing } from "./errors.js";
import { parseFields } from "./fields.js";
import { validateContainerParams } from "./validate.js";
import { scopesForOptions } from "./validate-options.js";

/** Container creation, publishing and the publishing limit. */
export function registerPublishRoutes(app: Hono, ctx: SandboxContext): void {
  app.post("/v1.0/:id/threads", async function createMediaContainer(c) {
    const caller = await authenticate(c, ctx, "threads_content_publish");
    requireSelf(caller, c.req.param("id"), "post");
    const input = validateContainerParams(caller.params);
    if (input.replyToId !== undefined && !caller.token.scopes.includes("threads_manage_replies")) {
      throw permissionMissing("threads_manage_replies");
    }
    for (const scope of scopesForOptions(input)) {
      if (!caller.token.scopes.includes(scope)) throw permissionMissing(scope);
    }
    const now = ctx.clock.now();
    const container = createContainer(ctx.state, caller.user, input, now, ctx.mediaProcessingMs);
    if (container.download.state === "pending")
      trackDownload(ctx, startDownload(ctx.state, container, ctx.fetchMedia));
    if (input.autoPublishText) {
      const media = publishContainer(ctx.state, caller.user, container.id, now);
      return c.json({ id: media.id });
    }
    return c.json({ id: container.id });
  });

  app.post("/v1.0/:id/threads_publish", async function publishMedia(c) {
    const caller = await authenticate(c, ctx, "threads_content_publish");
    requireSelf(caller, c.req.param("id"), "post");
    const creationId = caller.params.creation_id?.trim();
    if (!creationId) throw invalidParam("The parameter creation_id is required.");
    const media = publishContainer(ctx.state, caller.user, creationId, ctx.clock.now());
    return c.json({ id: media.id });
  });

  app.get("/v1.0/:id/threads_publishing_limit", async function publishingLimit(c) {
    const caller = await authenticate(c, ctx, "threads_content_publish");
    requireSelf(caller, c.req.param("id"), "get");
    const usage = quotaUsage(ctx.state, caller.user.id, ctx.clock.now());
    const duration = QUOTA_WINDOW_MS / 1000;
    const values: Record<string, unknown> = {
      quota_usage: usage.posts,
      config: { quota_total: POST_QUOTA, quota_duration: duration },
      reply_quota_usage: usage.replies,
      reply_config: { quota_total: REPLY_QUOTA, quota_duration: duration },
      delete_quota_usage: deleteUsage(ctx.state, caller.user.id, ctx.clock.now()),
      delete_config: { quota_total: DELETE_QUOTA, quota_duration: duration },
    };
    const fields = caller.params.fields
      ? parseFields(caller.params.fields)
      : ["quota_usage", "config", "reply_quota_usage", "reply_config"];
    const row: Record<string, unknown> = {};
    for (const field of fields) {
      if (!(field in values)) {
        throw invalidParam(`Unknown field ${field}; valid fields are ${Object.keys(values).join(", ")}.`);
      }
      row[field] = values[field];
    }
    return c.json({ data: [row] });
  });
}

function trackDownload(ctx: SandboxContext, download: Promise<void>): void {
  ctx.downloads.add(download);
  void download.finally(() => ctx.downloads.delete(download));
}
