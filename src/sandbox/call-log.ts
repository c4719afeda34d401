/**
 * Per-user counts and first/last arrival times of API calls (not /__sandbox admin calls), for benchmarks:
 * "due → first API call" is read from here. Bounded by the number of users; O(1) per call.
 */
export interface UserCalls {
  /** Epoch ms (sandbox clock) the user's first call arrived, before the artificial latency. */
  firstAt: number;
  lastAt: number;
  calls: number;
}

export class CallLog {
  private readonly byUser = new Map<string, UserCalls>();
  total = 0;

  record(userId: string | undefined, at: number): void {
    this.total++;
    if (userId === undefined) return;
    const seen = this.byUser.get(userId);
    if (seen) {
      seen.lastAt = at;
      seen.calls++;
    } else {
      this.byUser.set(userId, { firstAt: at, lastAt: at, calls: 1 });
    }
  }

  toJson(): { total: number; users: Record<string, UserCalls> } {
    return { total: this.total, users: Object.fromEntries(this.byUser) };
  }
}
