import { join } from "node:path";
import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import { SANDBOX_APP_ID, SANDBOX_APP_SECRET, startSandbox } from "../sandbox/index.js";
import { ThreadsClient } from "../threads/client.js";

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
  close(): Promise<void>;
}

export function sandboxStateFile(config: Config): string {
  return join(config.dataDir, "sandbox-state.json");
}

/**
 * Resolves where Threads is. With THREADS_GRAPH_URL set, that server is Threads; with a Meta app, Meta's API;
 * otherwise the built-in sandbox: served by `start` on SANDBOX_PORT, and reached there by other commands
 * (or started in-process over the same state file when the service is not running).
 */
export async function connectThreads(
  config: Config,
  logger: Logger,
  opts: { serveSandbox: boolean },
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
  const stateFile = sandboxStateFile(config);
  const sandboxBanner = (url: string) =>
    `Threads: SANDBOX at ${url} — posts go to the built-in emulator, not to Threads. Set THREADS_APP_ID/THREADS_APP_SECRET for live mode.`;
  const sharedUrl = `http://127.0.0.1:${config.sandboxPort}`;
  if (!opts.serveSandbox && config.sandboxPort !== 0 && (await isSandboxUp(sharedUrl))) {
    return connection(sharedUrl, async () => {});
  }
  const port = opts.serveSandbox ? config.sandboxPort : 0;
  const started = await startSandbox({ port, host: "127.0.0.1", stateFile }).catch((error: Error) => {
    throw new Error(
      `Cannot start the built-in Threads sandbox on 127.0.0.1:${port}: ${error.message}. Set SANDBOX_PORT to a free port.`,
      { cause: error },
    );
  });
  logger.debug("sandbox started", { url: started.url, stateFile });
  return connection(started.url, async () => {
    // The server is closed even when the state cannot be saved (a read-only DATA_DIR): a server left
    // listening kept the process alive after the command had printed its error.
    try {
      await started.sandbox.flush();
    } finally {
      await started.close();
    }
  });

  function connection(url: string, close: () => Promise<void>): ThreadsConnection {
    return {
      client: clientFor(url, { appId: SANDBOX_APP_ID, appSecret: SANDBOX_APP_SECRET }),
      graphUrl: url,
      canExchangeTokens: true,
      authorizeUrl: `${url}/oauth/authorize`,
      mode: "sandbox",
      banner: sandboxBanner(url),
      close,
    };
  }
}

async function isSandboxUp(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/__sandbox/health`, { signal: AbortSignal.timeout(1_000) });
    return res.ok;
  } catch {
    return false;
  }
}
