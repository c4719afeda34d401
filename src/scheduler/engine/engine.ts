import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { RunRow } from "../../db/schema.js";
import { coerceError } from "../../log.js";
import { DEFAULT_BACKOFF } from "../backoff.js";
import type { EngineEvent, EngineEventListener } from "../events.js";
import { PLAN_HORIZON_MS } from "../planning/index.js";
import {
  claimDue,
  markMissed,
  nextRunAt,
  type Outcome,
  recoverExpiredLeases,
  recoverLeasesOf,
  renewLeases,
} from "../runs.repository.js";
import { DEFAULT_LEASE_MS, type EngineOptions, type StopResult } from "./options.js";
import { StoppingError } from "./run-control.js";
import { type ReviewOutcome, Runner } from "./runner.js";
import { formatMs, TIMED_OUT, withinMs } from "./timing.js";

export { DEFAULT_LEASE_MS, type EngineOptions, type StopResult } from "./options.js";

/** A claim-only pass (after a run finished) still recovers leases and marks misfires if this is old. */
const HOUSEKEEPING_MS = 1_000;
/** After the stop timeout has cut off the calls still in flight, how long their runs get to write their state. */
const SETTLE_AFTER_CUT_MS = 500;

/**
 * The scheduler engine: plans runs over a rolling horizon, claims due ones with leases, runs them in a
 * bounded pool with at most one publication per account, and settles each into its next state. The database
 * is the only shared state; any number of engines may run against one PostgreSQL. This file is the loop
 * (timers, passes, claims, heartbeat, stop); `Runner` runs what was claimed; the jobs know the work.
 */
export class Engine {
  readonly nodeId: string;
  readonly leaseMs: number;
  private readonly runner: Runner;
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
  /** The instant the last pass's claim looked at: a row due by then and still unclaimed is blocked. */
  private lastClaimAt = Number.NEGATIVE_INFINITY;
  private started = false;
  private stopping = false;
  private readonly o: Required<Omit<EngineOptions, "subscribe" | "nodeId">> &
    Pick<EngineOptions, "subscribe">;

  constructor(options: EngineOptions) {
    const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
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
    this.leaseMs = this.o.leaseMs;
    this.nodeId = options.nodeId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    const o = this.o;
    this.runner = new Runner({
      nodeId: this.nodeId,
      jobs: o.jobs,
      context: {
        db: o.db,
        clock: o.clock,
        logger: o.logger,
        backoff: o.backoff,
        random: o.random,
        defaultTimezone: o.defaultTimezone,
        horizonMs: o.horizonMs,
        containerTimeoutMs: o.containerTimeoutMs,
        emit: (event) => this.emit(event),
      },
      threads: o.threads,
      concurrency: o.concurrency,
      emit: (event) => this.emit(event),
      slotFreed: () => this.wake(false),
    });
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
    this.runner.reset();
    await this.plan();
    if (this.o.subscribe) this.unsubscribe = await this.o.subscribe(() => this.wake());
    this.startHeartbeat();
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
    this.runner.beginStop(stopping);
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
    if (!(await this.runner.settledWithin(deadline - Date.now()))) {
      result.cutOff = this.runner.size;
      const counting = this.on((event) => {
        if (event.type !== "settled") return;
        if (event.state === "planned") result.handedBack++;
        if (event.state === "needs_check") result.toCheck++;
      });
      this.runner.cut(new StoppingError(`the stop timeout of ${formatMs(timeoutMs)} ran out`));
      if (!(await this.runner.settledWithin(SETTLE_AFTER_CUT_MS))) {
        result.leftToCheck = await this.sendOwnRunsToCheck();
        result.toCheck += result.leftToCheck;
      }
      counting();
    }
    // Waits that the stop interrupted (a container poll) end too: nothing of this engine keeps running.
    this.runner.cut(stopping);
    this.stopHeartbeat();
    this.started = false;
    return result;
  }

  /** The runs of this node still `running` go to `needs_check` (their own settle then finds the lease lost). */
  private async sendOwnRunsToCheck(): Promise<number> {
    this.runner.markAllLost();
    try {
      const rows = await withinMs(
        recoverLeasesOf(this.o.db, this.nodeId, this.o.clock.now()),
        SETTLE_AFTER_CUT_MS,
      );
      if (rows === TIMED_OUT || rows === undefined) return this.runner.size;
      for (const run of rows) {
        this.emit({ type: "abandoned", runId: run.id, reason: run.reason ?? "the scheduler stopped" });
      }
      return rows.length;
    } catch (error) {
      this.emit({ type: "error", where: "stop", error: coerceError(error) });
      return this.runner.size;
    }
  }

  /** Extends the horizon: every job's plan (the schedules' posts, the token refresh). */
  async plan(): Promise<number> {
    const now = this.o.clock.now();
    const context = this.runner.context();
    let count = 0;
    for (const job of Object.values(this.o.jobs)) {
      if (job.plan) count += await job.plan(context);
    }
    this.lastPlanAt = now;
    // What was written may be past due already: the next pass marks misfires before it claims.
    this.housekeepingWanted = true;
    if (count > 0) this.emit({ type: "planned", count });
    return count;
  }

  /**
   * Runs a run this engine's node inserted already claimed (`running`, `locked_by` = nodeId, leased for
   * `leaseMs`), as if its own pass had claimed it: the registry's job runs it in a pool slot, the heartbeat
   * renews its lease, the engine settles it. Works on an engine that was never started (the `post` command),
   * which then claims nothing else. `review` may change the outcome before it is settled. Resolves with what
   * the run was settled as (undefined when its lease was lost first).
   */
  async runAdopted(run: RunRow, review?: ReviewOutcome): Promise<Outcome | undefined> {
    if (run.state !== "running" || run.locked_by !== this.nodeId) {
      throw new Error(`run ${run.id} is not held by this engine (${this.nodeId})`);
    }
    await this.runner.pool.acquire();
    const done = this.runner.dispatch(run, review);
    this.startHeartbeat();
    try {
      return await done;
    } finally {
      if (!this.started && this.runner.size === 0) this.stopHeartbeat();
    }
  }

  /**
   * Asks for a pass soon (coalesced). Only a started engine runs passes on its own timers. `housekeeping:
   * false` (a run finished, a slot is free) makes it a claim-only pass unless the last housekeeping is
   * HOUSEKEEPING_MS old: at a burst's pace, housekeeping after every finished run would cost two more
   * statements per run, one of them reading every due row.
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
      if (this.runner.size === 0) return;
      await this.runner.allSettled();
    }
  }

  get inFlight(): number {
    return this.runner.size;
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
      for (const run of await recoverExpiredLeases(db, now)) {
        this.emit({ type: "abandoned", runId: run.id, reason: run.reason ?? "lease expired" });
      }
      for (const run of await markMissed(db, now)) {
        this.emit({
          type: "missed",
          runId: run.id,
          dueAt: run.due_at,
          reason: run.reason ?? "missed",
        });
      }
    }
    // Every free slot in one statement (in a burst, a claim per slot would cost a round trip per slot).
    const pool = this.runner.pool;
    let free = 0;
    while (!this.stopping && pool.tryAcquire()) free++;
    if (free === 0) return;
    const claimAt = clock.now();
    this.lastClaimAt = claimAt;
    const claimed = this.stopping
      ? []
      : await claimDue(db, { nodeId: this.nodeId, now: claimAt, leaseMs: this.o.leaseMs, limit: free });
    for (let i = claimed.length; i < free; i++) pool.release();
    for (const run of claimed) {
      if (this.runner.has(run.id)) {
        // This node's own run of it is still going: its heartbeat failed (database errors) for as long as the
        // lease, so this node recovered the lease and claimed the row again. A second run would pass every
        // lease check too (same node) and could publish again; the first one goes on under the new lease.
        pool.release();
        continue;
      }
      void this.runner.dispatch(run);
    }
  }

  private async arm(): Promise<void> {
    if (this.stopping || !this.started) return;
    const wakes = this.wakes;
    let delay = this.o.pollMs;
    // With every slot busy, a finishing run wakes the engine: no timer to the (already due) next row, which
    // would spin passes back to back for as long as a burst lasted.
    if (this.runner.pool.free > 0) {
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

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => void this.renew(), this.o.heartbeatMs);
    this.heartbeat.unref?.();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private async renew(): Promise<void> {
    if (this.runner.size === 0) return;
    const ids = this.runner.ids();
    try {
      const held = new Set(
        await renewLeases(this.o.db, this.nodeId, ids, this.o.clock.now() + this.o.leaseMs),
      );
      for (const id of ids) if (!held.has(id)) this.runner.markLost(id);
    } catch (error) {
      this.emit({ type: "error", where: "heartbeat", error: coerceError(error) });
    }
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
