import type { ErrorHint } from "../errors.js";

/** The command line that takes an error's next step (the CLI's wording of `ErrorHint`). */
export function commandOf(hint: ErrorHint): string {
  switch (hint.action) {
    case "list":
      switch (hint.what) {
        case "account":
          return "threads-scheduler accounts list";
        case "post group":
          return `threads-scheduler groups list --account ${hint.accountId ?? "<id>"}`;
        case "schedule":
          return "threads-scheduler schedules list";
        case "run":
          return [
            "threads-scheduler runs",
            ...(hint.accountId === undefined ? [] : [`--account ${hint.accountId}`]),
            ...(hint.state === undefined ? [] : [`--state ${hint.state}`]),
          ].join(" ");
      }
      break;
    case "resume_account":
      return `threads-scheduler accounts resume ${hint.accountId}`;
    case "pause_account":
      return `threads-scheduler accounts pause ${hint.accountId}`;
    case "reconnect_account":
      return `threads-scheduler accounts reconnect ${hint.accountId} --token TOKEN`;
    case "add_account":
      return "threads-scheduler accounts add --token TOKEN";
    case "explain_key":
      return "threads-scheduler accounts list";
    case "add_group":
      return `threads-scheduler groups add --account ${hint.accountId} --name NAME --text TEXT`;
    case "disable_group":
      return `threads-scheduler groups disable ${hint.groupId}`;
    case "cancel_run":
      return `threads-scheduler runs cancel ${hint.runId}`;
    case "follow_run":
      return "threads-scheduler runs";
    case "reset_key":
      return "threads-scheduler tokens reset-key --yes";
  }
}

/** The sentence the CLI appends to an error's message for its hint ("" without one). */
export function hintSentence(hint: ErrorHint | undefined): string {
  if (hint === undefined) return "";
  const command = `\`${commandOf(hint)}\``;
  switch (hint.action) {
    case "list":
      return ` Run ${command} to see the existing ones.`;
    case "explain_key":
      return ` Run ${command} to see how to fix it.`;
    case "add_group":
      return ` Add one with ${command}.`;
    case "reset_key":
      return ` To do so, run ${command}, then \`threads-scheduler accounts reconnect ID --token TOKEN\` for each of them.`;
    default:
      return ` Run ${command}.`;
  }
}
