/** Ids as ranges for one line of output: `12–14, 20, 31–40`; long lists end in "and N more". Pure. */
export function formatIdRanges(ids: readonly number[], maxRanges = 5): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const ranges: Array<[number, number]> = [];
  for (const id of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && id === last[1] + 1) last[1] = id;
    else ranges.push([id, id]);
  }
  const shown = ranges.slice(0, maxRanges).map(([a, b]) => (a === b ? `${a}` : `${a}–${b}`));
  const rest = ranges.slice(maxRanges).reduce((n, [a, b]) => n + b - a + 1, 0);
  return rest > 0 ? `${shown.join(", ")} and ${rest} more` : shown.join(", ");
}
