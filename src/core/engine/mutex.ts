/**
 * A first-come, first-served async lock.
 *
 * Used where one connection is shared by every caller (SQLite, a single pg
 * Client): two async transactions on one engine must queue, not interleave
 * their statements on the same connection.
 *
 * @internal
 */
export class Mutex {
  private locked = false;
  private readonly waiters: (() => void)[] = [];

  /** Resolves once the caller holds the lock; call the returned function exactly once to release it. */
  lock(): Promise<() => void> {
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => {
      this.waiters.push(() => resolve(this.releaser()));
    });
  }

  /** The lock at once when it is free (call the returned function to release it), else undefined. */
  tryLock(): (() => void) | undefined {
    if (this.locked) return undefined;
    this.locked = true;
    return this.releaser();
  }

  get isLocked(): boolean {
    return this.locked;
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return; // releasing twice must not hand the lock to two waiters
      released = true;
      const next = this.waiters.shift();
      if (next) next();
      else this.locked = false;
    };
  }
}
