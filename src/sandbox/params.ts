import type { Context } from "hono";
import { invalidParam } from "./errors.js";

const cache = new WeakMap<Request, Promise<Record<string, string>>>();

/**
 * Graph parameters from the query string and, for POST, a form or JSON body (the body wins).
 * JSON values are turned into the strings Meta would receive in a form: arrays joined by ",", objects
 * as JSON. Cached per request, so middleware and handlers can both read them.
 */
export function readParams(c: Context): Promise<Record<string, string>> {
  const request = c.req.raw;
  let params = cache.get(request);
  if (!params) {
    params = parse(c);
    cache.set(request, params);
  }
  return params;
}

async function parse(c: Context): Promise<Record<string, string>> {
  const out: Record<string, string> = { ...c.req.query() };
  if (c.req.method === "GET" || c.req.method === "HEAD") return out;
  const type = c.req.header("content-type") ?? "";
  if (type.includes("application/json")) {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw invalidParam("The request body is not valid JSON.");
    }
    if (body && typeof body === "object" && !Array.isArray(body)) {
      for (const [key, value] of Object.entries(body)) {
        if (value === null || value === undefined) continue;
        if (Array.isArray(value)) out[key] = value.join(",");
        else if (typeof value === "object") out[key] = JSON.stringify(value);
        else out[key] = String(value);
      }
    }
  } else if (type.includes("form")) {
    const form = await c.req.parseBody();
    for (const [key, value] of Object.entries(form)) if (typeof value === "string") out[key] = value;
  }
  return out;
}

/** The access token from `access_token` or an `Authorization: Bearer|OAuth …` header. */
export function tokenFrom(c: Context, params: Record<string, string>): string | undefined {
  if (params.access_token) return params.access_token;
  const header = c.req.header("authorization");
  const match = header?.match(/^(?:Bearer|OAuth)\s+(.+)$/i);
  return match?.[1]?.trim();
}

/** A parameter's value, or undefined when it is missing or only spaces (Meta treats those as not sent). */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

/** A boolean parameter: true/1 or false/0 (any case), missing or empty is false; anything else is refused. */
export function parseBool(p: Record<string, string>, name: string): boolean {
  const value = p[name]?.trim().toLowerCase();
  if (value === undefined || value === "" || value === "false" || value === "0") return false;
  if (value === "true" || value === "1") return true;
  throw invalidParam(`${name} must be true or false (got "${p[name]}").`);
}
