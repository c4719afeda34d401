import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Clock } from "../../clock.js";
import type { Db } from "../../db/connect.js";
import type { AccountRow, RunRow } from "../../db/schema.js";
import { coerceError, type Logger } from "../../log.js";
import type { ThreadsClient } from "../../threads/client.js";
import { type BackoffPolicy, DEFAULT_BACKOFF } from "../backoff.js";
import type { EngineEvent, EngineEventListener } from "../events.js";
import { runPostJob } from "../jobs/post-job.js";
import {
  planTokenRefresh,
  runTokenRefreshJob,
  supersedeOlderRefreshes,
  type TokenRefresher,
} from "../jobs/token-refresh-job.js";
import { planAll } from "../planner.js";
import { PLAN_HORIZON_MS } from "../planning/index.js";
import { prunePlannedDays } from "../prune-planned-days.js";
import {
  claimDue,
  markMissed,
  nextRunAt,
  type Outcome,
  recoverExpiredLeases,
  recoverLeasesOf,
  renewLeases,
  settle,
} from "../runs.repository.js";
import { Pool } from "./pool.js";
import { LeaseLostError, StoppingError } from "./run-control.js";

export interface EngineOptions {
  db: Db;
  threads: ThreadsClient;
  clock: Clock;
  logger: Logger;
  refresher: TokenRefresher;
  tokenOf(account: AccountRow): string;
  markReauth(accountId: number, reason: string): Promise<void>;
  defaultTimezone: string;
  /** Publications running at once in this process (default 20). */
  concurrency?: number;
  /** How long a claim holds without a heartbeat (default 60 s). */
  leaseMs?: number;
  /** How often held leases are renewed (default leaseMs / 4). */
  heartbeatMs?: number;
  /** How far ahead runs are planned (default `PLAN_HORIZON_MS`, 48 h). */
  horizonMs?: number;
  /** How often the horizon is extended (default 10 minutes). */
  replanEveryMs?: number;
  /** The safety-net poll when nothing is due sooner (default 1 s; wake-ups by timer and NOTIFY come first). */
  pollMs?: number;
  backoff?: BackoffPolicy;
  random?: () => number;
  nodeId?: string;
  /** Waits for work on other nodes (PostgreSQL LISTEN); returns an unsubscribe. */
  subscribe?: (wake: () => void) => Promise<() => Promise<void>>;
  /** Polls waiting for a media container use this (tests pass one that advances a fake clock). */
  containerTimeoutMs?: number;
}

/** A claim-only pass (after a run finished) still recovers leases and marks misfires if this is old. */
const HOUSEKEEPING_MS = 1_000;
/** How often planning also deletes the records of days long past (one statement reading that table). */
const PRUNE_EVERY_MS = 3_600_000;
/** After the stop timeout has cut off the calls still in flight, how long their runs get to write their state. */
const SETTLE_AFTER_CUT_MS = 500;

/** What `stop()` ended with. */
export interface StopResult {
  /** Runs the stop timeout cut off (their calls to Threads were ended). */
  cutOff: number;
  /** Of those, the ones back in `planned` (nothing can have been published): the next start runs them. */
  handedBack: number;
  /**
   * Of those, the ones in `needs_check` (a publish call may have gone out, or the run never wrote its state):
   * the next start asks Threads before anything is published again.
   */
  toCheck: number;
  /**
   * Runs still not settled after that: their rows were sent to `needs_check` by the stop itself, so the next
   * scheduler checks Threads before anything is published again.
   */
  leftToCheck: number;
}

interface Running {
  run: RunRow;
  promise: Promise<void>;
  lost: boolean;
  /** The run gave its pool slot back for good (only lookups that publish nothing are left). */
  slotReleased: boolean;
}

/**
 * The scheduler engine: plans runs over a rolling horizon, claims due ones with leases, runs them in a
 * bounded pool with at most one publication per account, and settles each into its next state. The database
 * is the only shared state; any number of engines may run against one PostgreSQL.
 */
export class Engine {
  readonly nodeId: string;
  private readonly pool: Pool;
  /** Runs looking up permalinks after publishing (they hold no slot of `pool`). */
  private readonly lookups: Pool;
  private readonly running = new Map<number, Running>();
  private readonly listeners = new Set<EngineEventListener>();
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private unsubscribe: (() => Promise<void>) | undefined;
  private ticking: Promise<void> | undefined;
  private tickAgain = false;
  /** Counts wake-ups, so that `arm` never replaces the timer of a wake that came while it was querying. */
  private wakes = 0;
  /** Recover leases and mark misfires on the next pass (timers, NOTIFY, start); a finished run's pass only claims. */
  private housekeepingWanted = true;
  private housekeptAt = Number.NEGATIVE_INFINITY;
  private lastPlanAt = Number.NEGATIVE_INFINITY;
  private lastPruneAt = Number.NEGATIVE_INFINITY;
  /** The instant the last pass's claim looked at: a row due by then and still unclaimed is blocked. */
  private lastClaimAt = Number.NEGATIVE_INFINITY;
  private started = false;
  private stopping = false;
  private stopSignal: { promise: Promise<never>; reject: (e: Error) => void } = makeStopSignal();
  /** Cuts off the Threads calls of this start's runs (the stop timeout ran out). */
  private cutRuns = new AbortController();
  /** Cuts off the permalink lookups (they publish nothing: a stop ends them at once). */
  private cutLookups = new AbortController();
  private runThreads: ThreadsClient;
  private lookupThreads: ThreadsClient;
  private readonly o: Required<Omit<EngineOptions, "subscribe" | "nodeId">> &
    Pick<EngineOptions, "subscribe">;

  constructor(options: EngineOptions) {
    const leaseMs = options.leaseMs ?? 60_000;
    this.o = {
      concurrency: 20,
      leaseMs,
      heartbeatMs: Math.max(100, Math.floor(leaseMs / 4)),
      horizonMs: PLAN_HORIZON_MS,
      replanEveryMs: 10 * 60_000,
      pollMs: 1_000,
      backoff: DEFAULT_BACKOFF,
      random: Math.random,
      containerTimeoutMs: 10 * 60_000,
      ...options,
    };
    this.nodeId = options.nodeId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.pool = new Pool(this.o.concurrency);
    this.lookups = new Pool(this.o.concurrency);
    this.runThreads = this.o.threads.withSignal(this.cutRuns.signal);
    this.lookupThreads = this.runThreads.withSignal(this.cutLookups.signal);
  }

  on(listener: EngineEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Plans, then runs until `stop()`: timer to the next due instant, NOTIFY wake-ups, a poll as safety net. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.stopping = false;
    this.stopSignal = makeStopSignal();
    this.cutRuns = new AbortController();
    this.cutLookups = new AbortController();
    this.runThreads = this.o.threads.withSignal(this.cutRuns.signal);
    this.lookupThreads = this.runThreads.withSignal(this.cutLookups.signal);
    await this.plan();
    if (this.o.subscribe) this.unsubscribe = await this.o.subscribe(() => this.wake());
    this.heartbeat = setInterval(() => void this.renew(), this.o.heartbeatMs);
    this.heartbeat.unref?.();
    this.wake();
  }

  /**
   * Stops claiming and ends within `timeoutMs` (plus half a second), whatever Threads does. Runs waiting for a
   * container go back to `planned` at once and permalink lookups end at once (the post is published); runs
   * in the middle of a call get until `timeoutMs` to finish. Then their calls to Threads are cut off: a run
   * that had not sent its publish goes back to `planned`, one whose publish may have left goes to
   * `needs_check`. A run that still has not written its state by then (a database that does not answer) is
   * sent to `needs_check` by the stop itself. Either way the next start handles it exactly once.
   */
  async stop(timeoutMs = 30_000): Promise<StopResult> {
    const result: StopResult = { cutOff: 0, handedBack: 0, toCheck: 0, leftToCheck: 0 };
    if (!this.started) return result;
    const deadline = Date.now() + timeoutMs;
    const stopping = new StoppingError("the scheduler is stopping");
    this.stopping = true;
    this.stopSignal.reject(stopping);
    this.cutLookups.abort(stopping);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await withinMs(
      this.unsubscribe?.().catch(() => {}),
      deadline - Date.now(),
    );
    this.unsubscribe = undefined;
    await withinMs(
      this.ticking?.catch(() => {}),
      deadline - Date.now(),
    );
    if (!(await this.settledWithin(deadline - Date.now()))) {
      result.cutOff = this.running.size;
      const counting = this.on((event) => {
        if (event.type !== "settled") return;
        if (event.state === "planned") result.handedBack++;
        if (event.state === "needs_check") result.toCheck++;
      });
      this.cutRuns.abort(new StoppingError(`the stop timeout of ${formatMs(timeoutMs)} ran out`));
      if (!(await this.settledWithin(SETTLE_AFTER_CUT_MS))) {
        result.leftToCheck = await this.sendOwnRunsToCheck();
        result.toCheck += result.leftToCheck;
      }
      counting();
    }
    // Waits that the stop interrupted (a container poll) end too: nothing of this engine keeps running.
    this.cutRuns.abort(stopping);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.started = false;
    return result;
  }

  /** Whether every run settled within `ms`. */
  private async settledWithin(ms: number): Promise<boolean> {
    if (this.running.size === 0) return true;
    const all = Promise.allSettled([...this.running.values()].map((r) => r.promise));
    return (await withinMs(all, ms)) !== TIMED_OUT;
  }

  /** The runs of this node still `running` go to `needs_check` (their own settle then finds the lease lost). */
  private async sendOwnRunsToCheck(): Promise<number> {
    for (const entry of this.running.values()) entry.lost = true;
    try {
      const rows = await withinMs(
        recoverLeasesOf(this.o.db, this.nodeId, this.o.clock.now()),
        SETTLE_AFTER_CUT_MS,
      );
      if (rows === TIMED_OUT || rows === undefined) return this.running.size;
      for (const occ of rows) {
        this.emit({ type: "abandoned", runId: occ.id, reason: occ.reason ?? "the scheduler stopped" });
      }
      return rows.length;
    } catch (error) {
      this.emit({ type: "error", where: "stop", error: coerceError(error) });
      return this.running.size;
    }
  }

  /** Extends the horizon: every active schedule, and the token refresh job. */
  async plan(): Promise<number> {
    const now = this.o.clock.now();
    const count = await planAll(this.o.db, {
      now,
      horizonMs: this.o.horizonMs,
      defaultTimezone: this.o.defaultTimezone,
      rng: this.o.random,
    });
    await planTokenRefresh(this.o.db, this.o.defaultTimezone, now);
    if (now - this.lastPruneAt >= PRUNE_EVERY_MS || now < this.lastPruneAt) {
      await prunePlannedDays(this.o.db, now);
      this.lastPruneAt = now;
    }
    this.lastPlanAt = now;
    // What was written may be past due already: the next pass marks misfires before it claims.
    this.housekeepingWanted = true;
    if (count > 0) this.emit({ type: "planned", count });
    return count;
  }

  /**
   * Asks for a pass soon (coalesced). Only a started engine runs passes on its own timers. `housekeeping:
   * false` (a run finished, a slot is free) makes it a claim-only pass unless the last housekeeping is
   * HOUSEKEEPING_MS old: at a burst's pace, every finished run used to pay two more statements, one of
   * them reading every due row.
   */
  wake(housekeeping = true): void {
    if (housekeeping) this.housekeepingWanted = true;
    if (this.stopping || !this.started) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    this.wakes++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), 0);
  }

  /** One pass: extend the horizon when due, recover dead leases, mark misfires, claim what fits. */
  tick(): Promise<void> {
    if (this.ticking) {
      this.tickAgain = true;
      return this.ticking;
    }
    this.ticking = this.pass()
      .catch((error) => this.emit({ type: "error", where: "tick", error: coerceError(error) }))
      .finally(() => {
        this.ticking = undefined;
        if (this.tickAgain && !this.stopping) {
          this.tickAgain = false;
          this.wake(false);
        } else {
          void this.arm();
        }
      });
    return this.ticking;
  }

  /** For tests and one-shot runs: pass and wait for everything claimed to settle, until nothing is due. */
  async runDue(): Promise<void> {
    for (;;) {
      this.housekeepingWanted = true;
      await this.pass();
      if (this.running.size === 0) return;
      await Promise.allSettled([...this.running.values()].map((r) => r.promise));
    }
  }

  get inFlight(): number {
    return this.running.size;
  }

  private async pass(): Promise<void> {
    const { db, clock } = this.o;
    const now = clock.now();
    // Planning first: it may write runs already past their grace (the rest of a day the horizon passed while
    // no scheduler ran), which the housekeeping below marks missed before anything is claimed.
    if (now - this.lastPlanAt >= this.o.replanEveryMs || now < this.lastPlanAt) await this.plan();
    if (this.housekeepingWanted || now - this.housekeptAt >= HOUSEKEEPING_MS || now < this.housekeptAt) {
      this.housekeepingWanted = false;
      this.housekeptAt = now;
      for (const occ of await recoverExpiredLeases(db, now)) {
        this.emit({ type: "abandoned", runId: occ.id, reason: occ.reason ?? "lease expired" });
      }
      for (const occ of await markMissed(db, now)) {
        this.emit({
          type: "missed",
          runId: occ.id,
          dueAt: occ.due_at,
          reason: occ.reason ?? "missed",
        });
      }
    }
    // Every free slot in one statement (a burst used to cost one claim per slot).
    let free = 0;
    while (!this.stopping && this.pool.tryAcquire()) free++;
    if (free === 0) return;
    const claimAt = clock.now();
    this.lastClaimAt = claimAt;
    const claimed = this.stopping
      ? []
      : await claimDue(db, { nodeId: this.nodeId, now: claimAt, leaseMs: this.o.leaseMs, limit: free });
    for (let i = claimed.length; i < free; i++) this.pool.release();
    for (const occ of claimed) {
      if (this.running.has(occ.id)) {
        // This node's own run of it is still going: its heartbeat failed (database errors) for as long as the
        // lease, so this node recovered the lease and claimed the row again. A second run would pass every
        // lease check too (same node) and could publish again; the first one goes on under the new lease.
        this.pool.release();
        continue;
      }
      this.dispatch(occ);
    }
  }

  private async arm(): Promise<void> {
    if (this.stopping || !this.started) return;
    const wakes = this.wakes;
    let delay = this.o.pollMs;
    // With every slot busy, a finishing run wakes the engine: no timer to the (already due) next row, which
    // used to spin passes back to back for as long as a burst lasted.
    if (this.pool.free > 0) {
      try {
        const next = await nextRunAt(this.o.db);
        // Due before the last claim yet not claimed: blocked (its account has a run, another node holds it, or
        // the account must be reconnected); a finishing run or the poll looks again, not a tight loop.
        if (next !== undefined && next > this.lastClaimAt) {
          delay = Math.min(delay, Math.max(0, next - this.o.clock.now()));
        }
      } catch (error) {
        this.emit({ type: "error", where: "arm", error: coerceError(error) });
      }
    }
    if (this.stopping || this.ticking || this.wakes !== wakes) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.housekeepingWanted = true;
      void this.tick();
    }, delay);
  }

  private dispatch(occ: RunRow): void {
    this.emit({
      type: "claimed",
      runId: occ.id,
      job: occ.job,
      accountId: occ.account_id,
      dueAt: occ.due_at,
      delayMs: this.o.clock.now() - occ.due_at,
    });
    const entry: Running = { run: occ, lost: false, slotReleased: false, promise: Promise.resolve() };
    entry.promise = this.execute(entry)
      .catch((error) => this.emit({ type: "error", where: `run ${occ.id}`, error: coerceError(error) }))
      .finally(() => {
        this.running.delete(occ.id);
        if (!entry.slotReleased) this.pool.release();
        this.wake(false);
      });
    this.running.set(occ.id, entry);
  }

  private async execute(entry: Running): Promise<void> {
    const occ = entry.run;
    const { db, clock } = this.o;
    let outcome: Outcome;
    try {
      outcome = occ.job === "token_refresh" ? await this.refreshTokens(occ) : await this.post(entry);
    } catch (error) {
      if (error instanceof StoppingError) {
        outcome = {
          state: "planned",
          runAt: clock.now(),
          reason: "handed back: the scheduler stopped",
          resetAttempts: false,
        };
      } else {
        const e = coerceError(error);
        this.emit({ type: "error", where: `run ${occ.id}`, error: e });
        outcome = {
          state: "planned",
          runAt: clock.now() + this.o.backoff.baseMs,
          reason: `unexpected error, will retry: ${e.message}`,
        };
      }
    }
    const settled = await settle(db, occ.id, this.nodeId, clock.now(), outcome);
    if (!settled) {
      this.emit({ type: "abandoned", runId: occ.id, reason: "lease lost before the run settled" });
      return;
    }
    this.report(occ, outcome);
  }

  private async post(entry: Running): Promise<Outcome> {
    const occ = entry.run;
    const o = this.o;
    return runPostJob(
      {
        db: o.db,
        threads: this.runThreads,
        clock: o.clock,
        logger: o.logger,
        backoff: o.backoff,
        random: o.random,
        tokenOf: o.tokenOf,
        markReauth: o.markReauth,
        containerTimeoutMs: o.containerTimeoutMs,
        idle: (wait) => (entry.slotReleased ? wait() : this.idle(wait)),
        afterPublishing: (work) => this.afterPublishing(entry, work),
        nodeId: this.nodeId,
        assertRunning: () => {
          if (this.stopping) throw new StoppingError("the scheduler is stopping");
          if (entry.lost) throw LeaseLostError.of(occ.id);
        },
      },
      occ,
    );
  }

  /**
   * Gives the run's pool slot back for good and runs its last calls (permalink lookups), at most as many
   * runs at once as the pool has slots: with Threads slow to answer them, publishing goes on, and the calls
   * in flight stay bounded (twice the pool).
   */
  private async afterPublishing<T>(entry: Running, work: (threads: ThreadsClient) => Promise<T>): Promise<T> {
    if (!entry.slotReleased) {
      entry.slotReleased = true;
      this.pool.release();
      // The freed slot can take another due run now.
      this.wake(false);
    }
    await this.lookups.acquire();
    try {
      return await work(this.lookupThreads);
    } finally {
      this.lookups.release();
    }
  }

  /** Gives the pool slot back while waiting; a stop interrupts the wait. */
  private async idle<T>(wait: () => Promise<T>): Promise<T> {
    this.pool.release();
    // The freed slot can take another due run now (arm does not poll while every slot is busy).
    this.wake(false);
    try {
      return await Promise.race([wait(), this.stopSignal.promise]);
    } finally {
      await this.pool.acquire();
    }
  }

  private async refreshTokens(occ: RunRow): Promise<Outcome> {
    const now = this.o.clock.now();
    await supersedeOlderRefreshes(this.o.db, occ.due_at, now);
    const { outcome, summary } = await runTokenRefreshJob(this.o.db, this.o.refresher, now);
    this.emit({ type: "token_refresh", ...summary });
    await planTokenRefresh(this.o.db, this.o.defaultTimezone, now);
    return outcome;
  }

  private async renew(): Promise<void> {
    if (this.running.size === 0) return;
    const ids = [...this.running.keys()];
    try {
      const held = new Set(
        await renewLeases(this.o.db, this.nodeId, ids, this.o.clock.now() + this.o.leaseMs),
      );
      for (const id of ids) {
        const entry = this.running.get(id);
        if (entry && !held.has(id)) entry.lost = true;
      }
    } catch (error) {
      this.emit({ type: "error", where: "heartbeat", error: coerceError(error) });
    }
  }

  private report(occ: RunRow, outcome: Outcome): void {
    const id = occ.id;
    const reason = outcome.reason ?? "";
    switch (outcome.state) {
      case "published":
        if (occ.job === "post") this.emit({ type: "published", runId: id, accountId: occ.account_id! });
        break;
      case "planned":
        this.emit({
          type: "retried",
          runId: id,
          attempt: occ.attempts,
          runAt: outcome.runAt ?? 0,
          reason,
        });
        break;
      case "needs_check":
        this.emit({ type: "needs_check", runId: id, reason });
        break;
      case "failed":
        this.emit({ type: "failed", runId: id, reason });
        break;
      case "skipped":
        this.emit({ type: "skipped", runId: id, reason });
        break;
      case "missed":
        this.emit({ type: "missed", runId: id, dueAt: occ.due_at, reason });
        break;
    }
    this.emit({ type: "settled", runId: id, state: outcome.state });
  }

  private emit(event: EngineEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure must never stop the engine.
      }
    }
  }
}

const TIMED_OUT = Symbol("timed out");

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** `promise`'s value, or TIMED_OUT when it takes longer than `ms` (its timer never outlives the race). */
async function withinMs<T>(
  promise: Promise<T> | undefined,
  ms: number,
): Promise<T | undefined | typeof TIMED_OUT> {
  if (promise === undefined) return undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<typeof TIMED_OUT>(
        (resolve) => (timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, ms))),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function makeStopSignal(): { promise: Promise<never>; reject: (e: Error) => void } {
  let reject!: (e: Error) => void;
  const promise = new Promise<never>((_, r) => {
    reject = r;
  });
  promise.catch(() => {});
  return { promise, reject };
}
