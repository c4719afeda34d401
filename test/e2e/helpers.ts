/**
 * End-to-end rig: real `threads-scheduler` processes (`node --import tsx src/cli.ts …`) against a standalone
 * sandbox process reached through THREADS_GRAPH_URL, i.e. "a Threads-compatible server that is not the
 * built-in one". Every test gets its own DATA_DIR and database (a SQLite file or a fresh PostgreSQL schema).
 * Every spawned process is tracked; `killAll()` (in afterEach/afterAll) SIGKILLs whatever is still alive.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, afterEach, beforeAll } from "vitest";
import { createApp } from "../../src/app/create-app.js";
import { systemClock } from "../../src/clock.js";
import { CONFIG_VARIABLES, loadConfig } from "../../src/config.js";
import type { Db } from "../../src/db/connect.js";
import type { Dialect } from "../../src/db/dialect.js";
import { silentLogger } from "../../src/log.js";
import type { FaultRule } from "../../src/sandbox/faults.js";
import type { PublishedRecord } from "../../src/sandbox/types.js";
import { ThreadsClient } from "../../src/threads/client.js";
import type { PostPart } from "../../src/threads/post.js";
import { createTestDb } from "../helpers/db.js";

export { DIALECTS } from "../helpers/db.js";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** Fixed so that processes started in parallel never race to generate the key file. */
export const SECRET_KEY = "2b".repeat(32);
export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const DAY = 24 * 60 * MINUTE;

/** A port nobody listens on right now: listen on 0, read it, close. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Something that reports as it goes: a process's output and exit, or the calls through a Graph tap. */
export interface Reporter {
  /** Calls `listener` after each report; returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
  /** What it reported, for a failure message. */
  seen(): string;
}

export interface Proc extends Reporter {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  exited: Promise<Exit>;
  /** Whether the process has exited (or was killed). */
  dead(): boolean;
  /** Resolves with the first match of `pattern` in stdout (or stderr); rejects on exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  kill(signal: NodeJS.Signals): void;
}

/**
 * Waits on reports, never on a timer: `probe` runs now and again after each report of `from` (a line of
 * output, an exit, a call), one run at a time, until it returns a value other than undefined/false. Rejects
 * when a process of `alive` exits first, or after `timeoutMs`, with what every reporter had reported.
 */
export function waitOn<T>(
  from: Reporter[],
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  opts: { timeoutMs: number; what: string; alive?: Proc[] },
): Promise<T> {
  return new Promise<T>((resolveValue, reject) => {
    let done = false;
    let probing = false;
    let again = false;
    const unsubscribe = from.map((r) => r.subscribe(() => void run()));
    const seen = () => from.map((r) => r.seen()).join("\n");
    const finish = (error?: Error, value?: T) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      for (const u of unsubscribe) u();
      if (error) reject(error);
      else resolveValue(value as T);
    };
    const timer = setTimeout(
      () => finish(new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}\n${seen()}`)),
      opts.timeoutMs,
    );
    async function run(): Promise<void> {
      if (done) return;
      if (probing) {
        again = true;
        return;
      }
      probing = true;
      try {
        do {
          again = false;
          const value = await probe();
          if (value !== undefined && value !== false) return finish(undefined, value);
        } while (again && !done);
        const dead = opts.alive?.find((p) => p.dead());
        if (dead) {
          const exit = `code ${dead.child.exitCode}, signal ${dead.child.signalCode}`;
          finish(new Error(`a process exited (${exit}) while waiting for ${opts.what}\n${seen()}`));
        }
      } catch (error) {
        finish(error as Error);
      } finally {
        probing = false;
      }
    }
    void run();
  });
}

/** The JSON log lines of processes (LOG_LEVEL=info: the engine's events, one per line on stderr). */
export function logLines(procs: Proc[], msg?: string): Array<Record<string, unknown>> {
  return procs.flatMap((p) => parseLogLines(p.stderr())).filter((o) => msg === undefined || o.msg === msg);
}

function parseLogLines(text: string): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // A line cut by a kill.
    }
  }
  return lines;
}

/**
 * Resolves with the log lines of `procs` that `match`, once there are `count` of them; rejects when one of
 * `procs` exits first or after `timeoutMs`, with what they logged.
 */
export function waitForLogs(
  procs: Proc[],
  match: (line: Record<string, unknown>) => boolean,
  count: number,
  opts: { timeoutMs: number; what: string },
): Promise<Array<Record<string, unknown>>> {
  return waitOn(
    procs,
    () => {
      const found = logLines(procs).filter(match);
      return found.length >= count ? found : undefined;
    },
    { timeoutMs: opts.timeoutMs, what: opts.what, alive: procs },
  );
}

const live = new Set<Proc>();

/** The environment of a child: the parent's, minus every variable the service reads, plus `vars`. */
export function childEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const v of CONFIG_VARIABLES) delete env[v.name];
  delete env.NODE_OPTIONS;
  return { ...env, ...vars };
}

/** Starts `threads-scheduler ARGS` as a real process; `opts.cwd` runs it from another folder, `uid`/`gid` as another user. */
export function spawnCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { cwd?: string; uid?: number; gid?: number } = {},
): Proc {
  const entry =
    opts.cwd === undefined
      ? ["--import", "tsx", "src/cli.ts"]
      : [
          "--import",
          pathToFileURL(join(REPO, "node_modules/tsx/dist/loader.mjs")).href,
          join(REPO, "src/cli.ts"),
        ];
  const child = spawn(process.execPath, [...entry, ...args], {
    cwd: opts.cwd ?? REPO,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
    ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
  });
  let out = "";
  let err = "";
  const watchers = new Set<() => void>();
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    out += d;
    for (const w of watchers) w();
  });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => {
    err += d;
    for (const w of watchers) w();
  });
  const exited = new Promise<Exit>((resolveExit) => {
    child.once("close", (code, signal) => resolveExit({ code, signal }));
  });
  let exit: Exit | undefined;
  void exited.then((e) => {
    exit = e;
    for (const w of watchers) w();
  });
  const proc: Proc = {
    child,
    pid: child.pid ?? -1,
    stdout: () => out,
    stderr: () => err,
    exited,
    dead: () => exit !== undefined || child.exitCode !== null || child.signalCode !== null,
    subscribe(listener) {
      watchers.add(listener);
      return () => watchers.delete(listener);
    },
    seen() {
      const status = exit ? `exited (code ${exit.code}, signal ${exit.signal})` : "running";
      return `\`${args.join(" ")}\` (pid ${child.pid}, ${status})\nstdout: ${out.slice(-4000)}\nstderr: ${err.slice(-4000)}`;
    },
    async waitFor(pattern, timeoutMs) {
      const found = await waitOn([proc], () => out.match(pattern) ?? err.match(pattern) ?? undefined, {
        timeoutMs,
        what: `${pattern} from \`${args.join(" ")}\``,
        alive: [proc],
      });
      return found;
    },
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
  live.add(proc);
  void exited.then(() => live.delete(proc));
  return proc;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `threads-scheduler ARGS` to completion (SIGKILLed after `timeoutMs`). */
export async function runCliProcess(
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 45_000,
): Promise<CliResult> {
  const proc = spawnCli(args, env);
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  const exit = await proc.exited;
  clearTimeout(timer);
  return { code: exit.signal ? -1 : exit.code, stdout: proc.stdout(), stderr: proc.stderr() };
}

/** SIGKILLs every process still running (but those in `keep`) and waits until they are gone. */
export async function killAll(opts: { keep?: Array<Proc | undefined> } = {}): Promise<void> {
  const procs = [...live].filter((p) => !opts.keep?.includes(p));
  for (const p of procs) p.kill("SIGKILL");
  await Promise.all(procs.map((p) => p.exited));
}

/** Runs `work` over `items` with at most `limit` at a time, keeping the order of results. */
export async function mapLimit<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i]!);
  });
  await Promise.all(runners);
  return results;
}

export interface SandboxUser {
  user_id: string;
  username: string;
  access_token: string;
  expires_at: number;
  issued_at: number;
}

/** The standalone sandbox process and its admin API (/__sandbox/*). */
export interface SandboxProcess {
  url: string;
  proc: Proc;
  sampleImage: string;
  createUser(input?: { username?: string; token_age_seconds?: number }): Promise<SandboxUser>;
  published(userId?: string): Promise<PublishedRecord[]>;
  addFault(rule: FaultRule): Promise<void>;
  clearFaults(): Promise<void>;
  /** GET a Graph path with a token (e.g. a container's status). */
  graph(path: string, token: string): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/**
 * The lifecycle every e2e file shares: one sandbox process for the file (handed to `use`), and after each test
 * every other spawned process killed, injected faults cleared and the test's environments destroyed (push them
 * on the returned array). Call at the top level of a test file.
 */
export function useSandboxProcess(
  opts: { processingMs?: number; latencyMs?: number },
  use: (sandbox: SandboxProcess) => void,
): E2eEnv[] {
  let sandbox: SandboxProcess | undefined;
  const envs: E2eEnv[] = [];
  beforeAll(async () => {
    sandbox = await startSandboxProcess(opts);
    use(sandbox);
  }, 40_000);
  afterEach(async () => {
    await killAll({ keep: [sandbox?.proc] });
    await sandbox?.clearFaults();
    for (const e of envs.splice(0)) await e.destroy();
  });
  afterAll(async () => {
    await killAll();
  });
  return envs;
}

export async function startSandboxProcess(
  opts: { processingMs?: number; latencyMs?: number } = {},
): Promise<SandboxProcess> {
  const args = ["sandbox", "--port", "0", "--processing-ms", String(opts.processingMs ?? 200)];
  if (opts.latencyMs !== undefined) args.push("--latency-ms", String(opts.latencyMs));
  const proc = spawnCli(args, childEnv({ LOG_LEVEL: "warn" }));
  const match = await proc.waitFor(/listening on (http:\/\/\S+)/, 30_000);
  const url = match[1]!;
  const json = async <T>(res: Response, what: string): Promise<T> => {
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox ${what}: HTTP ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };
  return {
    url,
    proc,
    sampleImage: `${url}/__sandbox/media/sample.jpg`,
    async createUser(input = {}) {
      const res = await fetch(`${url}/__sandbox/users`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(input),
      });
      return json<SandboxUser>(res, "create user");
    },
    async published(userId) {
      const q = userId === undefined ? "" : `?user_id=${encodeURIComponent(userId)}`;
      return json<PublishedRecord[]>(await fetch(`${url}/__sandbox/published${q}`), "published");
    },
    async addFault(rule) {
      const res = await fetch(`${url}/__sandbox/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(rule),
      });
      await json(res, "add fault");
    },
    async clearFaults() {
      await json(await fetch(`${url}/__sandbox/faults`, { method: "DELETE" }), "clear faults");
    },
    async graph(path, token) {
      const sep = path.includes("?") ? "&" : "?";
      const res = await fetch(`${url}/v1.0/${path}${sep}access_token=${encodeURIComponent(token)}`);
      return json(res, `GET ${path}`);
    },
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
}

/** One call through a Graph tap, once answered. */
export interface GraphCall {
  method: string;
  /** Path and query as sent: `/v1.0/123/threads?…`. */
  path: string;
  status: number;
  body: string;
}

/** A pass-through proxy in front of the sandbox's Graph API that reports every call once it is answered. */
export interface GraphTap extends Reporter {
  url: string;
  calls: GraphCall[];
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "content-encoding",
  "host",
]);

/**
 * Starts a tap in front of `target` (give a process `THREADS_GRAPH_URL: tap.url`): what the process asks
 * Threads, and when, becomes something to wait on (e.g. "every post is polling its IN_PROGRESS container"),
 * where the process itself logs nothing.
 */
export async function startGraphTap(target: string): Promise<GraphTap> {
  const calls: GraphCall[] = [];
  const watchers = new Set<() => void>();
  const record = (call: GraphCall) => {
    calls.push(call);
    for (const w of watchers) w();
  };
  const server = createHttpServer(async function forward(req, res) {
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (typeof v === "string" && !HOP_BY_HOP.has(k)) headers.set(k, v);
    }
    try {
      const answer = await fetch(`${target}${path}`, {
        method,
        headers,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
        redirect: "manual",
      });
      const body = Buffer.from(await answer.arrayBuffer());
      const out: Record<string, string> = {};
      answer.headers.forEach((v, k) => {
        if (!HOP_BY_HOP.has(k)) out[k] = v;
      });
      res.writeHead(answer.status, out);
      res.end(body);
      record({ method, path, status: answer.status, body: body.toString("utf8") });
    } catch (error) {
      res.destroy();
      record({ method, path, status: 0, body: String(error) });
    }
  });
  await new Promise<void>((resolveListen) => server.listen(0, "127.0.0.1", resolveListen));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    subscribe(listener) {
      watchers.add(listener);
      return () => watchers.delete(listener);
    },
    seen: () =>
      `Graph calls through the tap (${calls.length}):\n${calls
        .slice(-40)
        .map((c) => `  ${c.method} ${c.path} → ${c.status} ${c.body.slice(0, 120)}`)
        .join("\n")}`,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}

/** One test's service installation: its own DATA_DIR and database, pointed at the sandbox process. */
export interface E2eEnv {
  dialect: Dialect;
  /** An in-process connection to the same database, for setup and inspection. */
  db: Db;
  databaseUrl: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  vars: Record<string, string>;
  cli(args: string[], timeoutMs?: number): Promise<CliResult>;
  /** `cli` that must exit 0; parses stdout as JSON when `--json` is among the args. */
  ok(args: string[], timeoutMs?: number): Promise<CliResult>;
  json<T = Record<string, unknown>[]>(args: string[]): Promise<T>;
  spawn(args: string[], extra?: Record<string, string>): Proc;
  destroy(): Promise<void>;
}

export async function createE2eEnv(
  dialect: Dialect,
  sandboxUrl: string,
  extra: Record<string, string> = {},
): Promise<E2eEnv> {
  const t = await createTestDb(dialect);
  const dataDir = mkdtempSync(join(tmpdir(), "ts-e2e-"));
  const vars: Record<string, string> = {
    DATA_DIR: dataDir,
    DATABASE_URL: t.url,
    THREADS_GRAPH_URL: sandboxUrl,
    DEFAULT_TIMEZONE: "UTC",
    SECRET_KEY,
    LOG_LEVEL: "warn",
    ...extra,
  };
  const env = childEnv(vars);
  const e: E2eEnv = {
    dialect,
    db: t.db,
    databaseUrl: t.url,
    dataDir,
    env,
    vars,
    cli: (args, timeoutMs) => runCliProcess(args, env, timeoutMs),
    async ok(args, timeoutMs) {
      const r = await runCliProcess(args, env, timeoutMs);
      if (r.code !== 0) {
        throw new Error(
          `\`threads-scheduler ${args.join(" ")}\` exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
        );
      }
      return r;
    },
    async json<T>(args: string[]) {
      const r = await e.ok([...args, "--json"]);
      return JSON.parse(r.stdout) as T;
    },
    spawn: (args, more = {}) => spawnCli(args, childEnv({ ...vars, ...more })),
    async destroy() {
      await t.destroy().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return e;
}

/**
 * Polls `probe` until it returns a value other than undefined/false. Only for a state that nothing reports
 * (the sandbox's record of a publish whose answer it holds back, the kernel's process table): wait on what
 * a process reports with `waitOn`/`waitForLogs` wherever there is such a report.
 */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined | false>,
  opts: { timeoutMs: number; intervalMs?: number; what: string; alive?: Proc[] },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    const dead = opts.alive?.find((p) => p.dead());
    if (dead) throw new Error(`a process exited while waiting for ${opts.what}\n${dead.seen()}`);
    if (Date.now() > deadline)
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}

/** Counts published root posts (replies excluded) per sandbox user id. */
export function rootPostsPerUser(records: PublishedRecord[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of records) {
    if (r.replyToId !== undefined) continue;
    counts.set(r.userId, (counts.get(r.userId) ?? 0) + 1);
  }
  return counts;
}

/** "HH:MM" in UTC of an instant. */
export function hhmmUtc(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

/** The next whole minute at least `minLeadMs` away. */
export function nextWholeMinute(now: number, minLeadMs: number): number {
  let t = Math.ceil(now / MINUTE) * MINUTE;
  if (t - now < minLeadMs) t += MINUTE;
  return t;
}

const TABLES = [
  "accounts",
  "post_groups",
  "post_parts",
  "schedules",
  "planned_days",
  "runs",
  "publications",
  "publication_parts",
  "insight_snapshots",
] as const;

/** Every row of every table (app_state aside), to show that a refused command changed nothing. */
export async function snapshotTables(db: Db): Promise<Record<string, unknown[]>> {
  const snapshot: Record<string, unknown[]> = {};
  for (const table of TABLES) snapshot[table] = await db.selectFrom(table).selectAll().execute();
  return snapshot;
}

export interface SeededAccount {
  accountId: number;
  user: SandboxUser;
  scheduleId: number;
}

/**
 * Writes `count` accounts (real sandbox users, tokens checked with /me through the real services), each with
 * one post group and one fixed schedule, in-process before any service process is spawned; then moves every
 * schedule's first run to `dueAt`, so that all of them fall due at the same instant.
 */
export async function seedDueAccounts(
  e: E2eEnv,
  sandbox: SandboxProcess,
  opts: { count: number; prefix: string; dueAt: number; parts?: (i: number) => PostPart[] },
): Promise<SeededAccount[]> {
  const config = loadConfig(e.vars);
  const { services } = createApp({
    config,
    db: e.db,
    threads: {
      client: new ThreadsClient({ graphUrl: sandbox.url }),
      mode: "remote",
      graphUrl: sandbox.url,
      canExchangeTokens: false,
    },
    clock: systemClock,
    logger: silentLogger,
  });
  // A fixed time far from now; its first instant is then moved to `dueAt`.
  const time = hhmmUtc(Date.now() + 6 * 3_600_000);
  const seeded = await mapLimit(
    Array.from({ length: opts.count }, (_, i) => i),
    10,
    async (i): Promise<SeededAccount> => {
      const user = await sandbox.createUser({ username: `${opts.prefix}${i}` });
      const { account } = await services.accounts.addWithToken(user.access_token);
      await services.groups.add(account.id, {
        name: `group ${i}`,
        parts: opts.parts?.(i) ?? [{ text: `${opts.prefix} post ${i}` }],
      });
      const schedule = await services.schedules.add({ accountId: account.id, kind: "fixed", times: [time] });
      return { accountId: account.id, user, scheduleId: schedule.id };
    },
  );
  const first = await e.db
    .selectFrom("runs")
    .select((eb) => eb.fn.min("due_at").as("first"))
    .where("job", "=", "post")
    .executeTakeFirstOrThrow();
  const moved = await e.db
    .updateTable("runs")
    .set({ due_at: opts.dueAt, run_at: opts.dueAt })
    .where("job", "=", "post")
    .where("due_at", "=", Number(first.first))
    .executeTakeFirst();
  if (Number(moved.numUpdatedRows) !== opts.count) {
    throw new Error(`expected ${opts.count} first runs, moved ${moved.numUpdatedRows}`);
  }
  return seeded;
}

/** Run states of the post runs due at `dueAt`, counted. */
export async function statesAt(db: Db, dueAt: number): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom("runs")
    .select(["state", (eb) => eb.fn.countAll<number>().as("n")])
    .where("job", "=", "post")
    .where("due_at", "=", dueAt)
    .groupBy("state")
    .execute();
  return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
}

/** True when no post run due at `dueAt` is still planned, running or waiting for a check. */
export function settled(states: Record<string, number>): boolean {
  return !states.planned && !states.running && !states.needs_check;
}

/** Engine events a process logged (LOG_LEVEL=info writes one JSON object per line on stderr). */
export function loggedEvents(proc: Proc, msg: string): Array<Record<string, unknown>> {
  return logLines([proc], msg);
}
