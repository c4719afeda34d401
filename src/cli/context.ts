import type { App, Services } from "../app/create-app.js";
import {
  type AppNeeds,
  type AppOptions,
  type AppSession,
  type KeyTools,
  openAppSession,
} from "../app/open-app.js";
import type { ThreadsConnection } from "../app/threads-connection.js";
import { type Clock, systemClock } from "../clock.js";
import type { Config, ConfigOverrides } from "../config.js";
import type { Logger } from "../log.js";
import type { Output } from "./output.js";
import { type Prompt, processPrompt } from "./prompt.js";

/** What the running command needs (from its Command): how it uses the database and the secret key. */
export type CommandNeeds = AppNeeds;

/**
 * What a command can reach: the app for this command (app/open-app.ts: its database, key check, Threads and
 * App, each opened on first use and closed once at the end), the terminal and the clock.
 */
export interface CliContext {
  output: Output;
  /** Questions to the person at the terminal (confirmations); commands never read process.stdin. */
  prompt: Prompt;
  clock: Clock;
  config(): Config;
  logger(): Logger;
  /** Opens the database for the command's use and checks the key: a refused command does nothing else. */
  open(): Promise<void>;
  /** Threads (sandbox, remote or live); `serveSandbox` when this process is the service. */
  threads(opts?: { serveSandbox?: boolean }): Promise<ThreadsConnection>;
  /** The application (createApp) on this command's database and Threads (see AppSession.app). */
  app(opts?: AppOptions): Promise<App>;
  /** `app().services`. */
  services(): Promise<Services>;
  /** The secret key against the database's key check (`accounts list`, `migrate`, `tokens reset-key`). */
  keys(): Promise<KeyTools>;
  /** The database as messages name it (file path, or URL without password). */
  databaseName(): string;
  /** A driver error about the database, explained (file, cause, what to do); other errors as they are. */
  explainError(error: unknown): unknown;
  close(): Promise<void>;
}

export function createCliContext(
  env: NodeJS.ProcessEnv,
  overrides: ConfigOverrides,
  output: Output,
  needs: CommandNeeds = { database: "write" },
  prompt: Prompt = processPrompt,
): CliContext {
  const clock = systemClock;
  const session: AppSession = openAppSession({
    env,
    overrides,
    needs,
    clock,
    notice: (message) => output.err(message),
  });
  return {
    output,
    prompt,
    clock,
    config: () => session.config(),
    logger: () => session.logger(),
    open: () => session.open(),
    threads: (opts) => session.threads(opts),
    app: (opts) => session.app(opts),
    services: async () => (await session.app()).services,
    keys: () => session.keys(),
    databaseName: () => session.databaseName(),
    explainError: (error) => session.explainError(error),
    close: () => session.close(),
  };
}
