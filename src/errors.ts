/**
 * The closed set of errors a user can see. The CLI maps `code` to an exit code and the HTTP layer to a
 * status code; `message` is shown as is, so it says what is wrong and what to do.
 */
export type AppErrorCode = "not_found" | "invalid_input" | "conflict" | "threads_error" | "auth_required";

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

  constructor(
    readonly code: AppErrorCode,
    message: string,
    options: { cause?: unknown; details?: unknown; field?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.details !== undefined) this.details = options.details;
    if (options.field !== undefined) this.field = options.field;
  }
}

/** Where to look up valid ids, by the kind of thing that was not found. */
const LIST_HINTS: Record<string, string> = {
  account: "threads-scheduler accounts list",
  group: "threads-scheduler groups list --account <id>",
  "post group": "threads-scheduler groups list --account <id>",
  schedule: "threads-scheduler schedules list",
  run: "threads-scheduler runs",
};

/** `what` is the kind of thing in lower case ("account", "post group", "schedule"). */
export function notFound(what: string, id: number | string): AppError {
  const hint = LIST_HINTS[what.toLowerCase()];
  const capitalised = what.charAt(0).toUpperCase() + what.slice(1);
  return new AppError(
    "not_found",
    `${capitalised} ${id} does not exist.${hint ? ` Run \`${hint}\` to see the existing ones.` : ""}`,
  );
}

/** `field`: the input at fault when the value itself is malformed (see `AppError.field`). */
export function invalidInput(message: string, details?: unknown, field?: string): AppError {
  return new AppError("invalid_input", message, {
    ...(details === undefined ? {} : { details }),
    ...(field === undefined ? {} : { field }),
  });
}

export function isAppError(error: unknown, code?: AppErrorCode): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code);
}
