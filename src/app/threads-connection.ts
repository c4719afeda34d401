import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import { SANDBOX_APP_ID, SANDBOX_APP_SECRET } from "../sandbox/index.js";
import { sampleMediaUrls } from "../sandbox/sample-media.js";
import { ThreadsClient } from "../threads/client.js";
import { type FindSandboxOptions, findOrStartSandbox, type SandboxHandle } from "./sandbox-connection.js";

export interface ThreadsConnection {
  client: ThreadsClient;
  graphUrl: string;
  authorizeUrl: string;
  /** "sandbox": the built-in emulator; "remote": THREADS_GRAPH_URL; "live": Meta's API. */
  mode: "sandbox" | "remote" | "live";
  /** Short-lived tokens can be exchanged for long-lived ones (an app secret is known). */
  canExchangeTokens: boolean;
  /** What every output says about where posts go. */
  banner: string;
  /**
   * Sandbox mode: the sample images and video the sandbox serves, for trying media posts. Absent when this
   * command serves the sandbox only while it runs (no service is running): those URLs would not last.
   */
  sampleMediaUrls?: string[];
  close(): Promise<void>;
}

export { sandboxStateFile } from "./sandbox-connection.js";

/**
 * Resolves where Threads is. With THREADS_GRAPH_URL set, that server is Threads; with a Meta app, Meta's API;
 * otherwise the built-in sandbox: served by `start` on SANDBOX_PORT and found by every other process through the
 * database and the state file's lock (see sandbox-connection.ts), or served in-process for one command.
 */
export async function connectThreads(
  config: Config,
  logger: Logger,
  opts: FindSandboxOptions,
): Promise<ThreadsConnection> {
  const clientFor = (graphUrl: string, app: { appId?: string; appSecret?: string }) =>
    new ThreadsClient({ graphUrl, ...app, redirectUri: config.threadsRedirectUri });
  const configuredApp = {
    ...(config.threadsAppId ? { appId: config.threadsAppId } : {}),
    ...(config.threadsAppSecret ? { appSecret: config.threadsAppSecret } : {}),
  };
  if (config.threads.kind === "remote") {
    const { graphUrl, authorizeUrl, live } = config.threads;
    return {
      client: clientFor(graphUrl, configuredApp),
      graphUrl,
      canExchangeTokens: config.threadsAppSecret !== undefined,
      authorizeUrl,
      mode: live ? "live" : "remote",
      banner: live ? `Threads: live (${graphUrl})` : `Threads: ${graphUrl} (THREADS_GRAPH_URL)`,
      close: async () => {},
    };
  }
  const sandbox = await findOrStartSandbox(config, logger, opts);
  return connection(sandbox);

  function connection(sandbox: SandboxHandle): ThreadsConnection {
    const url = sandbox.url;
    return {
      client: clientFor(url, { appId: SANDBOX_APP_ID, appSecret: SANDBOX_APP_SECRET }),
      graphUrl: url,
      canExchangeTokens: true,
      authorizeUrl: `${url}/oauth/authorize`,
      mode: "sandbox",
      banner:
        `Threads: SANDBOX at ${url}${sandbox.servedBy ? ` (served by ${sandbox.servedBy})` : ""} — posts go to the built-in emulator, not to Threads. ` +
        "Set THREADS_APP_ID/THREADS_APP_SECRET for live mode.",
      ...(sandbox.lasting ? { sampleMediaUrls: sampleMediaUrls(url) } : {}),
      close: () => sandbox.close(),
    };
  }
}
