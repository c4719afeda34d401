import type { AccountLookup } from "../accounts/live-account.js";
import type { Clock } from "../clock.js";
import type { Db } from "../db/connect.js";
import { AppError, type ErrorHint, notFound } from "../errors.js";
import type { GroupRuns } from "../scheduler/group-runs.js";
import type { AccountSchedules } from "../schedules/account-schedules.js";
import type { PostPart } from "../threads/post.js";
import { assertValidGroup, ValidationError } from "../threads/preflight.js";
import { type ExportFormat, groupsToCsv, groupsToJson } from "./export.js";
import { type NewPostGroup, type PostGroup, removedGroup } from "./group.js";
import {
  archiveGroup,
  type GroupFilter,
  type GroupPatch,
  getGroup,
  insertGroup,
  listGroupIdsOfAccount,
  listGroupsByAccount,
  lockGroup,
  setGroupEnabled,
  updateGroup,
} from "./groups.repository.js";
import type { ImportEncoding } from "./groups.schema.js";
import { parseGroupsFile } from "./import.js";

export interface GroupServiceDeps {
  db: Db;
  clock: Clock;
  /** The accounts feature: a group's account must be live, read in this service's transaction. */
  accounts: Pick<AccountLookup, "getLive">;
  /** The scheduler's runs of a group: an edit of its parts or its removal waits for them. */
  runs: GroupRuns;
  /** The schedules feature: removing a group reports the schedules that name it. */
  schedules: Pick<AccountSchedules, "listNamingGroup">;
}

export type GroupService = ReturnType<typeof createGroupService>;

/** What removing a group did; `schedules`: the schedules that name it in their group list. */
export interface RemovedGroup {
  group: PostGroup;
  /** `only`: the group was the only one the schedule draws from, so its runs will be skipped. */
  schedules: Array<{ id: number; only: boolean }>;
  /** Planned one-off posts that name the group: they will be skipped at their time. */
  oneOffs: number[];
}

/** The highest weight: a group can be made 1000 times likelier than a normal one, not unboundedly. */
export const MAX_WEIGHT = 1000;

export function createGroupService(deps: GroupServiceDeps) {
  const { db, clock, accounts, runs, schedules } = deps;

  async function mustHaveAccount(trx: Db, accountId: number): Promise<void> {
    await accounts.getLive(trx, accountId);
  }

  /** A live group; a removed (archived) one is "not found". */
  async function mustGet(trx: Db, id: number): Promise<PostGroup> {
    const group = Number.isInteger(id) ? await getGroup(trx, id) : undefined;
    if (!group) throw notFound("post group", id);
    if (group.archivedAt !== null) throw removedGroup(group);
    return group;
  }

  /**
   * Refuses while a run that picked the group is unfinished: a retry re-reads the parts and continues the
   * chain from its first part not on Threads, so new parts would be mixed into a half-published post.
   */
  async function mustBeIdle(
    trx: Db,
    group: PostGroup,
    doing: string,
    instead: string,
    hint?: ErrorHint,
  ): Promise<void> {
    const unfinished = await runs.listUnfinished(trx, group.id);
    if (unfinished.length === 0) return;
    throw new AppError(
      "conflict",
      `Post group ${group.id} "${group.name}" is being published (run ${unfinished.map((o) => `${o.id} ${o.state}`).join(", ")}): ` +
        `${doing} once ${unfinished.length === 1 ? "that run has" : "those runs have"} finished. ${instead}`,
      { hint: hint ?? { action: "list", what: "run", state: unfinished[0]!.state } },
    );
  }

  async function add(accountId: number, input: NewPostGroup): Promise<PostGroup> {
    const name = checkName(input.name);
    checkWeight(input.weight);
    checkParts(input.parts);
    return db.transaction().execute(async (trx) => {
      await mustHaveAccount(trx, accountId);
      return insertGroup(trx, {
        accountId,
        name,
        parts: input.parts,
        enabled: input.enabled ?? true,
        weight: input.weight ?? 1,
        deleteAfterMinutes: input.deleteAfterMinutes ?? null,
        now: clock.now(),
      });
    });
  }

  /**
   * Edits a group: `name`, `weight` and `enabled` alone change just that; `parts` replaces every part, checked
   * by the same preflight as `add`, and is refused while a run of the group is unfinished (`mustBeIdle`).
   */
  async function update(id: number, patch: GroupPatch): Promise<PostGroup> {
    if (Object.values(patch).every((v) => v === undefined)) {
      throw new AppError(
        "invalid_input",
        "Nothing to change: give a new name, weight, delete-after time or the parts (which replace every part).",
      );
    }
    const name = patch.name === undefined ? undefined : checkName(patch.name);
    checkWeight(patch.weight);
    if (patch.parts !== undefined) checkParts(patch.parts);
    return db.transaction().execute(async (trx) => {
      if (patch.parts !== undefined) await lockGroup(trx, id, "update");
      const current = await mustGet(trx, id);
      if (patch.parts !== undefined) {
        await mustBeIdle(
          trx,
          current,
          "its parts can be replaced",
          "Its name, weight and enabled flag can be changed now.",
        );
      }
      await updateGroup(trx, id, { ...patch, ...(name === undefined ? {} : { name }) }, clock.now());
      return mustGet(trx, id);
    });
  }

  /** A disabled group is never picked; a run that has already picked it still finishes with it. */
  async function setEnabled(id: number, enabled: boolean): Promise<PostGroup> {
    return db.transaction().execute(async (trx) => {
      await mustGet(trx, id);
      await setGroupEnabled(trx, id, enabled, clock.now());
      return mustGet(trx, id);
    });
  }

  /**
   * Removes a group by archiving it: never picked again, hidden from lists; its parts stay so its past runs
   * still say what was posted. Refused while a run of it is unfinished (it would be skipped half-way).
   */
  async function remove(id: number): Promise<RemovedGroup> {
    return db.transaction().execute(async (trx) => {
      await lockGroup(trx, id, "update");
      const group = await mustGet(trx, id);
      await mustBeIdle(trx, group, "remove it", "Disable it now so it is not picked again.", {
        action: "disable_group",
        groupId: id,
      });
      await archiveGroup(trx, id, clock.now());
      // `only`: none of the schedule's other groups is left (removed ones do not count).
      const naming: RemovedGroup["schedules"] = [];
      for (const s of await schedules.listNamingGroup(trx, group.accountId, id)) {
        const left = await listGroupIdsOfAccount(trx, group.accountId, s.groupIds);
        naming.push({ id: s.id, only: left.length === 0 });
      }
      const oneOffs = await runs.listPlannedOneOffs(trx, id);
      return { group: (await getGroup(trx, id))!, schedules: naming, oneOffs };
    });
  }

  /** The original's `PostGroupService.get_groups_by_account`: every group of the account, with its parts. */
  async function getGroupsByAccount(accountId: number, filter: GroupFilter = {}): Promise<PostGroup[]> {
    await mustHaveAccount(db, accountId);
    return listGroupsByAccount(db, accountId, filter);
  }

  /**
   * Imports a CSV or JSON file (see ./import.ts for the format). `content` as bytes is decoded (the encoding
   * detected, or `encoding`); as a string it is taken as the text. Every row is checked first; then all
   * groups are written in one transaction, so a file either imports completely or not at all.
   */
  async function importGroups(
    accountId: number,
    file: { name: string; content: string | Uint8Array; encoding?: ImportEncoding },
  ): Promise<{ groups: PostGroup[]; encoding?: string }> {
    const { groups, encoding } = parseGroupsFile(
      file.name,
      file.content,
      file.encoding === undefined ? {} : { encoding: file.encoding },
    );
    const created = await db.transaction().execute(async (trx) => {
      await mustHaveAccount(trx, accountId);
      const now = clock.now();
      const created: PostGroup[] = [];
      for (const g of groups)
        created.push(
          await insertGroup(trx, {
            accountId,
            name: g.name,
            parts: g.parts,
            now,
            ...(g.deleteAfterMinutes === undefined ? {} : { deleteAfterMinutes: g.deleteAfterMinutes }),
          }),
        );
      return created;
    });
    return encoding === undefined ? { groups: created } : { groups: created, encoding };
  }

  /**
   * The account's live groups (enabled and disabled; removed ones are not) as a file `importGroups` reads
   * back to the same parts: JSON or CSV (./export.ts). Throws invalid_input for a group CSV cannot hold.
   */
  async function exportGroups(
    accountId: number,
    format: ExportFormat,
  ): Promise<{ content: string; groups: number }> {
    const groups = await getGroupsByAccount(accountId, { archived: "live" });
    return { content: format === "csv" ? groupsToCsv(groups) : groupsToJson(groups), groups: groups.length };
  }

  return {
    add,
    get: (id: number) => mustGet(db, id),
    update,
    setEnabled,
    enable: (id: number) => setEnabled(id, true),
    disable: (id: number) => setEnabled(id, false),
    remove,
    getGroupsByAccount,
    list: getGroupsByAccount,
    importGroups,
    exportGroups,
  };
}

function checkName(name: unknown): string {
  const trimmed = typeof name === "string" ? name.trim() : "";
  if (trimmed === "") throw new AppError("invalid_input", "The post group needs a name.", { field: "name" });
  return trimmed;
}

function checkWeight(weight: unknown): void {
  if (weight === undefined) return;
  if (!Number.isInteger(weight) || (weight as number) < 1 || (weight as number) > MAX_WEIGHT) {
    throw new AppError(
      "invalid_input",
      `The weight must be a whole number from 1 to ${MAX_WEIGHT} (1 = normal, 2 = drawn twice as often); disable a group to stop drawing it.`,
      { field: "weight" },
    );
  }
}

/** Preflight issues become one invalid_input error that keeps every issue in `details`. */
function checkParts(parts: PostPart[]): void {
  try {
    assertValidGroup(parts);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new AppError("invalid_input", `The post group cannot be published as it is:\n${error.message}`, {
      cause: error,
      details: { issues: error.issues },
    });
  }
}
