/**
 * `groups import` as a user runs it: the committed fixture files in every encoding, through the CLI
 * (in-process `runCli` with captured output), against SQLite and PostgreSQL.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import iconv from "iconv-lite";
import { afterEach, describe, expect, it } from "vitest";
import { insertAccount } from "../src/accounts/accounts.repository.js";
import type { Output } from "../src/cli/output.js";
import { runCli } from "../src/cli/run-cli.js";
import { CONFIG_VARIABLES } from "../src/config.js";
import { listGroupsByAccount } from "../src/groups/groups.repository.js";
import { parseGroupsFile } from "../src/groups/import.js";
import { createTestDb, DIALECTS, type TestDb } from "./helpers/db.js";
import { accountRow } from "./helpers/fixtures.js";
import { FIXTURES_DIR, importFixtures, MENU_GROUPS } from "./helpers/import-fixtures.js";

const fixture = (name: string) => readFileSync(join(FIXTURES_DIR, name));

describe("import fixtures", () => {
  it("are the bytes test/helpers/import-fixtures.ts builds (rewrite them with `npx tsx` on it)", () => {
    const built = importFixtures();
    expect(readdirSync(FIXTURES_DIR).sort()).toEqual(Object.keys(built).sort());
    for (const [name, { bytes }] of Object.entries(built)) {
      expect({ name, equal: fixture(name).equals(bytes) }).toEqual({ name, equal: true });
    }
  });

  it("hold the bytes Excel writes, checked without the decoder under test", () => {
    const sjis = fixture("menu-sjis.csv");
    const has = (bytes: number[]) => sjis.includes(Buffer.from(bytes));
    expect(has([0x81, 0x60])).toBe(true); // ～
    expect(has([0x87, 0x40])).toBe(true); // ①
    expect(has([0xfb, 0xfc])).toBe(true); // 髙
    expect(has([0x0d, 0x0a])).toBe(true);
    expect([...fixture("menu-utf16le.csv").subarray(0, 4)]).toEqual([0xff, 0xfe, 0x67, 0x00]); // BOM, "g"
    expect([...fixture("menu-utf16be.csv").subarray(0, 4)]).toEqual([0xfe, 0xff, 0x00, 0x67]);
    expect([...fixture("menu-utf8-bom.csv").subarray(0, 4)]).toEqual([0xef, 0xbb, 0xbf, 0x67]);
    // Node's ICU, where present, is an independent CP932 table: it reads the same text.
    const icu = (() => {
      try {
        return new TextDecoder("shift_jis", { fatal: true });
      } catch {
        return undefined;
      }
    })();
    if (icu) expect(icu.decode(sjis)).toBe(iconv.decode(sjis, "cp932"));
  });

  it("all read as the same menu (or the options' groups), and say which encoding they were in", () => {
    for (const [name, { encoding, groups }] of Object.entries(importFixtures())) {
      if (encoding === undefined) continue;
      expect({ name, ...parseGroupsFile(name, fixture(name)) }).toEqual({
        name,
        groups: groups ?? MENU_GROUPS,
        encoding,
      });
    }
  });
});

function capture(): Output & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (line) => stdout.push(line), err: (line) => stderr.push(line) };
}

for (const dialect of DIALECTS) {
  describe(`groups import (CLI) on ${dialect}`, () => {
    let t: TestDb | undefined;
    let dataDir: string | undefined;
    afterEach(async () => {
      await t?.destroy();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      t = undefined;
      dataDir = undefined;
    });

    async function setup() {
      t = await createTestDb(dialect);
      dataDir = mkdtempSync(join(tmpdir(), "ts-import-"));
      const account = await insertAccount(t.db, accountRow(1, Date.UTC(2025, 9, 22)));
      const env: NodeJS.ProcessEnv = { ...process.env };
      for (const v of CONFIG_VARIABLES) delete env[v.name];
      Object.assign(env, {
        DATABASE_URL: t.url,
        DATA_DIR: dataDir,
        SECRET_KEY: "2b".repeat(32),
        DEFAULT_TIMEZONE: "UTC",
        LOG_LEVEL: "error",
      });
      const cli = async (...args: string[]) => {
        const output = capture();
        const code = await runCli(args, env, output);
        return { code, stdout: output.stdout.join("\n"), stderr: output.stderr.join("\n") };
      };
      // What is stored, read back through the repository.
      const texts = async () =>
        (await listGroupsByAccount(t!.db, account.id)).flatMap((g) => g.parts.map((p) => p.text));
      return { accountId: String(account.id), dir: dataDir, cli, texts };
    }

    it("imports Shift_JIS from Excel as the text typed, and prints the count, id range and encoding", async () => {
      const { accountId, dir, cli, texts } = await setup();
      const file = join(FIXTURES_DIR, "menu-sjis.csv");
      const r = await cli("groups", "import", "--account", accountId, file);
      expect(r).toMatchObject({ code: 0 });
      expect(r.stdout).toMatch(
        new RegExp(
          `^Imported 2 post groups \\(ids (\\d+)–(\\d+)\\) into account ${accountId} from menu-sjis\\.csv \\(Shift_JIS\\)\\.$`,
        ),
      );
      expect(await texts()).toEqual(MENU_GROUPS.flatMap((g) => g.parts.map((p) => p.text)));

      const again = await cli("groups", "import", "--account", accountId, "--encoding", "cp932", file);
      expect(again.stdout).toMatch(/^Imported 2 post groups \(ids \d+–\d+\) .* \(Shift_JIS\)\.$/);
      const json = await cli(
        "groups",
        "import",
        "--account",
        accountId,
        "--json",
        join(FIXTURES_DIR, "menu-utf16le.csv"),
      );
      expect((JSON.parse(json.stdout) as Array<{ name: string }>).map((g) => g.name)).toEqual([
        "ランチ",
        "ディナー",
      ]);
      writeFileSync(join(dir, "one.json"), JSON.stringify([{ name: "一つ", parts: [{ text: "ひとつ" }] }]));
      expect((await cli("groups", "import", "--account", accountId, join(dir, "one.json"))).stdout).toMatch(
        /^Imported 1 post group \(id \d+\) into account \d+ from one\.json \(UTF-8\)\.$/,
      );
    });

    it("refuses a file that is not text in any encoding, or not in the one named, and stores nothing", async () => {
      const { accountId, cli, texts } = await setup();
      const broken = await cli(
        "groups",
        "import",
        "--account",
        accountId,
        join(FIXTURES_DIR, "menu-broken.csv"),
      );
      expect(broken.code).toBe(1);
      expect(broken.stdout).toBe("");
      expect(broken.stderr).toContain(
        'Error: menu-broken.csv: nothing was imported; fix this problem and import the file again:\nline 6, byte offset 224: after "追加,,おまけ", byte 0xFD is not a Shift_JIS character',
      );
      expect(broken.stderr).toContain("--encoding utf-8, utf-16le, utf-16be or shift_jis");
      const euc = await cli("groups", "import", "--account", accountId, join(FIXTURES_DIR, "menu-eucjp.csv"));
      expect(euc.code).toBe(1);
      expect(euc.stderr).toMatch(
        /\nline 2, byte offset 27: bytes 0xA5 0xE9 and the rest of the file read as EUC-JP/,
      );

      const forced = await cli(
        "groups",
        "import",
        "--account",
        accountId,
        "--encoding",
        "utf-8",
        join(FIXTURES_DIR, "menu-sjis.csv"),
      );
      expect(forced.code).toBe(1);
      expect(forced.stderr).toMatch(
        /line 2, byte offset 27: bytes 0x83 0x89 are not UTF-8, so the file is not UTF-8 as --encoding says/,
      );

      const unknown = await cli(
        "groups",
        "import",
        "--account",
        accountId,
        "--encoding",
        "latin1",
        join(FIXTURES_DIR, "menu-sjis.csv"),
      );
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(
        /Error: --encoding must be one of utf-8, utf-16le, utf-16be, shift_jis .*, not "latin1"/,
      );
      expect(await texts()).toEqual([]);
    });

    it("refuses an empty file, a header alone, a binary file and an extra field, each saying what is wrong", async () => {
      const { accountId, dir, cli, texts } = await setup();
      const write = (name: string, bytes: Uint8Array | string) => {
        writeFileSync(join(dir, name), bytes);
        return join(dir, name);
      };
      const cases: Array<[string, Uint8Array | string, RegExp]> = [
        [
          "empty.csv",
          "",
          /empty\.csv: nothing was imported; .*\nthe file is empty; it needs a header row and a row per part\./,
        ],
        ["header.csv", "\uFEFFgroup,text\r\n", /the file has a header row but no rows below it/],
        [
          "photo.csv",
          Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]),
          /line 3, byte offset 8: a NUL byte \(0x00\), so this is not a text file/,
        ],
        [
          "book.csv",
          Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]),
          /this is an Excel workbook \(\.xlsx\)/,
        ],
        [
          "extra.csv",
          'group,text\r\na,"two\r\nlines"\r\nb,Hello, world\r\n',
          /line 4: 3 fields, but the header \(line 1\) has 2 columns: "world" \(field 3\) has no column/,
        ],
      ];
      for (const [name, bytes, expected] of cases) {
        const r = await cli("groups", "import", "--account", accountId, write(name, bytes));
        expect({ name, code: r.code, stderr: r.stderr }).toEqual({
          name,
          code: 1,
          stderr: expect.stringMatching(expected),
        });
      }
      const directory = await cli("groups", "import", "--account", accountId, dir);
      expect(directory.code).toBe(2);
      expect(directory.stderr).toMatch(/cannot read .*: it is a directory; give a \.csv or \.json file/);
      const missing = await cli("groups", "import", "--account", accountId, join(dir, "nope.csv"));
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain("there is no such file");
      expect(await texts()).toEqual([]);
    });

    it("prints one short line for 10,000 groups", async () => {
      const { accountId, dir, cli } = await setup();
      const rows = ["group,text", ...Array.from({ length: 10_000 }, (_, i) => `g${i},投稿${i}～`)];
      writeFileSync(join(dir, "many.csv"), iconv.encode(rows.join("\r\n"), "cp932"));
      const r = await cli("groups", "import", "--account", accountId, join(dir, "many.csv"));
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        /^Imported 10000 post groups \(ids (\d+)–(\d+)\) into account \d+ from many\.csv \(Shift_JIS\)\.$/,
      );
      const [, first, last] = /ids (\d+)–(\d+)/.exec(r.stdout)!;
      expect(Number(last) - Number(first)).toBe(9_999);
    }, 120_000);
  });
}
