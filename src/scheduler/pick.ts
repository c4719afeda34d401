import type { PickPolicy } from "../db/schema.js";

export interface PickCandidate {
  id: number;
  weight: number;
}

/** What a pick policy remembers between runs (stored as JSON on the schedule). */
export interface PickState {
  /** shuffle: ids not yet used in this round. */
  bag?: number[];
  /** sequential: the id picked last. */
  lastId?: number;
}

export interface PickResult {
  groupId: number;
  state: PickState;
}

/**
 * Picks the next group. Pure: randomness comes in as `random` (a function returning [0, 1)).
 * - `random`: weighted draw, as the original system did (it drew uniformly; weight 1 everywhere is the same).
 * - `shuffle`: no repeat until every candidate has been used; the round restarts with the current candidates.
 * - `sequential`: candidates in id order, continuing after the last one used.
 */
export function pickGroup(
  policy: PickPolicy,
  candidates: PickCandidate[],
  state: PickState,
  random: () => number,
): PickResult | undefined {
  const usable = candidates.filter((c) => c.weight > 0).sort((a, b) => a.id - b.id);
  if (usable.length === 0) return undefined;
  switch (policy) {
    case "random":
      return { groupId: weightedDraw(usable, random), state: {} };
    case "sequential": {
      const next = usable.find((c) => state.lastId === undefined || c.id > state.lastId) ?? usable[0]!;
      return { groupId: next.id, state: { lastId: next.id } };
    }
    case "shuffle": {
      const ids = new Set(usable.map((c) => c.id));
      let bag = (state.bag ?? []).filter((id) => ids.has(id));
      if (bag.length === 0) bag = [...ids];
      const index = Math.floor(random() * bag.length);
      const groupId = bag[index]!;
      return { groupId, state: { bag: bag.filter((_, i) => i !== index) } };
    }
  }
}

function weightedDraw(candidates: PickCandidate[], random: () => number): number {
  const total = candidates.reduce((sum, c) => sum + c.weight, 0);
  let r = random() * total;
  for (const c of candidates) {
    r -= c.weight;
    if (r < 0) return c.id;
  }
  return candidates[candidates.length - 1]!.id;
}
