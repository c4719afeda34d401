import { describe, expect, it } from "vitest";
import { newScheduleSchema, schedulePatchSchema } from "./schedules.schema.js";

const messages = (result: { success: boolean; error?: { issues: Array<{ message: string }> } }) =>
  result.success ? [] : result.error!.issues.map((i) => i.message);

describe("repost and quote schedules in the JSON input", () => {
  it("reads the action and the source rule, durations as 7d / 36h / 90m or a number of days", () => {
    expect(
      newScheduleSchema().parse({
        accountId: 1,
        times: "10:00",
        action: "repost",
        from: "top",
        minAge: "36h",
        cooldown: 14,
      }),
    ).toEqual({
      accountId: 1,
      kind: "fixed",
      times: ["10:00"],
      action: "repost",
      recycle: { from: "top", minAgeMinutes: 36 * 60, cooldownMinutes: 14 * 1440 },
    });
    expect(schedulePatchSchema().parse({ minAge: "90m" })).toEqual({ recycle: { minAgeMinutes: 90 } });
  });

  it("refuses a source rule without repost or quote, and values it cannot read, in JSON names", () => {
    expect(messages(newScheduleSchema().safeParse({ accountId: 1, times: "10:00", from: "top" }))).toEqual([
      'from belongs to repost and quote schedules (action "repost" or "quote")',
    ]);
    expect(messages(schedulePatchSchema().safeParse({ action: "post", cooldown: "30d" }))).toEqual([
      'cooldown belongs to repost and quote schedules (action "repost" or "quote")',
    ]);
    expect(
      messages(newScheduleSchema().safeParse({ accountId: 1, times: "10:00", action: "reshare" }))[0],
    ).toMatch(/^action/);
    expect(
      messages(newScheduleSchema().safeParse({ accountId: 1, times: "10:00", action: "quote", minAge: -1 })),
    ).toEqual(['minAge must be a duration such as 7d, 36h or 90m (days, hours, minutes), not "-1"']);
  });
});
