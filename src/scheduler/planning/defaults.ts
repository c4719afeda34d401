/**
 * How far ahead schedules are planned: runs due before `now + PLAN_HORIZON_MS` are written, and the engine
 * extends the horizon as time passes. Two days, so a stopped service restarted the next day still finds the
 * day's runs written (and a random day is drawn well before its window opens).
 */
export const PLAN_HORIZON_MS = 48 * 3_600_000;

/** Posts found late by more than this become `missed` (the design's default for posts). */
export const DEFAULT_MISFIRE_GRACE_MINUTES = 15;

/**
 * A post more than a day late is not the post that was planned (a morning greeting at night): it is missed.
 * A day also bounds how far back a restarted scheduler writes runs of the stopped time.
 */
export const MAX_MISFIRE_GRACE_MINUTES = 1440;
