/** A mistake in how the command was called: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
  /** The same in Japanese, printed instead under a Japanese locale (src/cli/locale.ts), where there is one. */
  readonly ja?: string;
  constructor(message: string, ja?: string) {
    super(message);
    if (ja !== undefined) this.ja = ja;
  }
}
