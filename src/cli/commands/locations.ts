import { accountIdSchema } from "../../accounts/accounts.schema.js";
import { type Command, flag, parseInput, str, UsageError } from "../command.js";
import { printJson, printTable } from "../output.js";

export const locationsSearchCommand: Command = {
  name: "locations search",
  summary: "Find a place to tag a post with: prints each place's id, the value --location takes",
  usage: '["NAME OR ADDRESS"] --account ID [--near LAT,LNG] [--json]',
  secretKey: "use",
  positionals: { min: 0, max: 1, names: "NAME OR ADDRESS" },
  flags: [
    ["--account ID", "the account that searches (it needs the threads_location_tagging permission)"],
    ["--near LAT,LNG", "nearest places to this point first, e.g. --near 35.658,139.7016"],
    ["--json", "print a JSON array of objects that carry id"],
  ],
  options: { account: { type: "string" }, near: { type: "string" }, json: { type: "boolean" } },
  async run(ctx, args) {
    const accountId = parseInput(accountIdSchema("--account"), str(args, "account"));
    const q = args.positionals[0]?.trim() || undefined;
    const nearRaw = str(args, "near");
    const near = nearRaw === undefined ? undefined : parsePoint(nearRaw);
    if (q === undefined && near === undefined) {
      throw new UsageError('give a place to search for ("渋谷") or --near LAT,LNG, or both');
    }
    const places = await (await ctx.services()).replies.searchLocations({
      accountId,
      ...(q ? { q } : {}),
      ...(near ? { near } : {}),
    });
    if (flag(args, "json")) {
      printJson(ctx.output, places);
      return 0;
    }
    if (places.length === 0) {
      ctx.output.out(
        `No place found for ${q ? `"${q}"` : `the point ${nearRaw}`}. Try another name, or fewer words.`,
      );
      return 0;
    }
    printTable(
      ctx.output,
      ["ID", "NAME", "ADDRESS"],
      places.map((p) => [p.id, p.name, [p.address, p.city, p.country].filter(Boolean).join(", ")]),
    );
    ctx.output.err("Tag a post with one: --location ID.");
    return 0;
  },
};

/** "35.658,139.7016" → the point; anything else is a usage mistake that says the form. */
export function parsePoint(raw: string): { latitude: number; longitude: number } {
  const match = raw.trim().match(/^(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)$/u);
  const latitude = Number(match?.[1]);
  const longitude = Number(match?.[2]);
  if (!match || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) {
    throw new UsageError(
      `--near takes LAT,LNG in degrees, latitude -90…90 and longitude -180…180 (e.g. --near 35.658,139.7016); got "${raw}"`,
    );
  }
  return { latitude, longitude };
}
