import type { Kysely } from "kysely";

// biome-ignore lint/suspicious/noExplicitAny: migrations must not depend on the current table types.
type AnyDB = Kysely<any>;

/**
 * Stored parts take Meta's parameter names (docs/architecture.md, "One spelling"): `topicTag` → `topic_tag`,
 * `linkAttachment` → `link_attachment`, `replyControl` → `reply_control`, `quotePostId` → `quote_post_id`,
 * a media item's `altText` → `alt_text`, and `pollOptions: ["A", "B"]` → `poll_attachment: { option_a, option_b }`.
 * Rewrites `post_parts.spec_json` (one part) and `runs.payload_json` (a list of parts) in batches by id; a value
 * that is not JSON is left as it is (the post job reports it when it would publish it).
 */
const RENAMES: Record<string, string> = {
  topicTag: "topic_tag",
  linkAttachment: "link_attachment",
  replyControl: "reply_control",
  quotePostId: "quote_post_id",
};
const BACK: Record<string, string> = Object.fromEntries(Object.entries(RENAMES).map(([a, b]) => [b, a]));
const POLL_KEYS = ["option_a", "option_b", "option_c", "option_d"];
const BATCH = 500;

type Part = Record<string, unknown>;

export function upgradePart(part: Part): Part {
  const out: Part = {};
  for (const [key, value] of Object.entries(part)) {
    if (key === "pollOptions" && Array.isArray(value)) {
      out.poll_attachment = Object.fromEntries(value.slice(0, 4).map((o, i) => [POLL_KEYS[i], o]));
    } else if (key === "media" && Array.isArray(value)) {
      out.media = value.map((item) => renameKey(item, "altText", "alt_text"));
    } else {
      out[RENAMES[key] ?? key] = value;
    }
  }
  return out;
}

export function downgradePart(part: Part): Part {
  const out: Part = {};
  for (const [key, value] of Object.entries(part)) {
    if (key === "poll_attachment" && value !== null && typeof value === "object") {
      const poll = value as Record<string, unknown>;
      out.pollOptions = POLL_KEYS.map((k) => poll[k]).filter((o) => o !== undefined);
    } else if (key === "media" && Array.isArray(value)) {
      out.media = value.map((item) => renameKey(item, "alt_text", "altText"));
    } else {
      out[BACK[key] ?? key] = value;
    }
  }
  return out;
}

function renameKey(item: unknown, from: string, to: string): unknown {
  if (item === null || typeof item !== "object" || !(from in item)) return item;
  const { [from]: value, ...rest } = item as Record<string, unknown>;
  return { ...rest, [to]: value };
}

function rewrite(json: string, list: boolean, change: (p: Part) => Part): string {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return json;
  }
  const one = (p: unknown) =>
    p !== null && typeof p === "object" && !Array.isArray(p) ? change(p as Part) : p;
  return JSON.stringify(list ? (Array.isArray(value) ? value.map(one) : value) : one(value));
}

async function rewriteColumn(
  db: AnyDB,
  table: "post_parts" | "runs",
  column: "spec_json" | "payload_json",
  change: (p: Part) => Part,
): Promise<void> {
  let after = 0;
  for (;;) {
    const rows: Array<{ id: number; json: string }> = await db
      .selectFrom(table)
      .select(["id", `${column} as json`])
      .where("id", ">", after)
      .where(column, "is not", null)
      .orderBy("id")
      .limit(BATCH)
      .execute();
    if (rows.length === 0) return;
    for (const row of rows) {
      const next = rewrite(row.json, column === "payload_json", change);
      if (next !== row.json) {
        await db
          .updateTable(table)
          .set({ [column]: next })
          .where("id", "=", row.id)
          .execute();
      }
    }
    after = Number(rows[rows.length - 1]!.id);
  }
}

export async function up(db: AnyDB): Promise<void> {
  await rewriteColumn(db, "post_parts", "spec_json", upgradePart);
  await rewriteColumn(db, "runs", "payload_json", upgradePart);
}

export async function down(db: AnyDB): Promise<void> {
  await rewriteColumn(db, "post_parts", "spec_json", downgradePart);
  await rewriteColumn(db, "runs", "payload_json", downgradePart);
}
