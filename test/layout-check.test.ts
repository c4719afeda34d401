/**
 * The layout guard rails (scripts/layout-check.ts) on small trees written here: what must pass, what each rule
 * must catch, and the baseline of known violations.
 */
import { describe, expect, it } from "vitest";
import {
  blankComments,
  checkFiles,
  compareWithBaseline,
  formatViolations,
  type SourceFile,
  toBaseline,
} from "../scripts/layout-check.js";

const tree = (files: Record<string, string>): SourceFile[] =>
  Object.entries(files).map(([path, text]) => ({ path, text }));

const keysOf = (files: Record<string, string>) => checkFiles(tree(files)).map((v) => `${v.rule} ${v.key}`);

/** A tree that keeps every rule, with the traps a text scan could fall into. */
const CLEAN = {
  "src/db/connect.ts":
    'import { Kysely, sql } from "kysely";\nexport const ping = (db: Kysely<never>) => sql`select 1`.execute(db);\n',
  "src/db/migrations/0001.ts":
    'export async function up(db: any) {\n  await db.schema.createTable("x").execute();\n}\n',
  "src/groups/group.ts":
    'import { DateTime } from "luxon";\nexport interface Group { id: number }\nexport const today = () => DateTime.utc();\n',
  "src/groups/groups.repository.ts": [
    'import type { Db } from "../db/connect.js";',
    'import type { Group } from "./group.js";',
    'export const list = (db: Db) => db.selectFrom("post_groups").selectAll().execute() as Promise<Group[]>;',
    'export const add = (db: Db) => db.insertInto("post_groups").values({}).execute();',
    "",
  ].join("\n"),
  "src/groups/groups.service.ts": [
    'import { list } from "./groups.repository.js";',
    "// Never db.selectFrom(...) here: the repository does it. Nor sql`…`.",
    "/* .deleteFrom( in a block comment */",
    'const url = "http://example.com/a//b"; // a string with // is not a comment',
    "const slashes = /\\/\\/.selectFrom(/g; // nor is a regex literal",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source of a fixture
    'const nested = `a ${`b ${"}"} c`} d`; // templates in templates',
    "const picked = [1, 2].with(0, 3); // Array#with, not a CTE",
    "export const groups = { list, url, slashes, nested, picked };",
    "",
  ].join("\n"),
  "src/groups/groups.service.test.ts": [
    'import { list } from "./groups.repository.js";',
    'import { listAccounts } from "../accounts/accounts.repository.js";',
    'export const rows = (db: any) => db.selectFrom("accounts").execute();',
    "export { list, listAccounts };",
    "",
  ].join("\n"),
  "src/accounts/accounts.repository.ts":
    'export const listAccounts = (db: any) => db.selectFrom("accounts").execute();\n',
  "src/accounts/accounts.service.ts":
    'import { listAccounts } from "./accounts.repository.js";\nexport { listAccounts };\n',
  "src/groups/groups.schema.ts": [
    'import { z } from "zod";',
    'import type { Group } from "./group.js";',
    'import { id } from "./ids.schema.js";',
    "export const group = z.object({ id }) satisfies z.ZodType<Partial<Group>>;",
    "",
  ].join("\n"),
  "src/groups/ids.schema.ts": 'import { z } from "zod";\nexport const id = z.int();\n',
  "src/cli/commands/groups.ts":
    'import { groups } from "../../groups/groups.service.js";\nexport const run = () => groups;\n',
  "src/http/app.ts": 'import type { Group } from "../groups/group.js";\nexport type Page = Group[];\n',
  // `.query(` in a file that imports nothing of pg is not a pg client (Hono's `c.req.query`).
  "src/http/status-page.ts":
    'export const id = (c: any) => c.req.query("id") ?? c.req.query(name);\nconst name = "id";\n',
  "src/sandbox/validate.ts": 'import { readFileSync } from "node:fs";\nexport const own = readFileSync;\n',
  "src/threads/client.ts": 'export type { Group } from "../groups/group.js";\n',
  "src/a.ts": 'import type { B } from "./b.js";\nexport interface A { b?: B }\n',
  "src/b.ts": "export interface B { n: number }\n",
};

describe("layout check", () => {
  it("passes a tree that keeps every rule (comments, strings, regexes, templates, tests)", () => {
    expect(checkFiles(tree(CLEAN))).toEqual([]);
  });

  it("blanks comments and nothing else, keeping offsets", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source of a fixture
    const text = 'const a = "x // y"; // gone\nconst r = /\\/*x/; /* gone\n too */ const t = `${"/*"}`;';
    const blanked = blankComments(text);
    expect(blanked).toHaveLength(text.length);
    expect(blanked).toContain('"x // y"');
    expect(blanked).toContain("/\\/*x/");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source of a fixture
    expect(blanked).toContain('`${"/*"}`');
    expect(blanked).not.toContain("gone");
    expect(blanked.split("\n")).toHaveLength(3);
  });

  it("finds an import cycle, type-only imports included, and shows the way back", () => {
    const found = checkFiles(
      tree({
        "src/a.ts": 'import { b } from "./b.js";\nexport const a = b;\n',
        "src/b.ts": 'import type { C } from "./c.js";\nexport const b = 1 as unknown as C;\n',
        "src/c.ts": 'import type { A } from "./a.js";\nexport type C = A;\n',
      }),
    );
    expect(found.map((v) => v.key)).toEqual([
      "src/a.ts -> src/b.ts",
      "src/b.ts -> src/c.ts",
      "src/c.ts -> src/a.ts",
    ]);
    expect(found.every((v) => v.rule === "no-cycle")).toBe(true);
    expect(found[0]!.message).toBe(
      "src/a.ts:1 imports src/b.ts, which leads back: src/a.ts → src/b.ts → src/c.ts → src/a.ts",
    );
    expect(found[1]!.message).toContain("(type-only)");
  });

  it("finds SQL outside repositories and src/db/, one violation per statement", () => {
    const found = checkFiles(
      tree({
        "src/scheduler/jobs/post-job.ts": [
          'import { sql } from "kysely";',
          "export async function run(db: any) {",
          '  await db.selectFrom("runs").selectAll().execute();',
          '  await db.updateTable("runs").set({}).execute();',
          '  await db.with("due", (q: any) => q).selectFrom("due").execute();',
          "  await sql<{\n    n: number;\n  }>`select 1`.execute(db);",
          '  await db.insertInto("runs").values({}).execute();',
          '  await db.deleteFrom("runs").execute();',
          '  await db.replaceInto("runs").values({}).execute();',
          "  await db.schema.dropTable('x').execute();",
          '  conn.exec("begin exclusive");',
          "}",
        ].join("\n"),
      }),
    );
    expect(found.map((v) => `${v.line} ${v.key}`)).toEqual([
      "3 src/scheduler/jobs/post-job.ts: .selectFrom(",
      "4 src/scheduler/jobs/post-job.ts: .updateTable(",
      "5 src/scheduler/jobs/post-job.ts: .selectFrom(",
      "5 src/scheduler/jobs/post-job.ts: .with(",
      "6 src/scheduler/jobs/post-job.ts: sql`…`",
      "9 src/scheduler/jobs/post-job.ts: .insertInto(",
      "10 src/scheduler/jobs/post-job.ts: .deleteFrom(",
      "11 src/scheduler/jobs/post-job.ts: .replaceInto(",
      "12 src/scheduler/jobs/post-job.ts: .schema.",
      "13 src/scheduler/jobs/post-job.ts: raw SQL to the driver",
    ]);
    expect(found[0]!.message).toBe(
      "src/scheduler/jobs/post-job.ts:3 builds SQL (.selectFrom() outside a repository",
    );
  });

  it("finds kysely's sql and CompiledQuery under another name, as the file imports them", () => {
    const found = checkFiles(
      tree({
        "src/scheduler/inspect.ts": [
          'import { type Kysely, sql as q, CompiledQuery as CQ } from "kysely";',
          "export async function run(db: Kysely<any>) {",
          "  await q<{ n: number }>`select 1`.execute(db);",
          "  await q`select 2`.execute(db);",
          '  await db.selectFrom("runs").select(q.ref("id")).execute();',
          '  await db.executeQuery(CQ.raw("select 3"));',
          "  const fine = [1].map((q2) => q2); // q2 is not q",
          "  return fine;",
          "}",
        ].join("\n"),
        "src/scheduler/engine.ts": [
          'import * as k from "kysely";',
          "export const one = (db: any) => k.sql`select 1`.execute(db);",
          'export const two = (db: any) => db.executeQuery(k.CompiledQuery.raw("select 2"));',
        ].join("\n"),
      }),
    );
    expect(found.map((v) => `${v.file}:${v.line} ${v.key.split(": ")[1]}`)).toEqual([
      "src/scheduler/engine.ts:2 sql`…`",
      "src/scheduler/engine.ts:3 CompiledQuery.raw(",
      "src/scheduler/engine.ts:3 .executeQuery(",
      "src/scheduler/inspect.ts:3 sql`…` (kysely's sql under another name)",
      "src/scheduler/inspect.ts:4 sql`…` (kysely's sql under another name)",
      "src/scheduler/inspect.ts:5 .selectFrom(",
      "src/scheduler/inspect.ts:5 sql.raw/ref/id/lit/join/table/val( (kysely's sql under another name)",
      "src/scheduler/inspect.ts:6 .executeQuery(",
      "src/scheduler/inspect.ts:6 CompiledQuery.raw( (under another name)",
    ]);
  });

  it("finds CompiledQuery.raw( and .executeQuery( under their own names", () => {
    expect(
      keysOf({
        "src/http/app.ts": [
          'import { CompiledQuery } from "kysely";',
          'export const q = CompiledQuery.raw("select 1");',
          "export const run = (db: any, query: any) => db.executeQuery(query);",
        ].join("\n"),
      }),
    ).toEqual([
      "sql-outside-repository src/http/app.ts: CompiledQuery.raw(",
      "sql-outside-repository src/http/app.ts: .executeQuery(",
    ]);
  });

  it("finds every .query( in a file that imports pg, a variable as well as a literal, once each", () => {
    const found = checkFiles(
      tree({
        "src/scheduler/wake.ts": [
          'import type { PoolClient as C } from "pg";',
          "export async function listen(c: C, text: string) {",
          "  await c.query(text);",
          '  await c.query("listen wake");',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source of a fixture
          "  await c.query(`notify ${text}`);",
          "}",
        ].join("\n"),
        "src/cli/commands/raw.ts": [
          'import pg from "pg";',
          "const pool = new pg.Pool();",
          "export const run = (statement: string) => pool.query(statement);",
        ].join("\n"),
      }),
    );
    expect(found.map((v) => `${v.file}:${v.line} ${v.key.split(": ")[1]}`)).toEqual([
      "src/cli/commands/raw.ts:3 .query( on a pg client",
      "src/scheduler/wake.ts:3 .query( on a pg client",
      "src/scheduler/wake.ts:4 .query( on a pg client",
      "src/scheduler/wake.ts:5 .query( on a pg client",
    ]);
  });

  it("exempts only the repositories of features with data, not any file named *.repository.ts", () => {
    const query = 'export const q = (db: any) => db.selectFrom("runs").execute();\n';
    const found = checkFiles(
      tree({
        "src/scheduler/runs.repository.ts": query,
        "src/cli/x.repository.ts": query,
        "src/http/x.repository.ts": query,
        "src/app/x.repository.ts": query,
        "src/x.repository.ts": query,
      }),
    );
    expect(found.map((v) => v.file)).toEqual([
      "src/app/x.repository.ts",
      "src/cli/x.repository.ts",
      "src/http/x.repository.ts",
      "src/x.repository.ts",
    ]);
    expect(found[1]!.message).toBe(
      "src/cli/x.repository.ts:1 builds SQL (.selectFrom() outside a repository of a feature with data (accounts, groups, schedules, scheduler, publications)",
    );
  });

  it("refuses src/http/ and src/cli/ importing src/db/, type-only too", () => {
    expect(
      keysOf({
        "src/db/connect.ts": "export type Db = unknown;\nexport const open = () => 1;\n",
        "src/http/app.ts": 'import type { Db } from "../db/connect.js";\nexport type D = Db;\n',
        "src/cli/commands/post.ts": 'import { open } from "../../db/connect.js";\nexport const o = open;\n',
        "src/app/create-app.ts": 'import { open } from "../db/connect.js";\nexport const o = open;\n',
      }),
    ).toEqual([
      "no-db-in-http-cli src/cli/commands/post.ts -> src/db/connect.ts",
      "no-db-in-http-cli src/http/app.ts -> src/db/connect.ts",
    ]);
  });

  it("refuses a feature importing another feature's repository, and files outside any feature", () => {
    expect(
      keysOf({
        "src/accounts/accounts.repository.ts": "export const find = 1;\n",
        "src/accounts/accounts.service.ts":
          'import { find } from "./accounts.repository.js";\nexport { find };\n',
        "src/groups/groups.service.ts":
          'import { find } from "../accounts/accounts.repository.js";\nexport { find };\n',
        "src/scheduler/jobs/post-job.ts": 'export * from "../../accounts/accounts.repository.js";\n',
        "src/config.ts": 'import { find } from "./accounts/accounts.repository.js";\nexport { find };\n',
      }),
    ).toEqual([
      "no-foreign-repository src/config.ts -> src/accounts/accounts.repository.ts",
      "no-foreign-repository src/groups/groups.service.ts -> src/accounts/accounts.repository.ts",
      "no-foreign-repository src/scheduler/jobs/post-job.ts -> src/accounts/accounts.repository.ts",
    ]);
  });

  it("keeps src/sandbox/ and src/threads/ apart, both ways", () => {
    expect(
      keysOf({
        "src/threads/preflight.ts": "export const limit = 500;\n",
        "src/sandbox/validate.ts": 'import { limit } from "../threads/preflight.js";\nexport { limit };\n',
        "src/sandbox/types.ts": "export type T = 1;\n",
        "src/threads/client.ts": 'import type { T } from "../sandbox/types.js";\nexport type U = T;\n',
      }),
    ).toEqual([
      "sandbox-threads-apart src/sandbox/validate.ts -> src/threads/preflight.ts",
      "sandbox-threads-apart src/threads/client.ts -> src/sandbox/types.ts",
    ]);
  });

  it("keeps *.schema.ts pure: zod, other schemas and pure domain files only, saying why", () => {
    const found = checkFiles(
      tree({
        "src/db/schema.ts": "export type RunState = 'planned';\n",
        "src/schedules/schedule.ts":
          'import type { RunState } from "../db/schema.js";\nexport type S = RunState;\n',
        "src/schedules/zone.ts": 'import { DateTime } from "luxon";\nexport const z0 = DateTime.utc;\n',
        "src/schedules/schedules.schema.ts": [
          'import { readFileSync } from "node:fs";',
          'import { z } from "zod";',
          'import { format } from "date-fns";',
          'import type { S } from "./schedule.js";',
          'import { z0 } from "./zone.js";',
          'import type { Db } from "../db/connect.js";',
          "export const s = { readFileSync, z, format, z0 } as unknown as S | Db;",
        ].join("\n"),
        "src/db/connect.ts": "export type Db = 1;\n",
      }),
    );
    expect(found.map((v) => v.message)).toEqual([
      "src/schedules/schedules.schema.ts:1 imports node:fs: a schema imports only zod of packages",
      "src/schedules/schedules.schema.ts:3 imports date-fns: a schema imports only zod of packages",
      "src/schedules/schedules.schema.ts:4 imports src/schedules/schedule.ts (type-only): src/schedules/schedule.ts → src/db/schema.ts is in src/db/",
      "src/schedules/schedules.schema.ts:6 imports src/db/connect.ts (type-only): src/db/connect.ts is in src/db/",
    ]);
  });

  it("says which rule, which file and what to do", () => {
    const text = formatViolations(
      checkFiles(tree({ "src/http/app.ts": 'export const q = (db: any) => db.selectFrom("runs");\n' })),
    );
    expect(text).toContain(
      "[sql-outside-repository] SQL only in src/db/ and the *.repository.ts files of features with data (1)",
    );
    expect(text).toContain("src/http/app.ts:1 builds SQL (.selectFrom() outside a repository");
    expect(text).toContain("→ Move the query into a function of the owning feature's *.repository.ts");
  });
});

describe("layout baseline", () => {
  const before = {
    "src/scheduler/inspect.ts": 'export const q = (db: any) => db.selectFrom("runs");\n',
    "src/groups/groups.repository.ts": "export const r = 1;\n",
    "src/schedules/schedules.service.ts":
      'import { r } from "../groups/groups.repository.js";\nexport { r };\n',
  };
  const baseline = toBaseline(checkFiles(tree(before)));

  it("passes the known violations, counted per file", () => {
    expect(baseline).toEqual({
      "no-foreign-repository": { "src/schedules/schedules.service.ts -> src/groups/groups.repository.ts": 1 },
      "sql-outside-repository": { "src/scheduler/inspect.ts: .selectFrom(": 1 },
    });
    expect(compareWithBaseline(checkFiles(tree(before)), baseline)).toEqual({ fresh: [], fixed: [] });
  });

  it("fails on a new violation, also one more statement in a file already listed", () => {
    const after = {
      ...before,
      "src/scheduler/inspect.ts":
        'export const q = (db: any) => db.selectFrom("runs");\nexport const p = (db: any) => db.selectFrom("runs");\n',
      "src/accounts/accounts.service.ts":
        'import { r } from "../groups/groups.repository.js";\nexport { r };\n',
    };
    const { fresh } = compareWithBaseline(checkFiles(tree(after)), baseline);
    expect(fresh.map((v) => `${v.file}:${v.line} ${v.rule}`)).toEqual([
      "src/accounts/accounts.service.ts:1 no-foreign-repository",
      "src/scheduler/inspect.ts:1 sql-outside-repository",
      "src/scheduler/inspect.ts:2 sql-outside-repository",
    ]);
  });

  it("reports a known violation that is gone as fixed, without failing", () => {
    const after = { ...before, "src/scheduler/inspect.ts": "export const q = 1;\n" };
    expect(compareWithBaseline(checkFiles(tree(after)), baseline)).toEqual({
      fresh: [],
      fixed: [{ rule: "sql-outside-repository", key: "src/scheduler/inspect.ts: .selectFrom(", count: 1 }],
    });
  });
});
