/**
 * The closed set of errors a user can see. The CLI maps `code` to an exit code and the HTTP layer to a
 * status code; `message` says what is wrong and what to do in words every surface can show. A next step that
 * is a command or a page (resume the account, list the groups) is not in the message: it is `hint`, which each
 * surface words itself (the CLI as a command line, the web app as a link or a button).
 */
export type AppErrorCode = "not_found" | "invalid_input" | "conflict" | "threads_error" | "auth_required";

/** The kinds of things `notFound` names, each with a list a surface can point to. */
export type ThingKind = "account" | "post group" | "schedule" | "run";

/**
 * A next step the user can take, as data. Every surface renders every action (the CLI in `cli/hints.ts`); a new
 * action is added here first.
 */
export type ErrorHint =
  | { action: "list"; what: ThingKind; accountId?: number; state?: string }
  | { action: "resume_account"; accountId: number }
  | { action: "pause_account"; accountId: number }
  | { action: "reconnect_account"; accountId: number }
  | { action: "add_account" }
  /** SECRET_KEY is not the tokens' key: where the surface explains the key's state and how to fix it. */
  | { action: "explain_key" }
  | { action: "add_group"; accountId: number }
  | { action: "disable_group"; groupId: number }
  | { action: "cancel_run"; runId: number }
  /** Watch how a run that is under way ends. */
  | { action: "follow_run"; runId: number }
  /** Adopt the current key after the old one is lost; then reconnect each account it marks. */
  | { action: "reset_key" };

export class AppError extends Error {
  override name = "AppError";
  /** Structured detail for callers that show more than the message (e.g. every bad row of an import). */
  readonly details?: unknown;
  /**
   * The input at fault (e.g. "timezone", "times", "misfireGraceMinutes") when the error is about a malformed
   * value the caller gave, which the caller fixes by correcting that value. The CLI reports such errors as
   * usage mistakes (exit 2); errors about stored data (not found, a group of another account) carry none.
   */
  readonly field?: string;
  /** The next step, for the surface to word (see `ErrorHint`). */
  readonly hint?: ErrorHint;

  constructor(
    readonly code: AppErrorCode,
    message: string,
    options: { cause?: unknown; details?: unknown; field?: string; hint?: ErrorHint } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.details !== undefined) this.details = options.details;
    if (options.field !== undefined) this.field = options.field;
    if (options.hint !== undefined) this.hint = options.hint;
  }
}

/** `what` is the kind of thing ("account", "post group", "schedule", "run"); the hint lists the existing ones. */
export function notFound(what: ThingKind, id: number | string, accountId?: number): AppError {
  const capitalised = what.charAt(0).toUpperCase() + what.slice(1);
  return new AppError("not_found", `${capitalised} ${id} does not exist.`, {
    hint: { action: "list", what, ...(accountId === undefined ? {} : { accountId }) },
  });
}
