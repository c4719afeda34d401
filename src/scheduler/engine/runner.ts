import type { RunRow } from "../../db/schema.js";
import { coerceError } from "../../log.js";
import type { ThreadsClient } from "../../threads/client.js";
import type { EngineEvent } from "../events.js";
import type { JobContext, JobRegistry } from "../jobs/job.js";
import { type Outcome, settle } from "../runs.repository.js";
import { Pool } from "./pool.js";
import { reportOutcome } from "./report.js";
import { LeaseLostError, type RunControl, StoppingError } from "./run-control.js";
import { makeStopSignal, type StopSignal, TIMED_OUT, withinMs } from "./timing.js";

/**
 * Looks at an adopted run's outcome before it is settled (e.g. post now: nothing reached Threads → failed).
 * `unexpected`: the error the job threw, when the outcome is the runner's retry after an unexpected error.
 */
export type ReviewOutcome = (outcome: Outcome, unexpected?: Error) => Promise<Outcome>;

export interface RunnerDeps {
  nodeId: string;
  jobs: JobRegistry;
  /** Everything of the jobs' context but the Threads client, which each start of the engine makes anew. */
  context: Omit<JobContext, "threads">;
  threads: ThreadsClient;
  concurrency: number;
  emit(event: EngineEvent): void;
  /** A pool slot came free (or a run ended): the loop may claim another run. */
  slotFreed(): void;
}

interface Running {
  run: RunRow;
  /** What the run was settled as; undefined when it could not be (its lease was lost, or an error). */
  done: Promise<Outcome | undefined>;
  lost: boolean;
  /** The run gave its pool slot back for good (only lookups that publish nothing are left). */
  slotReleased: boolean;
  review: ReviewOutcome | undefined;
}

/**
 * Runs claimed runs: hands each to its job with a RunControl, settles it into what the job says, reports
 * the outcome, and keeps the pool slots (one per run that may publish; lookups after publishing in a pool of
 * their own). The engine loop decides what to claim and when to stop; this decides nothing about timing.
 */
export class Runner {
  readonly pool: Pool;
  /** Runs looking up permalinks after publishing (they hold no slot of `pool`). */
  private readonly lookups: Pool;
  private readonly running = new Map<number, Running>();
  private stopping = false;
  private stopSignal: StopSignal = makeStopSignal();
  /** Cuts off the Threads calls of this start's runs (the stop timeout ran out). */
  private cutRuns = new AbortController();
  /** Cuts off the permalink lookups (they publish nothing: a stop ends them at once). */
  private cutLookups = new AbortController();
  private runThreads: ThreadsClient;
  private lookupThreads: ThreadsClient;

  constructor(private readonly d: RunnerDeps) {
    this.pool = new Pool(d.concurrency);
    this.lookups = new Pool(d.concurrency);
    this.runThreads = d.threads.withSignal(this.cutRuns.signal);
    this.lookupThreads = this.runThreads.withSignal(this.cutLookups.signal);
  }

  /** A new start: runs may publish again, with clients no earlier stop has cut off. */
  reset(): void {
    this.stopping = false;
    this.stopSignal = makeStopSignal();
    this.cutRuns = new AbortController();
    this.cutLookups = new AbortController();
    this.runThreads = this.d.threads.withSignal(this.cutRuns.signal);
    this.lookupThreads = this.runThreads.withSignal(this.cutLookups.signal);
  }

  /** The jobs' context, with this start's Threads client. */
  context(): JobContext {
    return { ...this.d.context, threads: this.runThreads };
  }

  /** No run publishes any more: waits are interrupted and lookups cut off at once. */
  beginStop(reason: StoppingError): void {
    this.stopping = true;
    this.stopSignal.reject(reason);
    this.cutLookups.abort(reason);
  }

  /** Cuts off every Threads call still in flight (the stop timeout ran out, or the stop is over). */
  cut(reason: StoppingError): void {
    this.cutRuns.abort(reason);
  }

  get size(): number {
    return this.running.size;
  }

  has(id: number): boolean {
    return this.running.has(id);
  }

  ids(): number[] {
    return [...this.running.keys()];
  }

  /** The heartbeat (or a stop) found the lease gone: the run must not publish any more. */
  markLost(id: number): void {
    const entry = this.running.get(id);
    if (entry) entry.lost = true;
  }

  markAllLost(): void {
    for (const entry of this.running.values()) entry.lost = true;
  }

  /** Resolves when every run now running has settled. */
  async allSettled(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  /** Whether every run settled within `ms`. */
  async settledWithin(ms: number): Promise<boolean> {
    if (this.running.size === 0) return true;
    return (await withinMs(this.allSettled(), ms)) !== TIMED_OUT;
  }

  /**
   * Runs a claimed run, whose pool slot the caller has taken; resolves with what it was settled as. `review`
   * may change the outcome before it is settled.
   */
  dispatch(run: RunRow, review?: ReviewOutcome): Promise<Outcome | undefined> {
    this.d.emit({
      type: "claimed",
      runId: run.id,
      job: run.job,
      accountId: run.account_id,
      dueAt: run.due_at,
      delayMs: this.d.context.clock.now() - run.due_at,
    });
    const entry: Running = {
      run,
      lost: false,
      slotReleased: false,
      review,
      done: Promise.resolve(undefined),
    };
    entry.done = this.execute(entry)
      .catch((error) => {
        this.d.emit({ type: "error", where: `run ${run.id}`, error: coerceError(error) });
        return undefined;
      })
      .finally(() => {
        this.running.delete(run.id);
        if (!entry.slotReleased) this.pool.release();
        this.d.slotFreed();
      });
    this.running.set(run.id, entry);
    return entry.done;
  }

  private async execute(entry: Running): Promise<Outcome | undefined> {
    const { run } = entry;
    const { clock, backoff, db } = this.d.context;
    let outcome: Outcome;
    let unexpected: Error | undefined;
    const job = Object.hasOwn(this.d.jobs, run.job) ? this.d.jobs[run.job] : undefined;
    try {
      outcome = job
        ? await job.run(this.context(), run, this.controlOf(entry))
        : {
            state: "failed",
            reason: `this version of threads-scheduler has no job "${run.job}" (planned by a newer version?); nothing was done`,
          };
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
        unexpected = e;
        this.d.emit({ type: "error", where: `run ${run.id}`, error: e });
        outcome = {
          state: "planned",
          runAt: clock.now() + backoff.baseMs,
          reason: `unexpected error, will retry: ${e.message}`,
        };
      }
    }
    if (entry.review) outcome = await entry.review(outcome, unexpected);
    const settled = await settle(db, run.id, this.d.nodeId, clock.now(), outcome);
    if (!settled) {
      this.d.emit({ type: "abandoned", runId: run.id, reason: "lease lost before the run settled" });
      return undefined;
    }
    reportOutcome(run, outcome, (event) => this.d.emit(event));
    return outcome;
  }

  /** What the run's job cooperates with: stop and lease checks, and its pool slot. */
  private controlOf(entry: Running): RunControl {
    return {
      nodeId: this.d.nodeId,
      assertRunning: () => {
        if (this.stopping) throw new StoppingError("the scheduler is stopping");
        if (entry.lost) throw LeaseLostError.of(entry.run.id);
      },
      idle: (wait) => (entry.slotReleased ? wait() : this.idle(wait)),
      afterPublishing: (work) => this.afterPublishing(entry, work),
    };
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
      this.d.slotFreed();
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
    this.d.slotFreed();
    try {
      return await Promise.race([wait(), this.stopSignal.promise]);
    } finally {
      await this.pool.acquire();
    }
  }
}
