/**
 * Running a transaction again, as a whole, when it loses to a concurrent one.
 *
 * Under SERIALIZABLE (and on any database, for deadlocks) the server resolves
 * a conflict by aborting one of the transactions involved; the documented fix
 * (PostgreSQL's "Serialization Failure Handling", InnoDB's deadlock notes) is
 * to run that transaction again from its start, so that it reads what the
 * winner wrote. Only the start is safe: a savepoint cannot be retried on its
 * own, because the snapshot or the lock cycle belongs to the whole
 * transaction. So the loop sits outside BEGIN, each attempt runs on a
 * connection taken anew (the one-connection SQLite engine lets others in
 * while this one backs off), and only conflicts the dialect classified as
 * retryable ({@link SerializationError.retryable}) run it again: a unique
 * violation or a bug fails on the first attempt.
 *
 * Between attempts it waits a random time between 0 and
 * `min(maxDelayMs, baseDelayMs * 2^(attempt - 1))` ("full jitter"): workers
 * that collided once spread out instead of colliding again in step.
 *
 * ```ts
 * await engine.transaction(async (tx) => {
 *   const n = await tx.scalar(select(counter.c.n).from(counter).where(counter.c.id.eq(1)));
 *   await tx.execute(update(counter).set({ n: n! + 1 }).where(counter.c.id.eq(1)));
 * }, { isolation: 'serializable', retry: { attempts: 5, onRetry: (e) => log.info(e.error.message) } });
 * ```
 */

import { InvalidArgumentError, RetriesExhaustedError, SerializationError } from '../errors.js';

/**
 * How a transaction is run again after a conflict. Every field is optional.
 *
 * ```ts
 * const retry: RetryOptions = { attempts: 5, baseDelayMs: 10, maxDelayMs: 500, onRetry: ({ attempt, error }) => log.warn(attempt, error.conflict) };
 * await engine.transaction(work, { isolation: 'serializable', retry });
 * ```
 */
export interface RetryOptions {
  /** How many times the function may run in all, the first included; an integer of 1 or more. Default 5. */
  readonly attempts?: number;
  /** The wait bound before the first retry, in milliseconds; it doubles with each retry. Default 10. */
  readonly baseDelayMs?: number;
  /** The largest wait bound between attempts, in milliseconds. Default 1000. */
  readonly maxDelayMs?: number;
  /**
   * Called after an attempt failed with a conflict that will be retried, before the wait. An error it throws (or
   * rejects with) ends the retries and is raised.
   */
  readonly onRetry?: (event: RetryEvent) => void | Promise<void>;
  /**
   * Which conflicts to run the transaction again on. Default `(e) => e.retryable`: serialization failures,
   * deadlocks, Galera certification conflicts and SQLite's busy lock, not PostgreSQL's or MySQL's lock wait
   * timeouts. Errors that are no {@link SerializationError} are never retried.
   *
   * ```ts
   * await engine.transaction(work, { retry: { retryOn: (e) => e.retryable || e instanceof LockTimeoutError } }); // also innodb_lock_wait_timeout
   * ```
   */
  readonly retryOn?: (error: SerializationError) => boolean;
}

/**
 * One retry about to happen, as `onRetry` sees it.
 *
 * ```ts
 * const retry: RetryOptions = {
 *   onRetry: ({ attempt, attempts, error, delayMs }) => log.info(`attempt ${attempt}/${attempts} lost (${error.conflict}); again in ${delayMs} ms`),
 * };
 * ```
 */
export interface RetryEvent {
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  /** The most attempts that may run. */
  readonly attempts: number;
  /** Why it failed. */
  readonly error: SerializationError;
  /** How long the loop waits before the next attempt, in milliseconds. */
  readonly delayMs: number;
}

/**
 * The `retry` setting of a transaction: `true` for the defaults of {@link RetryOptions}, an object to choose,
 * `false` or absent for none.
 */
export type RetrySetting = boolean | RetryOptions;

const DEFAULT_ATTEMPTS = 5;
const DEFAULT_BASE_DELAY_MS = 10;
const DEFAULT_MAX_DELAY_MS = 1000;

/** @internal {@link RetryOptions} checked, with the defaults filled in. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly onRetry: ((event: RetryEvent) => void | Promise<void>) | undefined;
  readonly retryOn: (error: SerializationError) => boolean;
}

function checkedDelay(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidArgumentError(`retry.${name} must be a finite number of milliseconds, 0 or more, got ${String(value)}`, `retry.${name}`, value);
  }
  return value;
}

/**
 * @internal The policy for a `retry` setting, or undefined for none. Throws an InvalidArgumentError naming the
 * option for a bad value, before anything runs.
 */
export function retryPolicy(setting: RetrySetting | undefined): RetryPolicy | undefined {
  if (setting === undefined || setting === false) return undefined;
  if (setting !== true && (typeof setting !== 'object' || setting === null)) {
    throw new InvalidArgumentError(`retry must be true, false or an object of retry options, got ${String(setting)}`, 'retry', setting);
  }
  const options: RetryOptions = setting === true ? {} : setting;
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new InvalidArgumentError(`retry.attempts must be an integer of 1 or more (the first attempt included), got ${String(attempts)}`, 'retry.attempts', attempts);
  }
  for (const name of ['onRetry', 'retryOn'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new InvalidArgumentError(`retry.${name} must be a function, got ${String(options[name])}`, `retry.${name}`, options[name]);
    }
  }
  return {
    attempts,
    baseDelayMs: checkedDelay('baseDelayMs', options.baseDelayMs, DEFAULT_BASE_DELAY_MS),
    maxDelayMs: checkedDelay('maxDelayMs', options.maxDelayMs, DEFAULT_MAX_DELAY_MS),
    onRetry: options.onRetry,
    retryOn: options.retryOn ?? ((error) => error.retryable),
  };
}

/** @internal The wait before the attempt after `failed` (from 1): full jitter under a doubling bound. */
export function retryDelayMs(policy: RetryPolicy, failed: number, random: () => number = Math.random): number {
  const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failed - 1));
  return Math.round(random() * bound);
}

const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * @internal Run `attempt` (given its number, from 1) until it resolves, a failure is not a conflict `policy`
 * retries (raised as is), or the attempts are spent (a {@link RetriesExhaustedError} around the last conflict).
 * Each call of `attempt` must open, and end, its own transaction.
 */
export async function runRetried<T>(policy: RetryPolicy, attempt: (n: number) => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!(error instanceof SerializationError) || !policy.retryOn(error)) throw error;
      if (n >= policy.attempts) throw new RetriesExhaustedError(n, error);
      const delayMs = retryDelayMs(policy, n);
      if (policy.onRetry) await policy.onRetry({ attempt: n, attempts: policy.attempts, error, delayMs });
      if (delayMs > 0) await sleep(delayMs);
    }
  }
}
