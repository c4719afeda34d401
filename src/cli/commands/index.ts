import type { Command } from "../command.js";
import {
  accountsAddCommand,
  accountsListCommand,
  accountsPauseCommand,
  accountsRemoveCommand,
  accountsResumeCommand,
} from "./accounts.js";
import { groupsAddCommand, groupsImportCommand, groupsListCommand, groupsRemoveCommand } from "./groups.js";
import { checkCommand, jobsCommand, reloadCommand, runsCancelCommand, runsCommand } from "./inspect.js";
import { postCommand } from "./post.js";
import { sandboxCommand } from "./sandbox.js";
import {
  schedulesAddCommand,
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
  accountsRemoveCommand,
  groupsAddCommand,
  groupsImportCommand,
  groupsListCommand,
  groupsRemoveCommand,
  schedulesAddCommand,
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
  reloadCommand,
  checkCommand,
  sandboxCommand,
];
