import { createInterface } from "node:readline/promises";
import type { Output } from "./output.js";
import { UsageError } from "./usage-error.js";

/** How a command asks the person at the terminal; injected so tests can answer (or be a script). */
export interface Prompt {
  /** Whether someone can answer: stdin and stderr (where the question goes) are terminals. */
  readonly interactive: boolean;
  /** Asks a question and returns the answer as typed; an empty string at end of input. */
  ask(question: string): Promise<string>;
}

export const processPrompt: Prompt = {
  get interactive() {
    return Boolean(process.stdin.isTTY && process.stderr.isTTY);
  },
  async ask(question) {
    // The question goes to stderr, so stdout stays clean for --json and pipes.
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = rl.question(question);
      // Ctrl+D (end of input) answers nothing, which means no.
      const closed = new Promise<string>((resolve) => rl.once("close", () => resolve("")));
      return await Promise.race([answer, closed]);
    } finally {
      rl.close();
    }
  },
};

/**
 * The confirmation of something that cannot simply be undone: `--yes` skips it; on a terminal the question is
 * asked ("[y/N]": only y or yes goes ahead); otherwise it is a usage mistake that says to pass `--yes`.
 * Returns false when the person said no (the caller then changes nothing and says so).
 */
export async function confirm(
  prompt: Prompt,
  output: Output,
  opts: { yes: boolean; question: string; what: string },
): Promise<boolean> {
  if (opts.yes) return true;
  if (!prompt.interactive) {
    throw new UsageError(
      `${opts.what} needs confirmation and there is no terminal to ask on: pass --yes to go ahead without asking`,
    );
  }
  const answer = (await prompt.ask(`${opts.question} [y/N] `)).trim().toLowerCase();
  if (answer === "y" || answer === "yes") return true;
  output.err("Nothing was changed.");
  return false;
}
