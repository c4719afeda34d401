import type { ChildProcess } from "node:child_process";
import { ThreadsClient } from "../../src/threads/client.js";
import { spawnTsx, stop, waitForOutput } from "./proc.js";
import { percentile } from "./report.js";

export interface SandboxProcess {
  url: string;
  child: ChildProcess;
  close(): Promise<void>;
}

/** A standalone sandbox process (`threads-scheduler sandbox`), as another machine's Threads would be. */
export async function startSandboxProcess(opts: {
  latencyMs: number;
  processingMs: number;
}): Promise<SandboxProcess> {
  const profile = process.env.BENCH_PROFILE_DIR
    ? ["--cpu-prof", "--cpu-prof-dir", `${process.env.BENCH_PROFILE_DIR}/sandbox`]
    : [];
  const child = spawnTsx([
    ...profile,
    "src/cli.ts",
    "sandbox",
    "--port",
    "0",
    "--latency-ms",
    String(opts.latencyMs),
    "--processing-ms",
    String(opts.processingMs),
  ]);
  const match = await waitForOutput(child, /listening on (http:\/\/\S+)/);
  return { url: match[1]!, child, close: () => stop(child) };
}

export interface SandboxUser {
  userId: string;
  username: string;
  token: string;
}

/** Creates users with long-lived tokens through the admin API, `parallel` at a time. */
export async function createUsers(
  url: string,
  count: number,
  prefix: string,
  parallel = 16,
): Promise<SandboxUser[]> {
  const users: SandboxUser[] = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const res = await fetch(`${url}/__sandbox/users`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: `${prefix}_${i + 1}` }),
      });
      if (!res.ok) throw new Error(`sandbox refused to create a user: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { user_id: string; username: string; access_token: string };
      users[i] = { userId: body.user_id, username: body.username, token: body.access_token };
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return users;
}

export interface BurstOutcome {
  /** Posts expected (one per user). */
  expected: number;
  published: number;
  /** Posts beyond the first for the same user. */
  duplicates: number;
  /** Users with no published post. */
  losses: number;
  /** API calls the sandbox received during the run (not /__sandbox). */
  calls: number;
  /** due → first API call per user that got one, ms. */
  fireDelay: { n: number; min: number; p50: number; p99: number; max: number };
  /** due → last publish seen by the sandbox, ms. */
  drainMs: number;
  /** Arrival of each user's first and last API call (epoch ms), for stage timings. */
  perUser: Record<string, { firstAt: number; lastAt: number }>;
}

/** Reads what the sandbox saw: first call per user, published posts; compares with one post per user due at `dueAt`. */
export async function burstOutcome(
  url: string,
  users: SandboxUser[],
  dueAt: number,
  callsBefore = 0,
): Promise<BurstOutcome> {
  const calls = (await (await fetch(`${url}/__sandbox/calls`)).json()) as {
    total: number;
    users: Record<string, { firstAt: number; lastAt: number }>;
  };
  const published = (await (await fetch(`${url}/__sandbox/published`)).json()) as Array<{
    userId: string;
    publishedAt: number;
  }>;
  const expected = new Set(users.map((u) => u.userId));
  const perUser = new Map<string, number>();
  let last = Number.NaN;
  for (const p of published) {
    if (!expected.has(p.userId)) continue;
    perUser.set(p.userId, (perUser.get(p.userId) ?? 0) + 1);
    if (!(p.publishedAt <= last)) last = p.publishedAt;
  }
  const delays = users
    .map((u) => calls.users[u.userId]?.firstAt)
    .filter((at): at is number => at !== undefined)
    .map((at) => at - dueAt)
    .sort((a, b) => a - b);
  let duplicates = 0;
  let losses = 0;
  for (const u of users) {
    const n = perUser.get(u.userId) ?? 0;
    if (n === 0) losses++;
    else duplicates += n - 1;
  }
  return {
    expected: users.length,
    published: published.filter((p) => expected.has(p.userId)).length,
    duplicates,
    losses,
    calls: calls.total - callsBefore,
    fireDelay: {
      n: delays.length,
      min: delays[0] ?? Number.NaN,
      p50: percentile(delays, 50),
      p99: percentile(delays, 99),
      max: delays.at(-1) ?? Number.NaN,
    },
    drainMs: last - dueAt,
    perUser: Object.fromEntries(
      users.flatMap((u) => (calls.users[u.userId] ? [[u.userId, calls.users[u.userId]!]] : [])),
    ),
  };
}

/** The floor the issue sets: every call's latency, spread over the pool (plus media processing, which no pool hides). */
export function drainBound(
  calls: number,
  latencyMs: number,
  concurrency: number,
  processingMs: number,
): number {
  return (calls * latencyMs) / concurrency + processingMs;
}

/**
 * What one API call costs on this machine right now: `posts` bare create + publish pairs through the
 * ThreadsClient, `concurrency` at a time, on other users. Returns wall time × concurrency / calls, the
 * per-call latency a perfect scheduler would see, to read drain times on a loaded machine.
 */
export async function probeCallMs(url: string, concurrency: number, posts = 100): Promise<number> {
  const users = await createUsers(url, posts, `probe_${Date.now()}`);
  const client = new ThreadsClient({ graphUrl: url });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < users.length; i = next++) {
        const u = users[i]!;
        const id = await client.createContainer(u.token, u.userId, { mediaType: "TEXT", text: "probe" });
        await client.publishContainer(u.token, u.userId, id);
      }
    }),
  );
  return ((performance.now() - started) * concurrency) / (posts * 2);
}

export async function callsSoFar(url: string): Promise<number> {
  return ((await (await fetch(`${url}/__sandbox/calls`)).json()) as { total: number }).total;
}
