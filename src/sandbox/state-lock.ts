import { createHash } from "node:crypto";
import { existsSync, mkdirSync, realpathSync, unlinkSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";

/**
 * One process at a time owns a sandbox state file: it alone loads it, changes it and writes it. Ownership is
 * a local socket bound at an address derived from the file's path. The kernel lets one process bind it and
 * frees it when that process ends in any way (even SIGKILL), so a crash never leaves a stale lock behind.
 * On Linux the socket lives in the abstract namespace (no file at all), on Windows it is a named pipe; on
 * other systems it is a socket file in the temp directory, reclaimed when nothing answers on it.
 *
 * Whoever connects to the socket is told who the owner is and where it serves the sandbox (one JSON line),
 * and sees the connection close when the owner lets go: that is how a process waits for the file.
 */
export interface StateOwner {
  pid: number;
  /** "service" (`start`), "sandbox" (`threads-scheduler sandbox`) or "command" (a CLI command's own sandbox). */
  role: string;
  /** Where the owner serves the sandbox. */
  url: string;
  /** The sandbox's instance id, as its /__sandbox/health answers it. */
  instance: string;
  /** Other processes may use the owner's sandbox (a service); false when the owner is about to exit (a command). */
  shared: boolean;
}

export interface StateLock {
  readonly file: string;
  /** Tells every process that asks (now or later) who owns the file; until then they wait for the answer. */
  announce(owner: StateOwner): void;
  /** Lets go of the file. Idempotent. */
  release(): Promise<void>;
}

export interface HeldStateFile {
  /** The owner as it announced itself; undefined when it did not answer within the time given. */
  owner: StateOwner | undefined;
  /** Resolves when the owner lets go of the file or dies. */
  released: Promise<void>;
  /** Stops watching the owner. */
  close(): void;
}

export type LockAttempt = { lock: StateLock } | { held: HeldStateFile };

/** The lock's socket address for a state file (the same for every process that means the same file). */
export function lockAddress(file: string, platform: NodeJS.Platform = process.platform): string {
  const hash = createHash("sha256").update(canonicalPath(file)).digest("hex").slice(0, 32);
  if (platform === "linux") return `\0threads-scheduler-sandbox-${hash}`;
  if (platform === "win32") return `\\\\.\\pipe\\threads-scheduler-sandbox-${hash}`;
  return join(tmpdir(), `threads-scheduler-sandbox-${hash}.sock`);
}

/**
 * Takes the state file, or says who has it. `answerWithinMs` bounds the wait for the owner's announcement
 * (an owner that is still starting announces once it listens).
 */
export async function lockStateFile(
  file: string,
  opts: { answerWithinMs?: number } = {},
): Promise<LockAttempt> {
  const address = lockAddress(file);
  for (let attempt = 0; attempt < 8; attempt++) {
    const server = await tryListen(address);
    if (server) return { lock: ownLock(file, server, address) };
    const held = await askOwner(address, opts.answerWithinMs ?? 10_000);
    if (held) return { held };
    // Nobody answered: the owner ended between our two steps (or left a dead socket file), or is still
    // being torn down by the kernel (its connections close a moment before its listening socket). Try again.
    if (!address.startsWith("\0") && process.platform !== "win32") removeDeadSocketFile(address);
    await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt));
  }
  throw new Error(
    `Cannot take the sandbox state file ${file}: its lock (${printable(address)}) is neither free nor answered.`,
  );
}

function ownLock(file: string, server: Server, address: string): StateLock {
  const sockets = new Set<Socket>();
  let owner: string | undefined;
  server.on("connection", (socket) => {
    socket.unref();
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    socket.on("data", () => {}); // nothing is expected; drain whatever comes
    sockets.add(socket);
    if (owner) socket.write(owner);
  });
  let releasing: Promise<void> | undefined;
  return {
    file,
    announce(info) {
      owner = `${JSON.stringify(info)}\n`;
      for (const socket of sockets) socket.write(owner);
    },
    release() {
      releasing ??= new Promise<void>((done) => {
        server.close(() => done());
        for (const socket of sockets) socket.destroy();
        if (!address.startsWith("\0") && process.platform !== "win32") removeDeadSocketFile(address);
      });
      return releasing;
    },
  };
}

function tryListen(address: string): Promise<Server | undefined> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") done(undefined);
      else fail(new Error(`Cannot lock the sandbox state file (${printable(address)}): ${error.message}`));
    });
    server.listen({ path: address, exclusive: true }, () => {
      server.unref();
      done(server);
    });
  });
}

/** Watches the owner of a state file without trying to take it; undefined when nobody owns it. */
export function watchOwner(
  file: string,
  opts: { answerWithinMs?: number } = {},
): Promise<HeldStateFile | undefined> {
  return askOwner(lockAddress(file), opts.answerWithinMs ?? 10_000);
}

/** Connects to the owner; undefined when nothing listens there any more. */
function askOwner(address: string, answerWithinMs: number): Promise<HeldStateFile | undefined> {
  return new Promise((done) => {
    const socket = createConnection({ path: address });
    let answered = false;
    let buffer = "";
    let markReleased: () => void = () => {};
    const released = new Promise<void>((r) => {
      markReleased = r;
    });
    const answer = (owner: StateOwner | undefined) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      // Watching must never keep a process alive by itself; whoever waits on `released` holds a timer.
      socket.unref();
      done({ owner, released, close: () => socket.destroy() });
    };
    const timer = setTimeout(() => answer(undefined), answerWithinMs);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      const end = buffer.indexOf("\n");
      if (end >= 0) answer(parseOwner(buffer.slice(0, end)));
    });
    socket.on("error", () => {});
    // The connection ends when the owner lets go or dies: that is "released".
    // A connection that ends before any answer is an owner on its way out (or none): "nobody", try again.
    socket.once("close", () => {
      markReleased();
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      done(undefined);
    });
  });
}

function parseOwner(line: string): StateOwner | undefined {
  try {
    const value = JSON.parse(line) as Partial<StateOwner>;
    if (
      typeof value.pid === "number" &&
      typeof value.url === "string" &&
      typeof value.instance === "string"
    ) {
      return {
        pid: value.pid,
        role: String(value.role ?? "unknown"),
        url: value.url,
        instance: value.instance,
        shared: value.shared === true,
      };
    }
  } catch {}
  return undefined;
}

function removeDeadSocketFile(address: string): void {
  try {
    unlinkSync(address);
  } catch {}
}

/**
 * The file's absolute path with its directory's symlinks resolved, so two spellings of one file agree. The
 * directory (DATA_DIR) is made when its parent exists, never a chain of folders: a mistyped DATA_DIR is an error,
 * not a second sandbox state that the service never reads.
 */
function canonicalPath(file: string): string {
  const absolute = resolve(file);
  const dir = dirname(absolute);
  if (!existsSync(dir)) {
    if (!existsSync(dirname(dir))) {
      throw new Error(
        `The folder of the sandbox state file, ${dir}, does not exist, nor does its parent: check DATA_DIR (or --data-dir).`,
      );
    }
    mkdirSync(dir);
  }
  return join(realpathSync(dir), basename(absolute));
}

function printable(address: string): string {
  return address.startsWith("\0") ? `@${address.slice(1)}` : address;
}
