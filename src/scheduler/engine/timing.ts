/** Small helpers for the engine's waits: a race against a timeout, and a stop signal. */

export const TIMED_OUT = Symbol("timed out");

export function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** `promise`'s value, or TIMED_OUT when it takes longer than `ms` (its timer never outlives the race). */
export async function withinMs<T>(
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

export interface StopSignal {
  promise: Promise<never>;
  reject: (e: Error) => void;
}

/** A promise that only ever rejects (when the stop comes); waits race against it. */
export function makeStopSignal(): StopSignal {
  let reject!: (e: Error) => void;
  const promise = new Promise<never>((_, r) => {
    reject = r;
  });
  promise.catch(() => {});
  return { promise, reject };
}
