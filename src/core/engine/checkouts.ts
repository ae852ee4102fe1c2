/**
 * Checking connections out of a driver: a bounded wait, a count of what is
 * out, and the report of a connection whose holder was garbage collected.
 *
 * Costs are measured with `scripts/measure/checkout.ts` (CPU time, SQLite in
 * memory, where a statement through the engine takes about 2.5 µs):
 * - A driver that can hand a free connection over synchronously
 *   (`tryAcquire`, SQLite) skips the bounded wait altogether. Otherwise the
 *   wait is bounded by one sweeping timer per engine rather than a timer per
 *   acquire (`setTimeout` + `clearTimeout` cost about 0.5 µs). The sweeper
 *   runs every `acquireTimeoutMs / 20` (5 ms to 1 s) while someone waits, so
 *   a timeout fires at most that much late.
 * - Leaks are found with a FinalizationRegistry watching the {@link Runner}
 *   handed to the holder (a held connection, a transaction, a stream, a
 *   session), while the registry keeps only the driver connection: when the
 *   holder becomes unreachable without releasing, the connection is released
 *   as broken (the server, or the SQLite driver, rolls back what it held)
 *   and a warning says so. Registration is lazy (see `watch`). Statements
 *   run by the engine itself are not watched: the driver's pending call
 *   keeps their runner reachable until they finish.
 * - Where a connection was checked out costs a stack capture read as text
 *   (15 to 40 µs with node 20), so it is recorded only with `trackCheckouts`,
 *   and only for holders that can leak; the first leak of an engine without
 *   it turns it on, so the next leak names its origin.
 *
 * @internal
 */

import { PoolTimeoutError } from '../errors.js';
import type { Driver, DriverConnection } from './driver.js';
import { callerLocationFrom, captureStack } from './events.js';
import type { Runner } from './runner.js';

/** What a connection was checked out for, for messages. */
export type CheckoutPurpose = 'statement' | 'connect' | 'session' | 'transaction' | 'openTransaction' | 'stream' | 'copy';

const PURPOSES: Record<CheckoutPurpose, string> = {
  statement: 'for a statement',
  connect: 'by engine.connect()',
  session: 'for a session (connectForSession)',
  transaction: 'by engine.transaction()',
  openTransaction: 'by engine.openTransaction()',
  stream: 'by engine.stream()',
  copy: 'by engine.copyFrom()',
};

/** Purposes whose holder can be dropped while it holds the connection. */
const CAN_LEAK: Record<CheckoutPurpose, boolean> = {
  statement: false,
  connect: true,
  session: true,
  transaction: true,
  openTransaction: true,
  stream: true,
  copy: true,
};

/**
 * One checkout. The registry's held value: it must never reference the
 * runner, or the runner could not become garbage.
 */
export class Checkout {
  constructor(
    readonly connection: DriverConnection,
    readonly purpose: CheckoutPurpose,
    /** The stack where it was checked out, as text, when tracking. */
    readonly stack: string | undefined,
  ) {}

  /** `by engine.connect() at src/app.ts:12:7`. */
  describe(): string {
    const location = callerLocationFrom(this.stack);
    return `${PURPOSES[this.purpose]}${location ? ` at ${location}` : ''}`;
  }
}

interface Waiter {
  readonly start: number;
  readonly reject: (error: Error) => void;
  done: boolean;
}

export interface CheckoutsOptions {
  readonly acquireTimeoutMs: number;
  readonly trackCheckouts: boolean;
  /** The database, for messages (the URL with its password hidden). */
  readonly target: string;
}

/** Frames kept of where a checkout started: the engine's few, then the caller's (formatting costs per frame). */
const ORIGIN_FRAMES = 20;

/** Stacks listed in a pool-timeout message. */
const LISTED = 5;

export class Checkouts {
  /** Connections this engine has out. */
  checkedOut = 0;
  /** The driver's pool size, set by the engine once the driver is known. */
  poolSize = 0;
  private tracking: boolean;
  /** Live checkouts, kept only while tracking (for the pool-timeout message). */
  private readonly live = new Set<Checkout>();
  private readonly waiters = new Set<Waiter>();
  /** Leakable checkouts since the last sweep, not yet watched by the registry. */
  private readonly fresh = new Set<Runner>();
  private readonly registry = new FinalizationRegistry<Checkout>((checkout) => this.leaked(checkout));
  private timer: NodeJS.Timeout | undefined;
  private timerHeld = false;
  private readonly period: number;

  constructor(private readonly options: CheckoutsOptions) {
    this.tracking = options.trackCheckouts;
    this.period = Math.min(1000, Math.max(5, options.acquireTimeoutMs / 20));
  }

  /** A connection the driver has free right now, without waiting; undefined when it has none (or cannot tell). */
  tryAcquire(driver: Driver): DriverConnection | undefined {
    return driver.tryAcquire?.();
  }

  /** A connection from `driver`, or a PoolTimeoutError after `acquireTimeoutMs`. */
  acquire(driver: Driver): Promise<DriverConnection> {
    if (this.options.acquireTimeoutMs === Number.POSITIVE_INFINITY) return driver.acquire();
    return new Promise<DriverConnection>((resolve, reject) => {
      const waiter: Waiter = { start: performance.now(), reject, done: false };
      this.waiters.add(waiter);
      this.schedule();
      driver.acquire().then(
        (connection) => {
          if (waiter.done) {
            // The caller gave up before this came: it goes back to the pool.
            Promise.resolve(connection.release()).catch(() => undefined);
            return;
          }
          this.served(waiter);
          resolve(connection);
        },
        (error: unknown) => {
          if (waiter.done) return;
          this.served(waiter);
          // The driver's own error, whatever it is: the engine turns it into a ConnectionError.
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          reject(error);
        },
      );
    });
  }

  private served(waiter: Waiter): void {
    waiter.done = true;
    this.waiters.delete(waiter);
    if (this.waiters.size === 0) this.holdProcess(false);
  }

  /**
   * Arm the sweeper. It holds the process open while someone waits (a wait
   * that never ends must end in an error, not in an exit), and not otherwise:
   * a script that never closes its engine still exits at once.
   */
  private schedule(): void {
    if (!this.timer) {
      this.timer = setTimeout(this.sweep, this.period);
      this.timerHeld = true;
    }
    this.holdProcess(this.waiters.size > 0);
  }

  private holdProcess(hold: boolean): void {
    if (!this.timer || hold === this.timerHeld) return;
    if (hold) this.timer.ref();
    else this.timer.unref();
    this.timerHeld = hold;
  }

  private readonly sweep = (): void => {
    this.timer = undefined;
    const now = performance.now();
    for (const waiter of this.waiters) {
      const waited = now - waiter.start;
      if (waited < this.options.acquireTimeoutMs) continue;
      waiter.done = true;
      this.waiters.delete(waiter);
      waiter.reject(this.timeoutError(Math.max(1, this.poolSize), Math.round(waited)));
    }
    // Checkouts that outlived a sweep are watched from now on; see watch().
    for (const runner of this.fresh) {
      runner.watched = true;
      this.registry.register(runner, runner.checkout!, runner);
    }
    this.fresh.clear();
    if (this.waiters.size > 0) this.schedule();
  };

  private timeoutError(poolSize: number, waitedMs: number): PoolTimeoutError {
    const { target, acquireTimeoutMs } = this.options;
    const out = this.checkedOut;
    const others = this.waiters.size;
    let where: string;
    if (this.live.size > 0) {
      const listed = [...this.live].slice(0, LISTED).map((c) => `\n    ${c.describe()}`);
      const more = this.live.size > LISTED ? `\n    and ${this.live.size - LISTED} more` : '';
      where = ` Checked out:${listed.join('')}${more}`;
    } else {
      where = ' Create the engine with { trackCheckouts: true } to have this message list where each was checked out.';
    }
    return new PoolTimeoutError(
      `no connection came free within ${waitedMs} ms (acquireTimeoutMs ${acquireTimeoutMs}): the pool of ${target} has ` +
        `${poolSize} connection${poolSize === 1 ? '' : 's'}, ${out} checked out by this engine${others > 0 ? `, ${others} more callers waiting` : ''}. ` +
        `Usually sessions, engine.connect() connections or transactions that were never closed hold them: close sessions, ` +
        `release connections in a finally block, await every transaction; or raise poolSize or acquireTimeoutMs.${where}`,
      poolSize,
      out,
      waitedMs,
    );
  }

  /**
   * Where a checkout that can leak starts, when tracking. Taken synchronously
   * as the call begins: after its first `await` only awaiting callers remain
   * on the stack, and one that does not await would be missing. Read as text
   * at once (about twice the cost of the capture): an unread stack keeps its
   * frames' functions and contexts alive, and a caller's context may hold the
   * very holder whose collection is awaited.
   */
  origin(purpose: CheckoutPurpose): string | undefined {
    return this.tracking && CAN_LEAK[purpose] ? captureStack(ORIGIN_FRAMES).stack : undefined;
  }

  /** Count `runner`'s connection as out and, for holders that can be dropped, watch for its leak. */
  checkedOutBy(runner: Runner, purpose: CheckoutPurpose, origin: string | undefined): void {
    const checkout = new Checkout(runner.connection, purpose, origin);
    runner.checkout = checkout;
    this.checkedOut++;
    if (this.tracking) this.live.add(checkout);
    if (CAN_LEAK[purpose]) this.watch(runner);
  }

  /**
   * Watch a holder for its leak, lazily. Registering every checkout with the
   * FinalizationRegistry made connect + release on SQLite cost 4.1 µs
   * instead of 0.8 µs, most of it garbage collection (`--trace-gc` showed
   * old-generation collections that do not happen without it: registered
   * objects outlive minor collections). Most checkouts end within
   * microseconds, so a checkout is only remembered here and registered by
   * the next sweep if it is still out; a leak is reported one sweep (at
   * most a second) later than it could be.
   */
  private watch(runner: Runner): void {
    this.fresh.add(runner);
    this.schedule();
  }

  /** The holder released it. */
  checkedIn(runner: Runner): void {
    const checkout = runner.checkout;
    if (!checkout) return;
    this.checkedOut--;
    this.live.delete(checkout);
    if (!this.fresh.delete(runner) && runner.watched) this.registry.unregister(runner);
  }

  private leaked(checkout: Checkout): void {
    this.checkedOut--;
    this.live.delete(checkout);
    const origin = checkout.stack
      ? `It was checked out ${checkout.describe()}:\n${framesOf(checkout.stack)}`
      : `It was checked out ${PURPOSES[checkout.purpose]}; create the engine with { trackCheckouts: true } to learn where ` +
        `(now turned on for this engine, so the next leak says).`;
    this.tracking = true;
    process.emitWarning(
      `a connection to ${this.options.target} was garbage collected while checked out: its holder (a session, a held ` +
        `connection, a transaction or a stream) was dropped without being closed or released. The connection was released ` +
        `as broken, rolling back what it held. Close sessions and release connections in a finally block. ${origin}`,
      { type: 'AthanorWarning', code: 'ATH_CONNECTION_LEAK' },
    );
    Promise.resolve(checkout.connection.release(true)).catch(() => undefined);
  }

  /** Stop the sweeper (the engine is closing). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.fresh.clear();
  }
}

/** The stack's frames, without its `Error: caller` line. */
function framesOf(stack: string): string {
  return stack.split('\n').slice(1).join('\n');
}
