/**
 * What the scheduler's post job reads of post groups: a schedule's pool, a group's live parts, whether a
 * group is enabled, under the group's share lock. The one interface of groups/ the scheduler uses: it never
 * imports the groups repository itself.
 */
export { isGroupEnabled, listLiveParts, listPool, withGroupShareLock } from "./groups.repository.js";
