import { hostname } from "node:os";
import { join } from "node:path";
import type { Config } from "../config.js";
import type { Db } from "../db/connect.js";
import { AppError } from "../errors.js";
import type { Logger } from "../log.js";
import { startSandbox } from "../sandbox/index.js";
import { type HeldStateFile, lockStateFile, type StateOwner, watchOwner } from "../sandbox/state-lock.js";
import { deleteSandboxRecord, readSandboxRecord, writeSandboxRecord } from "./sandbox-record.js";

/** How long a process waits for another one's short-lived sandbox (a CLI command's) to let go of the file. */
const DEFAULT_WAIT_MS = 120_000;

export interface SandboxHandle {
  url: string;
  /** Set when another process serves this sandbox: "`threads-scheduler start`, pid 123". */
  servedBy: string | undefined;
  /**
   * False when this process serves the sandbox only for its own duration (a command while no service runs):
   * its URL is gone once the command ends, so it must not be handed out (e.g. as sample media URLs).
   */
  lasting: boolean;
  close(): Promise<void>;
}

export interface FindSandboxOptions {
  /** This process is the service: serve the sandbox on SANDBOX_PORT and record it in the database. */
  serveSandbox: boolean;
  /** The database (opened on demand): where a service records its sandbox for other processes. */
  db?: () => Promise<Db>;
  /** Tells the user why the command waits. */
  notice?: (message: string) => void;
  waitMs?: number;
}

export function sandboxStateFile(config: Config): string {
  return join(config.dataDir, "sandbox-state.json");
}

/**
 * One sandbox per install. In order:
 * 1. the sandbox a running service recorded in the database, if it answers as that instance;
 * 2. whoever owns the state file, if it shares its sandbox (a service, `threads-scheduler sandbox`);
 *    a CLI command's own sandbox is waited for instead, since that command is about to exit;
 * 3. otherwise this process takes the state file and serves the sandbox itself: the service on SANDBOX_PORT
 *    (recorded in the database), a command on a free port for the command's duration.
 */
export async function findOrStartSandbox(
  config: Config,
  logger: Logger,
  opts: FindSandboxOptions,
): Promise<SandboxHandle> {
  const stateFile = sandboxStateFile(config);
  const db = opts.db ? await opts.db() : undefined;
  const recorded = db ? await readSandboxRecord(db) : undefined;
  if (recorded && recorded.host === hostname() && (await answersAs(recorded.url, recorded.instance))) {
    logger.debug("using the service's sandbox", { url: recorded.url, pid: recorded.pid });
    const servedBy = `${commandOf("service")}, pid ${recorded.pid}`;
    return reached(
      recorded.url,
      servedBy,
      opts.serveSandbox ? await watchOwner(recorded.stateFile) : undefined,
    );
  }

  const deadline = Date.now() + (opts.waitMs ?? DEFAULT_WAIT_MS);
  for (;;) {
    const attempt = await lockStateFile(stateFile);
    if ("lock" in attempt) {
      const role: Pick<StateOwner, "role" | "shared"> = opts.serveSandbox
        ? { role: "service", shared: true }
        : { role: "command", shared: false };
      const port = opts.serveSandbox ? config.sandboxPort : 0;
      const started = await startSandbox({
        port,
        host: "127.0.0.1",
        stateFile,
        stateLock: attempt.lock,
        owner: role,
        // A command's own sandbox lives only as long as the command: its permalinks (stored with the runs) name
        // the address `start` serves the same state on, so they keep working.
        ...(!opts.serveSandbox && config.sandboxPort !== 0
          ? { baseUrl: `http://127.0.0.1:${config.sandboxPort}` }
          : {}),
      }).catch((error: Error) => {
        throw new Error(
          `Cannot start the built-in Threads sandbox on 127.0.0.1:${port}: ${error.message}. Set SANDBOX_PORT to a free port.`,
          { cause: error },
        );
      });
      const instance = started.sandbox.instance;
      if (opts.serveSandbox && db) {
        await writeSandboxRecord(
          db,
          {
            url: started.url,
            instance,
            pid: process.pid,
            host: hostname(),
            stateFile,
            startedAt: Date.now(),
          },
          Date.now(),
        );
      }
      logger.debug("sandbox started", { url: started.url, stateFile, role: role.role });
      return {
        url: started.url,
        servedBy: undefined,
        lasting: opts.serveSandbox,
        async close() {
          if (opts.serveSandbox && db) await deleteSandboxRecord(db, instance).catch(() => {});
          await started.close();
        },
      };
    }

    const { owner, released, close } = attempt.held;
    if (owner?.shared && (await answersAs(owner.url, owner.instance))) {
      const servedBy = `${commandOf(owner.role)}, pid ${owner.pid}`;
      if (!opts.serveSandbox) close();
      return reached(owner.url, servedBy, opts.serveSandbox ? attempt.held : undefined);
    }
    const who = owner ? `${commandOf(owner.role)} (pid ${owner.pid})` : "another process";
    const left = deadline - Date.now();
    if (left > 0) {
      opts.notice?.(`Waiting for ${who} to finish with the sandbox state file ${stateFile}…`);
      const freed = await settlesWithin(released, left);
      close();
      if (freed) continue;
    } else {
      close();
    }
    throw new AppError(
      "conflict",
      `The sandbox state file ${stateFile} is held by ${who}, which did not let go of it within ${Math.round((opts.waitMs ?? DEFAULT_WAIT_MS) / 1000)} s. ` +
        "Let that command finish (or stop it) and run this again.",
    );
  }

  /**
   * A service that uses another one's sandbox says so when that sandbox goes away, instead of failing
   * every call without a word: it is not taken over (the URL this process uses would change).
   */
  function reached(url: string, servedBy: string, owner?: HeldStateFile): SandboxHandle {
    let closed = false;
    void owner?.released.then(() => {
      if (closed) return;
      const message = `The sandbox at ${url} (served by ${servedBy}) has stopped: this process cannot reach Threads' sandbox any more. Restart it to serve the sandbox itself.`;
      logger.error("sandbox gone", { url, servedBy });
      opts.notice?.(message);
    });
    return {
      url,
      servedBy,
      lasting: true,
      close: async () => {
        closed = true;
        owner?.close();
      },
    };
  }
}

function commandOf(role: string): string {
  if (role === "service") return "`threads-scheduler start`";
  if (role === "sandbox") return "`threads-scheduler sandbox`";
  return "another threads-scheduler command";
}

/** The sandbox at `url` is up and is that instance (not another sandbox that took the port since). */
async function answersAs(url: string, instance: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/__sandbox/health`, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) return false;
    const body = (await res.json()) as { instance?: unknown };
    return body.instance === instance;
  } catch {
    return false;
  }
}

function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
