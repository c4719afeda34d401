import { getAccount } from "../accounts/accounts.repository.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/connect.js";
import { AppError, notFound } from "../errors.js";
import type { PostPart } from "../threads/post.js";
import { assertValidGroup, ValidationError } from "../threads/preflight.js";
import type { NewPostGroup, PostGroup } from "./group.js";
import {
  type GroupPatch,
  getGroup,
  insertGroup,
  listGroupsByAccount,
  removeGroup,
  setGroupEnabled,
  updateGroup,
} from "./groups.repository.js";
import { parseGroupsFile } from "./import.js";
import type { ImportEncoding } from "./import-encoding.js";

export interface GroupServiceDeps {
  db: Database;
  clock: Clock;
}

export type GroupService = ReturnType<typeof createGroupService>;

/** The highest weight: a group can be made 1000 times likelier than a normal one, not unboundedly. */
export const MAX_WEIGHT = 1000;

export function createGroupService(deps: GroupServiceDeps) {
  const { db, clock } = deps;

  async function mustHaveAccount(trx: Database, accountId: number): Promise<void> {
    const account = Number.isInteger(accountId) ? await getAccount(trx, accountId) : undefined;
    if (!account) throw notFound("account", accountId);
  }

  async function mustGet(trx: Database, id: number): Promise<PostGroup> {
    const group = Number.isInteger(id) ? await getGroup(trx, id) : undefined;
    if (!group) throw notFound("post group", id);
    return group;
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
        now: clock.now(),
      });
    });
  }

  async function update(id: number, patch: GroupPatch): Promise<PostGroup> {
    const name = patch.name === undefined ? undefined : checkName(patch.name);
    checkWeight(patch.weight);
    if (patch.parts !== undefined) checkParts(patch.parts);
    return db.transaction().execute(async (trx) => {
      await mustGet(trx, id);
      await updateGroup(trx, id, { ...patch, ...(name === undefined ? {} : { name }) }, clock.now());
      return mustGet(trx, id);
    });
  }

  async function setEnabled(id: number, enabled: boolean): Promise<PostGroup> {
    if (!(await setGroupEnabled(db, id, enabled, clock.now()))) throw notFound("post group", id);
    return mustGet(db, id);
  }

  async function remove(id: number): Promise<void> {
    if (!(await removeGroup(db, id))) throw notFound("post group", id);
  }

  /** The original's `PostGroupService.get_groups_by_account`: every group of the account, with its parts. */
  async function getGroupsByAccount(
    accountId: number,
    filter: { enabled?: boolean } = {},
  ): Promise<PostGroup[]> {
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
        created.push(await insertGroup(trx, { accountId, name: g.name, parts: g.parts, now }));
      return created;
    });
    return encoding === undefined ? { groups: created } : { groups: created, encoding };
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
