import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, saveGeneratedKey } from "../src/config.js";

const dir = () => mkdtempSync(join(tmpdir(), "ts-config-"));

describe("loadConfig", () => {
  it("defaults to SQLite in DATA_DIR and the sandbox, and creates nothing", () => {
    const d = dir();
    const c = loadConfig({ DATA_DIR: d, DEFAULT_TIMEZONE: "Asia/Tokyo" });
    expect(c.databaseUrl).toBe(join(d, "threads-scheduler.db"));
    expect(c.databaseLocatedBy).toBe("DATA_DIR");
    expect(c.threads).toEqual({ kind: "sandbox" });
    expect(c.port).toBe(3000);
    expect(c.sandboxPort).toBe(3001);
    expect(c.publicBaseUrl).toBe("http://127.0.0.1:3000");
    expect(c.threadsRedirectUri).toBe("http://127.0.0.1:3000/oauth/callback");
    // A new key is held in memory; loading the configuration writes no file (a read-only command creates nothing).
    expect(c.secretKeySource).toBe("new");
    expect(c.secretKey).toHaveLength(32);
    expect(c.secretKeyFile).toBe(join(d, "secret.key"));
    expect(readdirSync(d)).toEqual([]);
    expect(Object.isFrozen(c)).toBe(true);
    expect(loadConfig({}).databaseLocatedBy).toBe("default");
    expect(loadConfig({ DATA_DIR: d, DATABASE_URL: join(d, "x.db") }).databaseLocatedBy).toBe("DATABASE_URL");
  });

  it("saves a new key once, 0600, and reads it back on the next start", () => {
    const d = dir();
    const c = saveGeneratedKey(loadConfig({ DATA_DIR: d }));
    expect(c.secretKeySource).toBe("generated");
    const file = join(d, "secret.key");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8").trim()).toBe(c.secretKey.toString("hex"));
    const again = loadConfig({ DATA_DIR: d });
    expect(again.secretKeySource).toBe("file");
    expect(again.secretKey.equals(c.secretKey)).toBe(true);
    expect(saveGeneratedKey(again)).toBe(again);
  });

  it("uses the key another process saved first instead of overwriting it", () => {
    const d = dir();
    const mine = loadConfig({ DATA_DIR: d });
    const theirs = saveGeneratedKey(loadConfig({ DATA_DIR: d }));
    const saved = saveGeneratedKey(mine);
    expect(saved.secretKeySource).toBe("file");
    expect(saved.secretKey.equals(theirs.secretKey)).toBe(true);
    expect(saved.secretKey.equals(mine.secretKey)).toBe(false);
  });

  it("says which key file it cannot read and what to do, instead of the system's error", () => {
    const d = dir();
    // Root reads any file whatever its mode; a folder in place of the file cannot be read by anyone.
    mkdirSync(join(d, "secret.key"));
    expect(() => loadConfig({ DATA_DIR: d })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: d })).toThrow(
      `cannot read the token encryption key ${join(d, "secret.key")}`,
    );
    expect(loadConfig({ DATA_DIR: d, SECRET_KEY: "2b".repeat(32) }).secretKeySource).toBe("env");
  });

  it("reads STOP_TIMEOUT in seconds (default 30) and names it when it is wrong", () => {
    expect(loadConfig({ DATA_DIR: dir() }).stopTimeoutMs).toBe(30_000);
    expect(loadConfig({ DATA_DIR: dir(), STOP_TIMEOUT: "2.5" }).stopTimeoutMs).toBe(2_500);
    expect(loadConfig({ DATA_DIR: dir(), STOP_TIMEOUT: "0" }).stopTimeoutMs).toBe(0);
    for (const bad of ["-1", "soon", "7200"]) {
      expect(() => loadConfig({ DATA_DIR: dir(), STOP_TIMEOUT: bad })).toThrow(
        new ConfigError(
          "STOP_TIMEOUT",
          `"${bad}" is not a number of seconds between 0 and 3600 (for example 30).`,
        ),
      );
    }
  });

  it("lets flags override the environment", () => {
    const c = loadConfig({ DATA_DIR: dir(), PORT: "4000" }, { PORT: "5000" });
    expect(c.port).toBe(5000);
  });

  it("treats THREADS_GRAPH_URL as Threads whatever else is configured", () => {
    const c = loadConfig({
      DATA_DIR: dir(),
      THREADS_GRAPH_URL: "http://127.0.0.1:9999/",
      THREADS_APP_ID: "1",
      THREADS_APP_SECRET: "s",
    });
    expect(c.threads).toEqual({
      kind: "remote",
      graphUrl: "http://127.0.0.1:9999",
      authorizeUrl: "http://127.0.0.1:9999/oauth/authorize",
      live: false,
    });
  });

  it("uses Meta's API in live mode", () => {
    const c = loadConfig({ DATA_DIR: dir(), THREADS_APP_ID: "1", THREADS_APP_SECRET: "s" });
    expect(c.threads).toMatchObject({ kind: "remote", graphUrl: "https://graph.threads.com", live: true });
  });

  it.each([
    [{ PORT: "70000" }, "PORT"],
    [{ DEFAULT_TIMEZONE: "Mars/Olympus" }, "DEFAULT_TIMEZONE"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ THREADS_APP_ID: "1" }, "THREADS_APP_SECRET"],
    [{ SECRET_KEY: "short" }, "SECRET_KEY"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL"],
    [{ THREADS_GRAPH_URL: "not a url" }, "THREADS_GRAPH_URL"],
    [{ SCHEDULER_CONCURRENCY: "0" }, "SCHEDULER_CONCURRENCY"],
  ])("names the variable in errors: %o", (env, variable) => {
    try {
      loadConfig({ DATA_DIR: dir(), ...env });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe(variable);
      expect((error as Error).message).toContain(variable);
    }
  });
});

describe("the Threads API base and authorize page (issue #12)", () => {
  it("live mode uses graph.threads.com and threads.com's authorize page by default", () => {
    const c = loadConfig({ DATA_DIR: dir(), THREADS_APP_ID: "1", THREADS_APP_SECRET: "s" });
    expect(c.threads).toEqual({
      kind: "remote",
      graphUrl: "https://graph.threads.com",
      authorizeUrl: "https://threads.com/oauth/authorize",
      live: true,
    });
  });

  it("keeps graph.threads.net working when configured, with Meta's authorize page (not the graph host's)", () => {
    const c = loadConfig({
      DATA_DIR: dir(),
      THREADS_GRAPH_URL: "https://graph.threads.net/",
      THREADS_APP_ID: "1",
      THREADS_APP_SECRET: "s",
    });
    expect(c.threads).toEqual({
      kind: "remote",
      graphUrl: "https://graph.threads.net",
      authorizeUrl: "https://threads.com/oauth/authorize",
      live: true,
    });
  });

  it("THREADS_AUTHORIZE_URL overrides the authorize page", () => {
    const c = loadConfig({
      DATA_DIR: dir(),
      THREADS_APP_ID: "1",
      THREADS_APP_SECRET: "s",
      THREADS_AUTHORIZE_URL: "https://threads.net/oauth/authorize",
    });
    expect(c.threads).toMatchObject({ authorizeUrl: "https://threads.net/oauth/authorize", live: true });
  });
});
