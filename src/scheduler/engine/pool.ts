/**
 * A counting semaphore: the global pool of publication slots. A job gives its slot back while it waits
 * for a media container (`release` then `acquire`), so waiting never holds a slot.
 */
export class Pool {
  private waiting: Array<() => void> = [];
  private used = 0;

  constructor(readonly size: number) {}

  get free(): number {
    return this.size - this.used;
  }

  tryAcquire(): boolean {
    if (this.used >= this.size) return false;
    this.used++;
    return true;
  }

  acquire(): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.used--;
  }
}
