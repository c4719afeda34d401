import type { Clock } from "../../clock.js";
import type { Db } from "../../db/connect.js";
import type { RunRow } from "../../db/schema.js";
import type { Logger } from "../../log.js";
import type { ThreadsClient } from "../../threads/client.js";
import type { BackoffPolicy } from "../backoff.js";
import type { RunControl } from "../engine/run-control.js";
import type { EngineEvent } from "../events.js";
import type { Outcome } from "../runs.repository.js";

/** What the engine gives every job: the shared resources and its settings. */
export interface JobContext {
  db: Db;
  clock: Clock;
  logger: Logger;
  /** The engine's client for this start: the stop timeout cuts its calls off. */
  threads: ThreadsClient;
  backoff: BackoffPolicy;
  random: () => number;
  /** Zone of accounts (and of the token refresh) without one. */
  defaultTimezone: string;
  /** How far ahead runs are planned. */
  horizonMs: number;
  /** How long a job waits for one media container to finish processing. */
  containerTimeoutMs: number;
  /** Reports a domain event (the token refresh's summary) on the engine's event stream. */
  emit(event: EngineEvent): void;
}

/**
 * A kind of work the engine runs (graphile-worker's task): `plan` writes its runs ahead (the number
 * written), `run` does one claimed run and says what it becomes; the engine settles it. A job never sees the
 * engine: it cooperates through `control` (may it go on, its pool slot).
 */
export interface Job {
  plan?(ctx: JobContext): Promise<number>;
  run(ctx: JobContext, run: RunRow, control: RunControl): Promise<Outcome>;
}

/** The jobs an engine runs, keyed by the kind in `runs.job`. */
export type JobRegistry = Readonly<Record<string, Job>>;
