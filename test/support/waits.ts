/**
 * Bounded waits for tests: every wait ends, so a hung call fails its test instead of the whole run.
 *
 * ```ts
 * await within(5000, 'the stream', stream.next());
 * await pause(10);
 * ```
 */

/** `promise`, or a rejection naming `what` after `ms` milliseconds. */
export function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** Resolve after `ms` milliseconds. */
export const pause = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));
