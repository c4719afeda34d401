/**
 * The input of the accounts' operations, for every surface (zod 4; pure). Whether a token is valid, and
 * whose it is, only Threads can say: that is the service's check.
 *
 * The JSON:
 *   add:        { "token": "…" } | { "sandboxUser": "alice" }, with "timezone": "Asia/Tokyo" (optional)
 *   reconnect:  { "id": 3, "token": "…" }
 *   pause, resume, remove, refresh a token: the account's id (a number, or its digits)
 */
import { z } from "zod";
import { id, requiredText } from "../schema-fields.js";
import { resolveTimeZone } from "../timezone.js";

/** How a surface names each input in its messages (`--token TOKEN` on the command line). */
export interface AccountNames {
  id: string;
  token: string;
  tokenForm: string;
  sandboxUserForm: string;
}

const ACCOUNT_JSON_NAMES: AccountNames = {
  id: "id",
  token: "token",
  tokenForm: "token",
  sandboxUserForm: "sandboxUser",
};

/** What `addAccountSchema` gives: `accounts.addWithToken(token, { timezone })`, or a sandbox user to create first. */
export type AddAccountValues = ({ token: string } | { sandboxUser: string }) & { timezone?: string };

/** A zone as the user typed it, in its canonical IANA name (`asia/tokyo` → `Asia/Tokyo`); JST is refused. */
const timezoneSchema = z.string().transform((input, ctx): string => {
  const resolved = resolveTimeZone(input);
  if ("zone" in resolved) return resolved.zone;
  ctx.addIssue({ code: "custom", message: resolved.error, input });
  return z.NEVER;
});

/** `accounts add`: a token, or (sandbox only) the name of a sandbox user to create and add. */
export function addAccountSchema(n: AccountNames = ACCOUNT_JSON_NAMES) {
  return z
    .looseObject({})
    .superRefine((v, ctx) => {
      if ((v.token === undefined) === (v.sandboxUser === undefined)) {
        ctx.addIssue({ code: "custom", message: `give either ${n.tokenForm} or ${n.sandboxUserForm}` });
      }
    })
    .pipe(
      z.object({
        token: z.string().optional(),
        sandboxUser: z.string().optional(),
        timezone: timezoneSchema.optional(),
      }),
    )
    .transform((v): AddAccountValues => {
      const zone = v.timezone === undefined ? {} : { timezone: v.timezone };
      return v.token !== undefined ? { token: v.token, ...zone } : { sandboxUser: v.sandboxUser!, ...zone };
    });
}

/** `accounts reconnect`: a new token for the account (of the same Threads user: the service checks). */
export function reconnectAccountSchema(n: AccountNames = ACCOUNT_JSON_NAMES) {
  return z.object({ id: id(n.id), token: requiredText(n.token) });
}

/** `accounts pause|resume|remove`, `tokens refresh --account`: an account's id. */
export function accountIdSchema(label = ACCOUNT_JSON_NAMES.id) {
  return id(label);
}
