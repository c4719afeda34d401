/**
 * The closed set of errors a user can see. The CLI maps `code` to an exit code and the HTTP layer to a
 * status code; `message` is shown as is, so it says what is wrong and what to do.
 */
export type AppErrorCode = "not_found" | "invalid_input" | "conflict" | "threads_error" | "auth_required";

export class AppError extends Error {
  override name = "AppError";
  /** Structured detail for callers that show more than the message (e.g. every bad row of an import). */
  readonly details?: unknown;

  constructor(
    readonly code: AppErrorCode,
    message: string,
    options: { cause?: unknown; details?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.details !== undefined) this.details = options.details;
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

export function invalidInput(message: string, details?: unknown): AppError {
  return new AppError("invalid_input", message, details === undefined ? {} : { details });
}

export function isAppError(error: unknown, code?: AppErrorCode): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code);
}
