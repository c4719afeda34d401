/**
 * The foundation with real processes: the CLI against a standalone sandbox process reached through
 * THREADS_GRAPH_URL (a Threads-compatible server that is not the built-in one), on both databases.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/commands/index.js";
import {
  childEnv,
  createE2eEnv,
  DIALECTS,
  type E2eEnv,
  mapLimit,
  runCliProcess,
  type SandboxProcess,
  snapshotTables,
  useSandboxProcess,
} from "./helpers.js";

const PROCESSING_MS = 1_500;

let sandbox: SandboxProcess;
const envs = useSandboxProcess({ processingMs: PROCESSING_MS }, (s) => {
  sandbox = s;
});

interface Row {
  id: number;
  [key: string]: unknown;
}

async function setup(dialect: E2eEnv["dialect"], username: string) {
  const e = await createE2eEnv(dialect, sandbox.url);
  envs.push(e);
  const user = await sandbox.createUser({ username });
  const added = await e.ok(["accounts", "add", "--token", user.access_token]);
  expect(added.stdout).toMatch(new RegExp(`Added account \\d+: @${username}`));
  const [account] = await e.json<Row[]>(["accounts", "list"]);
  return { e, user, accountId: account!.id };
}

function expectIdRows(rows: unknown): asserts rows is Row[] {
  expect(Array.isArray(rows)).toBe(true);
  for (const row of rows as unknown[]) {
    expect(typeof row).toBe("object");
    // Records carry their numeric id; recurring jobs (in `jobs`) their job id, e.g. "token_refresh".
    const id = (row as { id?: unknown }).id;
    expect(typeof id === "number" || (typeof id === "string" && id !== ""), JSON.stringify(row)).toBe(true);
  }
}

describe.each(DIALECTS)("foundation with real processes (%s)", (dialect) => {
  it("publishes a text post, an image post after FINISHED, a 3-image carousel and a 3-part chain", async () => {
    const { e, user, accountId } = await setup(dialect, `found_${dialect}`);
    const img = (n: number) => `${sandbox.sampleImage}?n=${n}`;
    const add = async (name: string, flags: string[]) => {
      const [group] = await e.json<Row[]>([
        "groups",
        "add",
        "--account",
        String(accountId),
        "--name",
        name,
        ...flags,
      ]);
      return group!.id;
    };
    const text = await add("text", ["--text", "Hello from the e2e test"]);
    const image = await add("image", ["--text", "An image", "--image", img(1), "--alt", "a sample"]);
    const carousel = await add("carousel", [
      "--text",
      "Three images",
      "--image",
      img(1),
      "--image",
      img(2),
      "--image",
      img(3),
    ]);
    const chain = await add("chain", ["--text", "Chain 1/3", "--text", "Chain 2/3", "--text", "Chain 3/3"]);

    const post = async (groupId: number) => {
      const r = await e.ok(["post", "--account", String(accountId), "--group", String(groupId)]);
      expect(r.stdout).toMatch(/Published \(run \d+\)\./);
      return [...r.stdout.matchAll(/^Part (\d+): (\S+)$/gm)].map((m) => m[2]!);
    };
    const textLinks = await post(text);
    const imageLinks = await post(image);
    const carouselLinks = await post(carousel);
    const chainLinks = await post(chain);
    expect(textLinks).toHaveLength(1);
    expect(imageLinks).toHaveLength(1);
    expect(carouselLinks).toHaveLength(1);
    expect(chainLinks).toHaveLength(3);

    const published = await sandbox.published(user.user_id);
    expect(published).toHaveLength(6);
    const byLink = new Map(published.map((p) => [p.permalink, p]));

    const t = byLink.get(textLinks[0]!)!;
    expect(t).toMatchObject({ mediaType: "TEXT", text: "Hello from the e2e test" });
    expect(t.replyToId).toBeUndefined();

    const i = byLink.get(imageLinks[0]!)!;
    expect(i).toMatchObject({ mediaType: "IMAGE", text: "An image", mediaUrl: img(1), altText: "a sample" });
    // The sandbox answers threads_publish on an IN_PROGRESS container with 24/4279009 and publishes nothing,
    // so a published image means its container was FINISHED; and the run started at least the processing
    // time before the image was published.
    const runs = await e.json<Array<Row & { state: string; dueAtMs: number; permalinks: string[] }>>([
      "runs",
    ]);
    expectIdRows(runs);
    const imageRun = runs.find((r) => r.permalinks.includes(imageLinks[0]!))!;
    expect(i.publishedAt - imageRun.dueAtMs).toBeGreaterThanOrEqual(PROCESSING_MS);

    const c = byLink.get(carouselLinks[0]!)!;
    expect(c.mediaType).toBe("CAROUSEL");
    expect(c.text).toBe("Three images");
    expect(c.children.map((ch) => [ch.mediaType, ch.url])).toEqual([
      ["IMAGE", img(1)],
      ["IMAGE", img(2)],
      ["IMAGE", img(3)],
    ]);

    const [c1, c2, c3] = chainLinks.map((l) => byLink.get(l)!);
    expect([c1!.text, c2!.text, c3!.text]).toEqual(["Chain 1/3", "Chain 2/3", "Chain 3/3"]);
    expect(c1!.replyToId).toBeUndefined();
    expect(c2!.replyToId).toBe(c1!.id);
    expect(c3!.replyToId).toBe(c2!.id);

    expect(runs).toHaveLength(4);
    expect(runs.every((r) => r.state === "published")).toBe(true);

    // Every --json listing is an array of objects that carry an id.
    await e.ok(["schedules", "add", "--account", String(accountId), "--fixed", "10:00,15:00,20:00"]);
    for (const args of [
      ["accounts", "list"],
      ["groups", "list", "--account", String(accountId)],
      ["schedules", "list"],
      ["runs"],
      ["jobs"],
      ["tokens", "refresh", "--account", String(accountId)],
    ]) {
      const rows = await e.json<unknown>(args);
      expectIdRows(rows);
      expect((rows as Row[]).length, args.join(" ")).toBeGreaterThan(0);
    }
  }, 90_000);

  it("refuses invalid input with a clear error and changes nothing", async () => {
    const { e, user, accountId } = await setup(dialect, `invalid_${dialect}`);
    const acc = String(accountId);
    await e.ok(["groups", "add", "--account", acc, "--name", "keep", "--text", "an existing group"]);
    const before = {
      tables: await snapshotTables(e.db),
      groups: await e.json<Row[]>(["groups", "list", "--account", acc]),
      published: await sandbox.published(user.user_id),
    };
    expect(before.groups).toHaveLength(1);

    const long = "a".repeat(501);
    const sixLinks = [1, 2, 3, 4, 5, 6].map((n) => `https://example.com/page${n}`).join(" ");
    const many = Array.from({ length: 21 }, (_, n) => ["--image", `${sandbox.sampleImage}?n=${n}`]).flat();
    const csv = join(e.dataDir, "groups.csv");
    writeFileSync(
      csv,
      ["group,text,poll", "first,hello,", "second,world,", "third,a poll,a|b|c|d|e", "fourth,again,"].join(
        "\n",
      ),
    );
    const cases: Array<{ what: string; args: string[]; message: RegExp; db?: boolean }> = [
      {
        what: "501 characters (post)",
        args: ["post", "--account", acc, "--text", long],
        message: /501 characters/,
      },
      {
        what: "501 characters (groups add)",
        db: true,
        args: ["groups", "add", "--account", acc, "--name", "long", "--text", long],
        message: /501 characters/,
      },
      { what: "6 links", args: ["post", "--account", acc, "--text", sixLinks], message: /6 different links/ },
      {
        what: "6 links (groups add)",
        args: ["groups", "add", "--account", acc, "--name", "links", "--text", sixLinks],
        message: /6 different links/,
      },
      {
        what: "carousel of 21",
        args: ["post", "--account", acc, "--text", "too many", ...many],
        message: /21 media items; a carousel holds 2 to 20/,
      },
      {
        what: "carousel of 21 (groups add)",
        args: ["groups", "add", "--account", acc, "--name", "big", "--text", "too many", ...many],
        message: /21 media items; a carousel holds 2 to 20/,
      },
      {
        what: "poll with 5 options",
        args: ["post", "--account", acc, "--text", "vote", "--poll", "a|b|c|d|e"],
        message: /poll needs 2 to 4 options \(it has 5\)/,
      },
      {
        what: "poll with 5 options (groups add)",
        args: ["groups", "add", "--account", acc, "--name", "poll", "--text", "vote", "--poll", "a|b|c|d|e"],
        message: /poll needs 2 to 4 options \(it has 5\)/,
      },
      {
        what: "unknown account (post)",
        db: true,
        args: ["post", "--account", "999", "--text", "hi"],
        message: /[Aa]ccount 999/,
      },
      {
        what: "unknown account (groups add)",
        db: true,
        args: ["groups", "add", "--account", "999", "--name", "x", "--text", "hi"],
        message: /[Aa]ccount 999/,
      },
      {
        what: "unknown account (schedules add)",
        db: true,
        args: ["schedules", "add", "--account", "999", "--fixed", "10:00"],
        message: /[Aa]ccount 999/,
      },
      {
        what: "--fixed 25:00",
        db: true,
        args: ["schedules", "add", "--account", acc, "--fixed", "25:00"],
        message: /25:00/,
      },
      {
        what: "CSV with one bad row",
        db: true,
        args: ["groups", "import", "--account", acc, csv],
        message: /nothing was imported[\s\S]*line 4/,
      },
    ];
    // The checks before any write are the same code on both databases: PostgreSQL runs the ones that reach it.
    const run = dialect === "sqlite" ? cases : cases.filter((c) => c.db);
    const results = await mapLimit(run, 3, async (c) => ({ c, r: await e.cli(c.args) }));
    for (const { c, r } of results) {
      expect(r.code, `${c.what}: exit code\n${r.stderr}`).not.toBe(0);
      expect(r.code, `${c.what}: not killed`).not.toBe(-1);
      expect(r.stderr, c.what).toMatch(c.message);
      expect(r.stdout, `${c.what}: nothing printed as a success`).not.toMatch(/Added|Imported|Published/);
    }

    expect(await snapshotTables(e.db)).toEqual(before.tables);
    expect(await e.json<Row[]>(["groups", "list", "--account", acc])).toEqual(before.groups);
    expect(await e.json<Row[]>(["runs"])).toEqual([]);
    expect(await sandbox.published(user.user_id)).toEqual(before.published);
  }, 90_000);

  it("reports a Threads error during post and publishes nothing", async () => {
    const { e, user, accountId } = await setup(dialect, `fault_${dialect}`);
    await sandbox.addFault({
      path: "/threads$",
      method: "POST",
      userId: user.user_id,
      kind: "error",
      error: { code: 100, status: 400, message: "Injected: the text parameter is invalid" },
      times: 1,
    });
    const r = await e.cli(["post", "--account", String(accountId), "--text", "this one is refused"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Nothing was published: .*Injected: the text parameter is invalid/);
    expect(await sandbox.published(user.user_id)).toEqual([]);
    // The attempt is history (a failed run with Meta's message), not a pending or half-done post.
    const runs = await e.json<Array<Row & { state: string; reason: string }>>(["runs"]);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ state: "failed" });
    expect(runs[0]!.reason).toMatch(/Injected: the text parameter is invalid/);
    expect(await e.json<Row[]>(["groups", "list", "--account", String(accountId)])).toEqual([]);
  }, 60_000);
});

describe("CLI help", () => {
  it("exits 0 for --help of every command", async () => {
    const names = ["", ...COMMANDS.map((c) => c.name)];
    const results = await mapLimit(names, 3, async (name) => ({
      name,
      r: await runCliProcess([...(name ? name.split(" ") : []), "--help"], childEnv({})),
    }));
    for (const { name, r } of results) {
      expect(r.code, `${name} --help\n${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(name ? `Usage: threads-scheduler ${name}` : /Commands:/);
    }
  }, 90_000);
});
