/**
 * Real-time waits for artificial latency and hanging faults. These use real timers on purpose (the
 * sandbox clock may be a FakeClock that never moves); `close()` ends every wait so shutdown is prompt.
 */
export class Sleeper {
  private readonly pending = new Set<() => void>();
  private closed = false;

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0 || this.closed || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.pending.delete(done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.pending.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  close(): void {
    this.closed = true;
    for (const done of [...this.pending]) done();
  }
}
