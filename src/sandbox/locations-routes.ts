import type { Hono } from "hono";
import { authenticate } from "./auth.js";
import type { SandboxContext } from "./context.js";
import { invalidParam, nonexistingField } from "./errors.js";
import { parseFields } from "./fields.js";
import { PLACES, type SandboxPlace, searchPlaces } from "./locations.js";

const PLACE_FIELDS = [
  "id",
  "name",
  "address",
  "city",
  "country",
  "latitude",
  "longitude",
  "postal_code",
] as const;

/**
 * Location tagging (Meta's "Location tagging" page): `GET /location_search` by `q` and/or `latitude`+`longitude`
 * (scope threads_location_tagging), and `GET /{location-id}`. Registered before the read routes' `/{id}`.
 */
export function registerLocationRoutes(app: Hono, ctx: SandboxContext): void {
  app.get("/v1.0/location_search", async function locationSearch(c) {
    const caller = await authenticate(c, ctx, "threads_location_tagging");
    const q = caller.params.q?.trim() || undefined;
    const lat = coordinate(caller.params.latitude, "latitude", 90);
    const lng = coordinate(caller.params.longitude, "longitude", 180);
    if ((lat === undefined) !== (lng === undefined)) {
      throw invalidParam("latitude and longitude go together: give both, or search with q alone.");
    }
    if (q === undefined && lat === undefined) {
      throw invalidParam("At least one of q, or latitude with longitude, must be provided.");
    }
    // Meta's default answer carries every field of a place (its example shows them all).
    const fields = caller.params.fields ? parseFields(caller.params.fields) : [...PLACE_FIELDS];
    return c.json({ data: searchPlaces(q, lat, lng).map((p) => renderPlace(p, fields)) });
  });

  app.get("/v1.0/:id", async function getLocation(c, next) {
    const place = PLACES.find((p) => p.id === c.req.param("id"));
    if (!place) return next();
    const caller = await authenticate(c, ctx);
    return c.json(renderPlace(place, parseFields(caller.params.fields)));
  });
}

function coordinate(raw: string | undefined, name: string, bound: number): number | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || Math.abs(value) > bound) {
    throw invalidParam(`${name} must be a number from -${bound} to ${bound} (got "${raw}").`);
  }
  return value;
}

function renderPlace(place: SandboxPlace, fields: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    if (!(PLACE_FIELDS as readonly string[]).includes(field))
      throw nonexistingField(field, "ThreadsLocation");
    const value = place[field as keyof SandboxPlace];
    if (value !== undefined) out[field] = value;
  }
  return out;
}
