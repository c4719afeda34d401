import type { Logger } from "../log.js";
import type { EngineEvent } from "../scheduler/events.js";

/** Engine events as structured log lines: problems as warnings, each settle at debug, the rest as info. */
export function logEvent(logger: Logger, event: EngineEvent): void {
  switch (event.type) {
    case "error":
      logger.error(`engine error in ${event.where}`, { error: event.error });
      return;
    case "failed":
    case "missed":
    case "abandoned":
    case "needs_check":
      logger.warn(event.type, { ...event });
      return;
    case "settled":
      logger.debug(event.type, { ...event });
      return;
    default:
      logger.info(event.type, { ...event });
  }
}
