import type { ThreadsClient } from "../../threads/client.js";

/** Thrown when the run's lease was lost (another node may take it over): nothing more may be published. */
export class LeaseLostError extends Error {
  override name = "LeaseLostError";

  static of(runId: number): LeaseLostError {
    return new LeaseLostError(`lease on run ${runId} was lost; Threads will be checked before any retry`);
  }
}

/** Thrown (by `assertRunning` or `idle`) when the process is shutting down. */
export class StoppingError extends Error {
  override name = "StoppingError";
}

/**
 * What the engine gives a running job to cooperate with it: whether it may go on, and its pool slot. One object
 * per run, built by the engine; a job never sees the engine itself.
 */
export interface RunControl {
  /**
   * This process's node id. A part is marked `publish_requested` (and then published) only while this node
   * holds the run's lease, checked by the database in the same statement.
   */
  readonly nodeId: string;
  /** Throws StoppingError or LeaseLostError when this run must not publish any more. */
  assertRunning(): void;
  /** Gives the pool slot back while waiting (media processing); a stop interrupts the wait with StoppingError. */
  idle<T>(wait: () => Promise<T>): Promise<T>;
  /**
   * Runs the run's last calls, which publish nothing (permalink lookups), after giving the pool slot back for
   * good, so the next due post can start meanwhile; `work` gets a client that a stop cuts off at once.
   */
  afterPublishing<T>(work: (threads: ThreadsClient) => Promise<T>): Promise<T>;
}

/** A RunControl for a run outside any engine pool (tests, one-shot tools): never stops, no slot to give back. */
export function freeRunControl(nodeId: string, threads: ThreadsClient): RunControl {
  return {
    nodeId,
    assertRunning() {},
    idle: (wait) => wait(),
    afterPublishing: (work) => work(threads),
  };
}
