import type { Context, Hono } from "hono";
import type { CallLog } from "./call-log.js";
import type { FaultController, FaultRule } from "./faults.js";
import { ruleToJson } from "./faults.js";
import { SAMPLE_MEDIA } from "./sample-media.js";
import type { SandboxState } from "./state.js";
import type { PublishedRecord, TokenKind } from "./types.js";

export interface AdminApi {
  state: SandboxState;
  faults: FaultController;
  calls: CallLog;
  createUser(input: {
    username?: string;
    tokenKind?: TokenKind;
    tokenAgeMs?: number;
    geoGatingEligible?: boolean;
  }): {
    userId: string;
    username: string;
    accessToken: string;
    expiresAt: number;
    issuedAt: number;
  };
  published(userId?: string): PublishedRecord[];
  /** The sandbox instance's id: lets a process check that a URL serves the sandbox it expects. */
  instance: string;
  stateFile: string | undefined;
  setGeoGatingEligible(userId: string, eligible: boolean): boolean;
}

/** /__sandbox/*: what tests, benchmarks and the CLI demo use from other processes. Not part of Meta's API. */
export function registerAdminRoutes(app: Hono, api: AdminApi): void {
  app.post("/__sandbox/users", async function createUser(c) {
    const body = await jsonBody(c);
    const kind = body.token_kind ?? "long";
    if (kind !== "short" && kind !== "long") return bad(c, 'token_kind must be "short" or "long".');
    const age = body.token_age_seconds ?? 0;
    if (typeof age !== "number" || !(age >= 0)) return bad(c, "token_age_seconds must be a number ≥ 0.");
    if (body.username !== undefined && (typeof body.username !== "string" || body.username.trim() === "")) {
      return bad(c, "username must be a non-empty string.");
    }
    const geo = body.geo_gating_eligible;
    if (geo !== undefined && typeof geo !== "boolean")
      return bad(c, "geo_gating_eligible must be true or false.");
    const user = api.createUser({
      tokenKind: kind,
      tokenAgeMs: age * 1000,
      ...(geo === undefined ? {} : { geoGatingEligible: geo }),
      ...(typeof body.username === "string" ? { username: body.username.trim() } : {}),
    });
    return c.json(
      {
        user_id: user.userId,
        username: user.username,
        access_token: user.accessToken,
        expires_at: user.expiresAt,
        issued_at: user.issuedAt,
      },
      201,
    );
  });

  // Meta grants geo-gating per profile; tests and demos switch it here: {"eligible": true|false}.
  app.post("/__sandbox/users/:id/geo-gating", async function setGeoGating(c) {
    const body = await jsonBody(c);
    if (typeof body.eligible !== "boolean") return bad(c, 'Send {"eligible": true} or {"eligible": false}.');
    if (!api.setGeoGatingEligible(c.req.param("id"), body.eligible)) {
      return c.json({ error: `No sandbox user with id ${c.req.param("id")}.` }, 404);
    }
    return c.json({ user_id: c.req.param("id"), is_eligible_for_geo_gating: body.eligible });
  });

  app.get("/__sandbox/published", function listPublished(c) {
    return c.json(api.published(c.req.query("user_id") || undefined));
  });

  // Per-user first/last arrival and count of API calls (benchmarks measure "due → first call" with it).
  app.get("/__sandbox/calls", (c) => c.json(api.calls.toJson()));

  app.get("/__sandbox/faults", (c) => c.json(api.faults.list().map(ruleToJson)));
  app.post("/__sandbox/faults", async function addFault(c) {
    const body = (await jsonBody(c)) as unknown as FaultRule;
    try {
      return c.json(ruleToJson(api.faults.add(body)), 201);
    } catch (error) {
      return bad(c, (error as Error).message);
    }
  });
  app.delete("/__sandbox/faults", function clearFaults(c) {
    const cleared = api.faults.list().length;
    api.faults.clear();
    return c.json({ cleared });
  });

  app.get("/__sandbox/media/:name", function sampleMedia(c) {
    const media = SAMPLE_MEDIA[c.req.param("name")];
    if (!media) return c.json({ error: `No sample media named ${c.req.param("name")}.` }, 404);
    return c.body(new Uint8Array(media.bytes()), 200, {
      "content-type": media.contentType,
      "cache-control": "public, max-age=86400",
    });
  });

  app.get("/__sandbox/health", (c) =>
    c.json({
      ok: true,
      instance: api.instance,
      pid: process.pid,
      state_file: api.stateFile ?? null,
      users: api.state.users.size,
      containers: api.state.containers.size,
      media: api.state.media.size,
    }),
  );
}

async function jsonBody(
  c: Context,
): Promise<
  Record<string, unknown> & { username?: unknown; token_kind?: unknown; token_age_seconds?: unknown }
> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  try {
    const value = JSON.parse(text);
    return value && typeof value === "object" ? value : {};
  } catch {
    return {};
  }
}

function bad(c: Context, message: string): Response {
  return c.json({ error: message }, 400);
}
