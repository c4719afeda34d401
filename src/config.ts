import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { isPostgresUrl } from "./db/dialect.js";
import { firstProblem, stopTimeout } from "./schema-fields.js";
import { resolveTimeZone } from "./timezone.js";

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/** Meta's Graph API host in live mode (graph.threads.net still answers; THREADS_GRAPH_URL picks another). */
export const META_GRAPH_URL = "https://graph.threads.com";
/** Meta's OAuth authorize page in live mode (THREADS_AUTHORIZE_URL picks another). */
export const META_AUTHORIZE_URL = "https://threads.com/oauth/authorize";
export type LogLevel = (typeof LOG_LEVELS)[number];

export type ThreadsMode =
  /** The built-in emulator, started in-process on loopback. */
  | { kind: "sandbox" }
  /** Meta's API or another Threads-compatible server. */
  | { kind: "remote"; graphUrl: string; authorizeUrl: string; live: boolean };

export interface Config {
  databaseUrl: string;
  /** How the database location was chosen: DATABASE_URL, DATA_DIR, or the default ./data of the current folder. */
  databaseLocatedBy: "DATABASE_URL" | "DATA_DIR" | "default";
  dataDir: string;
  host: string;
  port: number;
  publicBaseUrl: string;
  threadsAppId: string | undefined;
  threadsAppSecret: string | undefined;
  threadsRedirectUri: string;
  threads: ThreadsMode;
  defaultTimezone: string;
  secretKey: Buffer;
  /**
   * Where the secret key came from: SECRET_KEY, the key file, "new": neither exists, so this key was made
   * now and is held in memory only, or "generated": a new key this process has written to `secretKeyFile`
   * (saveGeneratedKey), which it does only once the database is known to hold no token and no key check of
   * another key; loading the configuration never writes it.
   */
  secretKeySource: "env" | "file" | "new" | "generated";
  /** DATA_DIR/secret.key: where a key is read from when SECRET_KEY is not set, and a new one is saved. */
  secretKeyFile: string;
  logLevel: LogLevel;
  schedulerConcurrency: number;
  /**
   * How long a stopping service lets the posts in flight finish (ms; default 30 s) before it cuts off their
   * calls to Threads and exits. What it cuts is checked against Threads at the next start.
   */
  stopTimeoutMs: number;
  /** Loopback port of the built-in sandbox in sandbox mode. */
  sandboxPort: number;
}

/** One configuration variable: its name, default and meaning (for `--help` and the README). */
export const CONFIG_VARIABLES: ReadonlyArray<{ name: string; default: string; description: string }> = [
  {
    name: "DATABASE_URL",
    default: "./data/threads-scheduler.db",
    description: "SQLite file path or postgres://… URL",
  },
  {
    name: "DATA_DIR",
    default: "./data of the current folder",
    description: "Where the SQLite file and the generated secret key live; set it when installed",
  },
  { name: "HOST", default: "127.0.0.1", description: "Address the web server listens on" },
  { name: "PORT", default: "3000", description: "Port of the web server" },
  { name: "PUBLIC_BASE_URL", default: "http://HOST:PORT", description: "URL users reach the service at" },
  {
    name: "THREADS_APP_ID",
    default: "(none)",
    description: "Threads app id from Meta; with the secret, live mode",
  },
  { name: "THREADS_APP_SECRET", default: "(none)", description: "Threads app secret from Meta" },
  {
    name: "THREADS_REDIRECT_URI",
    default: "PUBLIC_BASE_URL/oauth/callback",
    description: "OAuth redirect URI registered in the Meta app",
  },
  {
    name: "THREADS_GRAPH_URL",
    default: "https://graph.threads.com",
    description: "Threads API base; when set, that server is Threads",
  },
  {
    name: "THREADS_AUTHORIZE_URL",
    default: "https://threads.com/oauth/authorize",
    description: "OAuth authorize page",
  },
  {
    name: "DEFAULT_TIMEZONE",
    default: "(system zone)",
    description: "IANA zone for new accounts and the 03:00 refresh",
  },
  {
    name: "SECRET_KEY",
    default: "(generated)",
    description: "Token encryption key: 32 bytes as 64 hex or base64",
  },
  { name: "LOG_LEVEL", default: "info", description: "debug, info, warn or error" },
  {
    name: "SCHEDULER_CONCURRENCY",
    default: "20",
    description: "Publications running at once in this process",
  },
  {
    name: "STOP_TIMEOUT",
    default: "30",
    description: "Seconds a stop waits for posts in flight before cutting them off and exiting",
  },
  {
    name: "SANDBOX_PORT",
    default: "PORT + 1",
    description: "Port of the built-in Threads sandbox (sandbox mode only; 0 picks a free port)",
  },
];

export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

/** Explicit overrides (from CLI flags) take precedence over the environment. */
export type ConfigOverrides = Partial<Record<(typeof CONFIG_VARIABLES)[number]["name"], string>>;

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses the configuration once. `env` is passed in (never read globally) so tests and tools can build
 * any configuration. Creates nothing: DATA_DIR and the database are created by `start`/`migrate`, the key file
 * by saveGeneratedKey.
 */
export function loadConfig(env: NodeJS.ProcessEnv, overrides: ConfigOverrides = {}): Readonly<Config> {
  const get = (name: string): string | undefined => {
    const v = overrides[name] ?? env[name];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };

  const dataDir = resolve(get("DATA_DIR") ?? "./data");
  const databaseUrl = get("DATABASE_URL") ?? join(dataDir, "threads-scheduler.db");
  const databaseLocatedBy =
    get("DATABASE_URL") !== undefined
      ? "DATABASE_URL"
      : get("DATA_DIR") !== undefined
        ? "DATA_DIR"
        : "default";
  if (!isPostgresUrl(databaseUrl) && /^[a-z]+:\/\//i.test(databaseUrl)) {
    throw new ConfigError(
      "DATABASE_URL",
      `"${databaseUrl}" is neither a SQLite file path nor a postgres:// URL.`,
    );
  }

  const host = get("HOST") ?? "127.0.0.1";
  const port = parsePort("PORT", get("PORT") ?? "3000");
  const sandboxPort = parsePort("SANDBOX_PORT", get("SANDBOX_PORT") ?? String(port === 0 ? 0 : port + 1));
  const publicBaseUrl = stripSlash(
    parseUrl("PUBLIC_BASE_URL", get("PUBLIC_BASE_URL") ?? `http://${hostForUrl(host)}:${port}`),
  );

  const threadsAppId = get("THREADS_APP_ID");
  const threadsAppSecret = get("THREADS_APP_SECRET");
  if ((threadsAppId === undefined) !== (threadsAppSecret === undefined)) {
    throw new ConfigError(
      threadsAppId ? "THREADS_APP_SECRET" : "THREADS_APP_ID",
      "THREADS_APP_ID and THREADS_APP_SECRET go together: set both for live mode, or neither for the sandbox.",
    );
  }
  const threadsRedirectUri = parseUrl(
    "THREADS_REDIRECT_URI",
    get("THREADS_REDIRECT_URI") ?? `${publicBaseUrl}/oauth/callback`,
  );
  const graphUrl = get("THREADS_GRAPH_URL");
  const authorizeUrl = get("THREADS_AUTHORIZE_URL");
  let threads: ThreadsMode;
  if (graphUrl !== undefined) {
    const g = stripSlash(parseUrl("THREADS_GRAPH_URL", graphUrl));
    const live = /(^|\.)threads\.(net|com)$/i.test(new URL(g).hostname);
    threads = {
      kind: "remote",
      graphUrl: g,
      // Meta's authorize page is on threads.com, not on the graph host; another server serves its own.
      authorizeUrl: parseUrl(
        "THREADS_AUTHORIZE_URL",
        authorizeUrl ?? (live ? META_AUTHORIZE_URL : `${new URL(g).origin}/oauth/authorize`),
      ),
      live,
    };
  } else if (threadsAppId !== undefined) {
    threads = {
      kind: "remote",
      // Meta: "either graph.threads.com or graph.threads.net"; its newer pages use .com, so that is the default
      // (THREADS_GRAPH_URL=https://graph.threads.net keeps the older host).
      graphUrl: META_GRAPH_URL,
      authorizeUrl: parseUrl("THREADS_AUTHORIZE_URL", authorizeUrl ?? META_AUTHORIZE_URL),
      live: true,
    };
  } else {
    threads = { kind: "sandbox" };
  }

  const zone = resolveTimeZone(
    get("DEFAULT_TIMEZONE") ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC",
  );
  if ("error" in zone) throw new ConfigError("DEFAULT_TIMEZONE", zone.error);
  const defaultTimezone = zone.zone;

  const logLevel = (get("LOG_LEVEL") ?? "info").toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError("LOG_LEVEL", `"${logLevel}" is not one of ${LOG_LEVELS.join(", ")}.`);
  }
  const schedulerConcurrency = parsePositiveInt(
    "SCHEDULER_CONCURRENCY",
    get("SCHEDULER_CONCURRENCY") ?? "20",
  );

  const stopTimeoutMs = parseStopTimeout("STOP_TIMEOUT", get("STOP_TIMEOUT") ?? "30");

  const secretKeyFile = join(dataDir, "secret.key");
  const { key: secretKey, source: secretKeySource } = loadSecretKey(get("SECRET_KEY"), secretKeyFile);

  return Object.freeze({
    databaseUrl:
      isPostgresUrl(databaseUrl) || databaseUrl === ":memory:" ? databaseUrl : absolute(databaseUrl),
    databaseLocatedBy,
    dataDir,
    host,
    port,
    publicBaseUrl,
    threadsAppId,
    threadsAppSecret,
    threadsRedirectUri,
    threads,
    defaultTimezone,
    secretKey,
    secretKeySource,
    secretKeyFile,
    logLevel: logLevel as LogLevel,
    schedulerConcurrency,
    stopTimeoutMs,
    sandboxPort,
  });
}

function loadSecretKey(
  value: string | undefined,
  file: string,
): { key: Buffer; source: Config["secretKeySource"] } {
  if (value !== undefined) return { key: decodeKey("SECRET_KEY", value), source: "env" };
  if (existsSync(file)) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ConfigError(
        "SECRET_KEY",
        code === "EACCES" || code === "EPERM"
          ? `cannot read the token encryption key ${file}: this user may not read it. Run the command as the user the service runs as, or make the file readable to this one (chown or chmod; keep it private, mode 0600), or set SECRET_KEY.`
          : `cannot read the token encryption key ${file}: ${(error as Error).message}. Restore it from a backup, or set SECRET_KEY.`,
      );
    }
    return { key: decodeKey(`SECRET_KEY (from ${file})`, text.trim()), source: "file" };
  }
  return { key: randomBytes(32), source: "new" };
}

/**
 * Writes a generated key to DATA_DIR/secret.key (mode 0600) and returns the configuration that reads it.
 * When another process wrote the file first, its key is the one used. DATA_DIR must exist.
 */
export function saveGeneratedKey(config: Readonly<Config>): Readonly<Config> {
  if (config.secretKeySource !== "new") return config;
  try {
    writeFileSync(config.secretKeyFile, `${config.secretKey.toString("hex")}\n`, { mode: 0o600, flag: "wx" });
    chmodSync(config.secretKeyFile, 0o600);
    return Object.freeze({ ...config, secretKeySource: "generated" as const });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
      throw new ConfigError(
        "SECRET_KEY",
        `cannot write the new token encryption key to ${config.secretKeyFile}: ${(error as Error).message}. Create ${config.dataDir} (or run \`threads-scheduler start\` once) and make it writable, or set SECRET_KEY.`,
      );
    }
    const key = decodeKey(
      `SECRET_KEY (from ${config.secretKeyFile})`,
      readFileSync(config.secretKeyFile, "utf8").trim(),
    );
    return Object.freeze({ ...config, secretKey: key, secretKeySource: "file" as const });
  }
}

function decodeKey(variable: string, text: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, "hex") : Buffer.from(text, "base64");
  if (key.length !== 32) {
    throw new ConfigError(
      variable,
      "must be 32 bytes, written as 64 hex digits or base64 (openssl rand -hex 32).",
    );
  }
  return key;
}

function parsePort(variable: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new ConfigError(variable, `"${text}" is not a port number (0–65535).`);
  }
  return n;
}

/** STOP_TIMEOUT: seconds (fractions allowed, at most an hour) as ms (the schema `start --stop-timeout` reads too). */
function parseStopTimeout(variable: string, text: string): number {
  const parsed = stopTimeout().safeParse(text);
  if (!parsed.success) throw new ConfigError(variable, firstProblem(parsed.error));
  return parsed.data;
}

function parsePositiveInt(variable: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new ConfigError(variable, `"${text}" is not a whole number above 0.`);
  return n;
}

function parseUrl(variable: string, text: string): string {
  try {
    const u = new URL(text);
    if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("not http(s)");
    return text;
  } catch {
    throw new ConfigError(variable, `"${text}" is not an http(s) URL.`);
  }
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

function hostForUrl(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "localhost";
  return host.includes(":") ? `[${host}]` : host;
}

function absolute(path: string): string {
  return isAbsolute(path) ? path : resolve(path);
}
