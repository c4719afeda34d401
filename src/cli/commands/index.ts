import type { Command } from "../command.js";
import {
  accountsAddCommand,
  accountsListCommand,
  accountsPauseCommand,
  accountsReconnectCommand,
  accountsRemoveCommand,
  accountsResumeCommand,
} from "./accounts.js";
import { ghostsListCommand } from "./ghosts.js";
import {
  groupsAddCommand,
  groupsDisableCommand,
  groupsEditCommand,
  groupsEnableCommand,
  groupsExportCommand,
  groupsImportCommand,
  groupsListCommand,
  groupsRemoveCommand,
} from "./groups.js";
import {
  checkCommand,
  jobsCommand,
  reloadCommand,
  runsCancelCommand,
  runsCommand,
  runsDeleteCommand,
} from "./inspect.js";
import { locationsSearchCommand } from "./locations.js";
import { postCommand } from "./post.js";
import {
  repliesApproveCommand,
  repliesHideCommand,
  repliesIgnoreCommand,
  repliesListCommand,
  repliesUnhideCommand,
} from "./replies.js";
import { sandboxCommand } from "./sandbox.js";
import {
  schedulesAddCommand,
  schedulesEditCommand,
  schedulesListCommand,
  schedulesPauseCommand,
  schedulesRemoveCommand,
  schedulesResumeCommand,
} from "./schedules.js";
import { migrateCommand, startCommand } from "./service.js";
import { tokensRefreshCommand, tokensResetKeyCommand } from "./tokens.js";

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [
  startCommand,
  migrateCommand,
  accountsAddCommand,
  accountsListCommand,
  accountsPauseCommand,
  accountsResumeCommand,
  accountsReconnectCommand,
  accountsRemoveCommand,
  groupsAddCommand,
  groupsEditCommand,
  groupsEnableCommand,
  groupsDisableCommand,
  groupsImportCommand,
  groupsExportCommand,
  groupsListCommand,
  groupsRemoveCommand,
  schedulesAddCommand,
  schedulesEditCommand,
  schedulesListCommand,
  schedulesPauseCommand,
  schedulesResumeCommand,
  schedulesRemoveCommand,
  postCommand,
  tokensRefreshCommand,
  tokensResetKeyCommand,
  jobsCommand,
  runsCommand,
  runsCancelCommand,
  runsDeleteCommand,
  reloadCommand,
  checkCommand,
  sandboxCommand,
  repliesListCommand,
  repliesApproveCommand,
  repliesIgnoreCommand,
  repliesHideCommand,
  repliesUnhideCommand,
  locationsSearchCommand,
  ghostsListCommand,
];
