/**
 * The publishing options on the command line, in-process (`runCli` with a captured output, the sandbox of
 * this process), on both databases: every part flag as stored, `groups list` and `post` describing them,
 * `groups export` → `groups import` keeping every option (JSON and CSV), and issues printed in Japanese under
 * a Japanese locale.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cliLanguage } from "../src/cli/locale.js";
import type { Output } from "../src/cli/output.js";
import { runCli } from "../src/cli/run-cli.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";
import { FIXTURES_DIR, OPTION_GROUPS } from "./helpers/import-fixtures.js";

function capture(): Output & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

describe("cliLanguage", () => {
  it("THREADS_SCHEDULER_LANG wins; else LC_ALL, LC_MESSAGES, LANG in that order", () => {
    expect(cliLanguage({})).toBe("en");
    expect(cliLanguage({ LANG: "ja_JP.UTF-8" })).toBe("ja");
    expect(cliLanguage({ LANG: "ja_JP.UTF-8", THREADS_SCHEDULER_LANG: "en" })).toBe("en");
    expect(cliLanguage({ LANG: "C.UTF-8", THREADS_SCHEDULER_LANG: "JA" })).toBe("ja");
    expect(cliLanguage({ LC_ALL: "en_US.UTF-8", LANG: "ja_JP.UTF-8" })).toBe("en");
    expect(cliLanguage({ LC_ALL: "", LC_MESSAGES: "ja", LANG: "en_US" })).toBe("ja");
    expect(cliLanguage({ THREADS_SCHEDULER_LANG: "fr", LANG: "ja_JP" })).toBe("ja");
  });
});

describe.each(DIALECTS)("publishing options on the command line on %s", (dialect) => {
  let t: TestDb;
  let dataDir: string;
  afterEach(async () => {
    await t?.destroy();
    t = undefined as unknown as TestDb;
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
    const output = capture();
    const code = await runCli(
      [...args, "--database-url", t.url, "--data-dir", dataDir],
      { SANDBOX_PORT: "0", LOG_LEVEL: "error", THREADS_SCHEDULER_LANG: "en", ...env },
      output,
    );
    return { code, out: output.stdout.join("\n"), err: output.stderr.join("\n") };
  }

  async function setup() {
    t = await createTestDb(dialect);
    dataDir = mkdtempSync(join(tmpdir(), "ts-cli-options-"));
    const r = await cli(["accounts", "add", "--sandbox-user", "hanako", "--timezone", "Asia/Tokyo"]);
    expect(r.code, r.err).toBe(0);
  }

  const groupsJson = async () =>
    JSON.parse((await cli(["groups", "list", "--account", "1", "--json"])).out) as Array<{
      name: string;
      parts: unknown[];
    }>;

  it("groups add stores every flag under Meta's names; list and add describe the options", async () => {
    await setup();
    const essay = join(dataDir, "essay.txt");
    writeFileSync(essay, `\uFEFF${"長文です。".repeat(640)}`);
    const add = await cli([
      "groups",
      "add",
      "--account",
      "1",
      "--name",
      "review",
      "--text",
      "😀 犯人は執事、やはり執事",
      "--spoiler",
      "執事",
      "--spoiler",
      "執事",
      "--text-attachment-file",
      essay,
      "--attachment-link",
      "https://example.com/review",
      "--location",
      "110",
      "--reply-approvals",
      "--countries",
      "jp,us",
      "--share-to-ig",
      "--reply-control",
      "followers_only",
      "--text",
      "GIF で一言",
      "--gif",
      "xT9IgG50Fb7Mi0prBC",
      "--text",
      "表紙",
      "--image",
      "https://example.com/cover.jpg",
      "--alt",
      "本の表紙",
      "--spoiler-media",
    ]);
    expect(add.code, add.err).toBe(0);
    expect(add.out).toBe(
      'Added post group 1 "review" (chain of 3: text (spoiler ×2, text attachment 3,200 chars with a link, location 110, reply approvals, only in JP, US, shared to Instagram), text (GIF), image (media spoiler)) to account 1.',
    );
    const ghost = await cli([
      "groups",
      "add",
      "--account",
      "1",
      "--name",
      "ghost",
      "--text",
      "合言葉は「さくら」",
      "--spoiler",
      "さくら",
      "--ghost",
    ]);
    expect(ghost.code, ghost.err).toBe(0);
    expect(await groupsJson()).toEqual([
      expect.objectContaining({
        name: "review",
        parts: [
          {
            text: "😀 犯人は執事、やはり執事",
            reply_control: "followers_only",
            text_attachment: {
              plaintext: "長文です。".repeat(640),
              link_attachment_url: "https://example.com/review",
            },
            text_entities: [
              { entity_type: "SPOILER", offset: 6, length: 2 },
              { entity_type: "SPOILER", offset: 12, length: 2 },
            ],
            location_id: "110",
            enable_reply_approvals: true,
            allowlisted_country_codes: ["JP", "US"],
            crossreshare_to_ig: true,
          },
          { text: "GIF で一言", gif_attachment: { gif_id: "xT9IgG50Fb7Mi0prBC", provider: "GIPHY" } },
          {
            text: "表紙",
            media: [{ kind: "IMAGE", url: "https://example.com/cover.jpg", alt_text: "本の表紙" }],
            is_spoiler_media: true,
          },
        ],
      }),
      expect.objectContaining({
        name: "ghost",
        parts: [
          {
            text: "合言葉は「さくら」",
            text_entities: [{ entity_type: "SPOILER", offset: 5, length: 3 }],
            is_ghost_post: true,
          },
        ],
      }),
    ]);
    const list = await cli(["groups", "list", "--account", "1"]);
    expect(list.out).toMatch(/2\s+ghost\s+yes\s+1\s+text, spoiler, ghost\s+合言葉は「さくら」/);

    const edit = await cli(["groups", "edit", "2", "--text", "新しい秘密", "--spoiler", "秘密", "--ghost"]);
    expect(edit.out).toBe('Updated post group 2 "ghost" (text, spoiler, ghost, weight 1).');
  });

  it("refuses a spoiler not in the text and a missing text attachment file, as usage mistakes", async () => {
    await setup();
    const spoiler = await cli([
      "groups",
      "add",
      "--account",
      "1",
      "--name",
      "x",
      "--text",
      "abc",
      "--spoiler",
      "z",
    ]);
    expect(spoiler.code).toBe(2);
    expect(spoiler.err).toContain('Error: --spoiler of part 1: "z" is not in the text');
    // Under a Japanese locale both usage mistakes are said in Japanese, with the count when it is the occurrence.
    const ja = { THREADS_SCHEDULER_LANG: "ja" };
    const again = ["groups", "add", "--account", "1", "--name", "x", "--text", "abc"];
    const twice = await cli([...again, "--spoiler", "b", "--spoiler", "b"], ja);
    expect(twice.code).toBe(2);
    const lines = twice.err.split("\n");
    expect(lines).toContain(
      "エラー: パート 1 の --spoiler: 「b」は本文に 1 回しか出てきません。2 回目はないので、1〜1 回目から選んでください。",
    );
    expect(lines.at(-1)).toMatch(/^使い方: threads-scheduler groups add /);
    const missing = await cli([...again, "--spoiler", "z"], ja);
    expect(missing.err).toMatch(/\nエラー: パート 1 の --spoiler: 「z」は本文にありません。/);
    const empty = await cli([...again, "--text-attachment", ""], ja);
    expect(empty.code).toBe(2);
    expect(empty.err).toMatch(/\nエラー: パート 1 のテキスト添付が空です。/);
    const english = await cli([...again, "--text-attachment", ""]);
    expect(english.err).toMatch(/\nError: the text attachment of part 1 is empty;/);
    const file = await cli([
      "groups",
      "add",
      "--account",
      "1",
      "--name",
      "x",
      "--text",
      "abc",
      "--text-attachment-file",
      join(dataDir, "missing.txt"),
    ]);
    expect(file.code).toBe(2);
    expect(file.err).toMatch(/--text-attachment-file: cannot read .*missing\.txt: there is no such file/);
    const help = await cli(["post", "--help"]);
    for (const f of [
      "--text-attachment TEXT",
      "--spoiler PHRASE",
      "--ghost",
      "--gif GIPHY_ID",
      "--countries JP,US",
    ]) {
      expect(help.out).toContain(f);
    }
    expect(await groupsJson()).toEqual([]);
  });

  it("post describes the options of the post it published", async () => {
    await setup();
    const r = await cli([
      "post",
      "--account",
      "1",
      "--text",
      "今日のネタバレ",
      "--spoiler",
      "ネタバレ",
      "--reply-approvals",
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^Part 1: .+\nPublished \(run \d+\): text, spoiler, reply approvals\.$/);
  });

  it("groups export → groups import keeps every option, as JSON and as CSV", async () => {
    await setup();
    const imported = await cli([
      "groups",
      "import",
      "--account",
      "1",
      join(FIXTURES_DIR, "options-utf8-bom.csv"),
    ]);
    expect(imported.code, imported.err).toBe(0);
    const parts = (await groupsJson()).map((g) => ({ name: g.name, parts: g.parts }));
    expect(parts).toEqual(OPTION_GROUPS);

    const json = await cli(["groups", "export", "--account", "1"]);
    expect(json.code, json.err).toBe(0);
    expect(JSON.parse(json.out)).toEqual(OPTION_GROUPS);

    const csvFile = join(dataDir, "out.csv");
    const csv = await cli(["groups", "export", "--account", "1", "--out", csvFile]);
    expect(csv.code, csv.err).toBe(0);
    expect(csv.err).toContain(`Exported 3 post groups of account 1 to ${csvFile} (CSV)`);
    expect(readFileSync(csvFile).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));

    const jsonFile = join(dataDir, "out.json");
    expect(
      (await cli(["groups", "export", "--account", "1", "--format", "json", "--out", jsonFile])).code,
    ).toBe(0);
    expect((await cli(["groups", "export", "--account", "1", "--format", "xml"])).code).toBe(2);

    // Into a second account: every option read back from each file.
    expect((await cli(["accounts", "add", "--sandbox-user", "taro"])).code).toBe(0);
    for (const file of [csvFile, jsonFile]) {
      const back = await cli(["groups", "import", "--account", "2", file]);
      expect(back.code, back.err).toBe(0);
    }
    const second = JSON.parse((await cli(["groups", "list", "--account", "2", "--json"])).out) as Array<{
      name: string;
      parts: unknown[];
    }>;
    expect(second.map((g) => ({ name: g.name, parts: g.parts }))).toEqual([
      ...OPTION_GROUPS,
      ...OPTION_GROUPS,
    ]);
  });

  it("prints preflight and import issues in Japanese under a Japanese locale", async () => {
    await setup();
    const long = "あ".repeat(501);
    const ja = await cli(["groups", "add", "--account", "1", "--name", "x", "--text", long], {
      THREADS_SCHEDULER_LANG: "",
      LANG: "ja_JP.UTF-8",
    });
    expect(ja.code).toBe(1);
    expect(ja.err).toContain(
      "エラー: このポストグループはこのままでは公開できません:\n  - パート 1: 本文: 501 文字あります。Threads で使えるのは 500 文字までです（絵文字は数文字分に数えられます）。短くするか、残りを次のパートに移してください。\n何も変更していません。",
    );
    const post = await cli(["post", "--account", "1", "--text", "x", "--image", "not a url"], {
      THREADS_SCHEDULER_LANG: "ja",
    });
    expect(post.code).toBe(1);
    expect(post.err).toContain(
      "パート 1: メディア 1 URL: メディアの URL が正しい http(s) の URL ではありません。",
    );

    const file = join(dataDir, "bad.csv");
    writeFileSync(file, `group,text,is_ghost_post\na,${long},\nb,ok,たぶん\n`);
    const imported = await cli(["groups", "import", "--account", "1", file], {
      THREADS_SCHEDULER_LANG: "ja",
    });
    expect(imported.code).toBe(1);
    expect(imported.err).toContain(
      "エラー: bad.csv: 何もインポートしていません。次の 2 件の問題を直してから、もう一度インポートしてください:\n  - 行 2: text: 501 文字あります。",
    );
    expect(imported.err).toContain(
      '  - 行 3: is_ghost_post は true か false（または 1/0、yes/no、はい/いいえ）にしてください。"たぶん" は使えません。',
    );
    const old = join(dataDir, "old.json");
    writeFileSync(old, JSON.stringify([{ name: "古い", parts: [{ text: "x", topicTag: "t" }] }]));
    expect(
      (
        await cli(["groups", "import", "--account", "1", old], {
          THREADS_SCHEDULER_LANG: "",
          LC_ALL: "ja_JP.UTF-8",
        })
      ).err,
    ).toContain(
      "  - グループ 1（「古い」）: パート 1: topicTag は topic_tag（Meta のパラメーター名）になりました。名前を変えてください。",
    );
    const broken = await cli(["groups", "import", "--account", "1", join(FIXTURES_DIR, "menu-broken.csv")], {
      THREADS_SCHEDULER_LANG: "ja",
    });
    expect(broken.err).toContain(
      "  - 行 6、バイト位置 224: 「追加,,おまけ」のあと、バイト 0xFD は Shift_JIS の文字ではありません。",
    );
    // English stays as it was.
    const en = await cli(["groups", "add", "--account", "1", "--name", "x", "--text", long]);
    expect(en.err).toContain(
      "Error: The post group cannot be published as it is:\npart 1: text: 501 characters;",
    );
    expect(await groupsJson()).toEqual([]);
  });
});
