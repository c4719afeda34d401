import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type PickState, pickGroup } from "./pick.js";

const groups = [
  { id: 3, weight: 1 },
  { id: 1, weight: 1 },
  { id: 2, weight: 1 },
];

describe("pickGroup", () => {
  it("returns nothing when there is no usable group", () => {
    expect(pickGroup("random", [], {}, Math.random)).toBeUndefined();
    expect(pickGroup("random", [{ id: 1, weight: 0 }], {}, Math.random)).toBeUndefined();
  });

  it("sequential walks ids in order and wraps", () => {
    let state: PickState = {};
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = pickGroup("sequential", groups, state, Math.random)!;
      seen.push(r.groupId);
      state = r.state;
    }
    expect(seen).toEqual([1, 2, 3, 1, 2]);
  });

  it("sequential continues after a removed group", () => {
    expect(
      pickGroup(
        "sequential",
        [
          { id: 1, weight: 1 },
          { id: 5, weight: 1 },
        ],
        { lastId: 3 },
        Math.random,
      )?.groupId,
    ).toBe(5);
  });

  it("shuffle never repeats within a round", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 0.999, noNaN: true }), { minLength: 9, maxLength: 9 }),
        (draws) => {
          let state: PickState = {};
          const seen: number[] = [];
          for (const d of draws) {
            const r = pickGroup("shuffle", groups, state, () => d)!;
            seen.push(r.groupId);
            state = r.state;
          }
          for (let round = 0; round < 3; round++) {
            expect(new Set(seen.slice(round * 3, round * 3 + 3)).size).toBe(3);
          }
        },
      ),
    );
  });

  it("random respects weights", () => {
    const weighted = [
      { id: 1, weight: 3 },
      { id: 2, weight: 1 },
    ];
    expect(pickGroup("random", weighted, {}, () => 0.7)?.groupId).toBe(1);
    expect(pickGroup("random", weighted, {}, () => 0.8)?.groupId).toBe(2);
  });
});
