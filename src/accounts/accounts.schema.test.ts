import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { firstProblem } from "../schema-fields.js";
import {
  type AccountNames,
  accountIdSchema,
  addAccountSchema,
  reconnectAccountSchema,
} from "./accounts.schema.js";
import type { AccountService } from "./accounts.service.js";

// Compile-time: what the schemas give is what the service takes.
type Reconnect = z.output<ReturnType<typeof reconnectAccountSchema>>;
const _reconnect: (v: Reconnect) => Parameters<AccountService["reconnect"]> = (v) => [v.id, v.token];
const _add: (
  v: Extract<z.output<ReturnType<typeof addAccountSchema>>, { token: string }>,
) => Parameters<AccountService["addWithToken"]> = (v) => [v.token, { timezone: v.timezone }];
void [_reconnect, _add];

const FLAGS: AccountNames = {
  id: "the account ID",
  token: "--token",
  tokenForm: "--token TOKEN",
  sandboxUserForm: "--sandbox-user NAME",
};

const problem = (schema: z.ZodType, input: unknown) => {
  const parsed = schema.safeParse(input);
  if (parsed.success) throw new Error(`accepted ${JSON.stringify(input)}`);
  return firstProblem(parsed.error);
};

describe("addAccountSchema", () => {
  it("takes a token or a sandbox user, with a zone in its canonical name", () => {
    expect(addAccountSchema().parse({ token: "THAA1", timezone: "asia/tokyo" })).toEqual({
      token: "THAA1",
      timezone: "Asia/Tokyo",
    });
    expect(addAccountSchema().parse({ sandboxUser: "hanako" })).toEqual({ sandboxUser: "hanako" });
  });

  it("refuses neither or both, and a zone that is not one, as the CLI says it", () => {
    const s = addAccountSchema(FLAGS);
    expect(problem(s, {})).toBe("give either --token TOKEN or --sandbox-user NAME");
    expect(problem(s, { token: "a", sandboxUser: "b" })).toBe(
      "give either --token TOKEN or --sandbox-user NAME",
    );
    expect(problem(s, { token: "a", timezone: "JST" })).toBe(
      "JST is an abbreviation, not a time zone: use Asia/Tokyo.",
    );
    expect(problem(addAccountSchema(), {})).toBe("give either token or sandboxUser");
  });
});

describe("reconnectAccountSchema and accountIdSchema", () => {
  it("take an id as a number or its digits, and a token", () => {
    expect(reconnectAccountSchema().parse({ id: "4", token: "T" })).toEqual({ id: 4, token: "T" });
    expect(accountIdSchema().parse(7)).toBe(7);
  });

  it("refuse a missing token and a malformed id", () => {
    expect(problem(reconnectAccountSchema(FLAGS), { id: "4" })).toBe("--token is required");
    expect(problem(reconnectAccountSchema(FLAGS), { id: "4", token: "" })).toBe("--token is required");
    expect(problem(reconnectAccountSchema(FLAGS), { token: "T" })).toBe("the account ID is required");
    expect(problem(accountIdSchema("the account ID"), "0x10")).toBe(
      'the account ID must be a whole number above 0, not "0x10"',
    );
    expect(problem(accountIdSchema(), 1.5)).toBe('id must be a whole number above 0, not "1.5"');
  });
});
