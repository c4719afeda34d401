import type { Clock } from "../clock.js";
import type { CallLog } from "./call-log.js";
import type { FaultController } from "./faults.js";
import type { FetchMedia } from "./media.js";
import type { Sleeper } from "./sleeper.js";
import type { SandboxState } from "./state.js";

/** What the route modules share. */
export interface SandboxContext {
  state: SandboxState;
  /** Where the sandbox is reached, for permalinks; undefined: the request's origin. */
  baseUrl: string | undefined;
  clock: Clock;
  appId: string;
  appSecret: string;
  mediaProcessingMs: number;
  latencyMs: number;
  fetchMedia: FetchMedia;
  faults: FaultController;
  sleeper: Sleeper;
  /** Downloads still running; awaited on close so nothing writes after shutdown. */
  downloads: Set<Promise<void>>;
  /** API calls per user (benchmarks read it at /__sandbox/calls). */
  calls: CallLog;
}
