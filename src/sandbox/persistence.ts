import { mkdirSync, readFileSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
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
 */
export async function writeAtomically(file: string, text: string): Promise<void> {
  tempSeq += 1;
  const temp = `${file}.${process.pid}.${tempSeq}.tmp`;
  try {
    const handle = await open(temp, "w", 0o600);
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
}

/**
 * Saves the state some time after the last change (debounced), atomically: a temp file is written
 * and renamed over the target (writeAtomically), so a crash never leaves half a file. Writes never overlap.
 * Only the process that holds the file's lock (state-lock.ts) has a saver for it.
 */
export class StateSaver {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly snapshot: () => StateSnapshot,
    private readonly debounceMs = 200,
  ) {
    mkdirSync(dirname(file), { recursive: true });
  }

  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch((error: unknown) => {
        console.error(`threads sandbox: could not save ${this.file}:`, error);
      });
    }, this.debounceMs);
    this.timer.unref();
  }

  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const json = JSON.stringify(this.snapshot());
    const write = () => writeAtomically(this.file, json);
    this.writing = this.writing.then(write, write);
    return this.writing;
  }
}
