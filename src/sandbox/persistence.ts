import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname } from "node:path";
import type { StateSnapshot } from "./state.js";

/** Reads a saved state; undefined when the file does not exist yet. */
export function loadStateFile(file: string): StateSnapshot | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `Sandbox state file ${file} is not valid JSON; fix it or delete it to start with an empty sandbox.`,
      { cause: error },
    );
  }
  if (!data || typeof data !== "object" || (data as { version?: unknown }).version !== 1) {
    throw new Error(
      `Sandbox state file ${file} has an unknown format; delete it to start with an empty sandbox.`,
    );
  }
  return data as StateSnapshot;
}

let tempSeq = 0;

/**
 * Replaces `file` with `text` so that a reader (or a crash) sees the old content or the new, never a mix:
 * the text goes to a temp file beside it, is flushed to the disk, and the temp file is renamed over `file`.
 * Synchronous: when it returns, the new content survives the process being killed (`kill -9` right after a
 * publish must not make the sandbox forget the post, which Threads never would).
 */
export function writeAtomically(file: string, text: string): void {
  tempSeq += 1;
  const temp = `${file}.${process.pid}.${tempSeq}.tmp`;
  try {
    const fd = openSync(temp, "w", 0o600);
    try {
      writeFileSync(fd, text, "utf8");
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Saves the state: at once for a change that must survive a crash (a post published, a container or token
 * issued: the scheduler has already been told about them), else some time after the last change (debounced).
 * Every write is atomic (writeAtomically) and synchronous, so writes never overlap or land out of order. Only
 * the process that holds the file's lock (state-lock.ts) has a saver for it.
 */
export class StateSaver {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string,
    private readonly snapshot: () => StateSnapshot,
    private readonly debounceMs = 200,
  ) {
    mkdirSync(dirname(file), { recursive: true });
  }

  /** A change that is saved before the answer that reports it is sent. */
  saveNow(): void {
    this.write();
  }

  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      try {
        this.write();
      } catch (error) {
        console.error(`threads sandbox: could not save ${this.file}:`, error);
      }
    }, this.debounceMs);
    this.timer.unref();
  }

  flush(): Promise<void> {
    try {
      this.write();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private write(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    try {
      writeAtomically(this.file, JSON.stringify(this.snapshot()));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(
        `the sandbox cannot save its state to ${this.file} (${code ?? (error as Error).message}): make ${dirname(this.file)} writable for this user; the sandbox keeps its users, tokens and posts there`,
        { cause: error },
      );
    }
  }
}
