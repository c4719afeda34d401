/** All "now" goes through here so tests can move time without sleeping. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to; it may be set backwards to test clock jumps. */
export class FakeClock implements Clock {
  constructor(private ms: number) {}
  now(): number {
    return this.ms;
  }
  set(ms: number | Date): void {
    this.ms = typeof ms === "number" ? ms : ms.getTime();
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}
