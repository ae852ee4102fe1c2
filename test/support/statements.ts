/**
 * Capture the statements an engine runs, for exact-SQL and count assertions.
 * Transaction control (BEGIN, COMMIT, SAVEPOINT) is kept apart from data statements.
 */
import type { Engine } from '../../src/core/engine/index.js';

export interface Captured {
  readonly sql: string;
  readonly parameters: readonly unknown[];
  readonly kind: string;
  readonly rowCount: number;
}

export class StatementLog {
  readonly all: Captured[] = [];
  private stop: (() => void) | undefined;

  constructor(private readonly engine: Engine) {}

  /** Start capturing (clears what was captured). */
  start(): this {
    this.all.length = 0;
    this.stop?.();
    const listener = (e: { sql: string; parameters: readonly unknown[]; statementKind: string; rowCount: number }) => {
      this.all.push({ sql: e.sql, parameters: e.parameters, kind: e.statementKind, rowCount: e.rowCount });
    };
    this.engine.events.on('afterExecute', listener);
    this.stop = () => this.engine.events.off('afterExecute', listener);
    return this;
  }

  end(): this {
    this.stop?.();
    this.stop = undefined;
    return this;
  }

  /** Data statements (not transaction control). */
  get statements(): Captured[] {
    return this.all.filter((s) => s.kind !== 'transaction');
  }

  get sql(): string[] {
    return this.statements.map((s) => s.sql);
  }

  get count(): number {
    return this.statements.length;
  }

  /** Run `fn` and return the data statements it ran. */
  async during(fn: () => Promise<unknown>): Promise<Captured[]> {
    this.start();
    try {
      await fn();
    } finally {
      this.end();
    }
    return this.statements;
  }
}
