import type { Services } from "../app/create-app.js";
import { type AppNeeds, type AppSession, openAppSession } from "../app/open-app.js";
import { type Clock, systemClock } from "../clock.js";
import type { ConfigOverrides } from "../config.js";
import type { Output } from "./output.js";
import { type Prompt, processPrompt } from "./prompt.js";

/** What the running command needs (from its Command): how it uses the database and the secret key. */
export type CommandNeeds = AppNeeds;

/**
 * What a command can reach: the app session for this command (app/open-app.ts: its config, database, key
 * check, Threads and App, each opened on first use and closed once at the end), the terminal and the clock.
 */
export interface CliContext extends AppSession {
  output: Output;
  /** Questions to the person at the terminal (confirmations); commands never read process.stdin. */
  prompt: Prompt;
  clock: Clock;
  /** `app().services`. */
  services(): Promise<Services>;
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
    ...session,
    output,
    prompt,
    clock,
    services: async () => (await session.app()).services,
  };
}
