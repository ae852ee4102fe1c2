/**
 * Run one suite on every database: SQLite always, PostgreSQL and MariaDB/MySQL
 * when their servers answer.
 *
 * ```ts
 * forEachDialect('transactions', (ctx) => {
 *   it('commits', async () => { await ctx.engine.transaction(async (tx) => { ... }); });
 * });
 * ```
 * URLs come from ATHANOR_SQLITE_URL, ATHANOR_PG_URL and ATHANOR_MYSQL_URL.
 * A server that does not answer skips its suites with the reason, unless
 * ATHANOR_REQUIRE_DIALECTS names it (`postgres,mysql`; `pg` and `mariadb`
 * also work), in which case the suite fails: CI must not go green by skipping.
 *
 * Test files run in parallel processes against the same databases, so each
 * file should prefix its table names with something of its own.
 */

import { after, before, describe, it } from 'node:test';
import type { Dialect, DialectName } from '../../src/core/dialects/dialect.js';
import { createEngine } from '../../src/connect/index.js';
import type { Engine, EngineOptions } from '../../src/core/engine/index.js';
import { redactUrl } from '../../src/core/engine/translate-error.js';

export interface DialectTarget {
  readonly name: DialectName;
  /** For suite titles and messages. */
  readonly label: string;
  readonly url: string;
  /** An unreachable server fails the suite instead of skipping it. */
  readonly required: boolean;
}

export interface DialectContext {
  readonly name: DialectName;
  readonly url: string;
  /** The suite's engine: created before its first test, closed after its last. */
  readonly engine: Engine;
  readonly dialect: Dialect;
}

const env = process.env;

const required = new Set(
  (env['ATHANOR_REQUIRE_DIALECTS'] ?? '')
    .toLowerCase()
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((n) => (n === 'pg' || n === 'postgresql' ? 'postgres' : n === 'mariadb' ? 'mysql' : n)),
);

export const targets: readonly DialectTarget[] = [
  { name: 'sqlite', label: 'SQLite', url: env['ATHANOR_SQLITE_URL'] ?? 'sqlite::memory:', required: required.has('sqlite') },
  {
    name: 'postgres',
    label: 'PostgreSQL',
    url: env['ATHANOR_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/athanor_test',
    required: required.has('postgres'),
  },
  {
    name: 'mysql',
    label: 'MySQL/MariaDB',
    url: env['ATHANOR_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/athanor_test',
    required: required.has('mysql'),
  },
];

const PROBE_TIMEOUT_MS = 5000;

/** Undefined when the server answers, else why not. */
async function probe(target: DialectTarget): Promise<string | undefined> {
  const engine = createEngine(target.url);
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
    });
    await Promise.race([engine.ready(), timeout]);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message.split('\n')[0] : String(error);
  } finally {
    clearTimeout(timer);
    await engine.close().catch(() => undefined);
  }
}

/** Why each target is unavailable (absent when available); probed once per test process. */
const unavailable = new Map<DialectName, string>();
await Promise.all(
  targets.map(async (t) => {
    const reason = await probe(t);
    if (reason !== undefined) unavailable.set(t.name, reason);
  }),
);

export interface ForEachDialectOptions {
  /** Limit the suite to these dialects. */
  readonly only?: readonly DialectName[];
  /** Extra engine options (pool size, foreign keys). */
  readonly engine?: Omit<EngineOptions, 'url' | 'driver'>;
}

/** Define `title` once per available database. */
export function forEachDialect(title: string, define: (ctx: DialectContext) => void, options: ForEachDialectOptions = {}): void {
  for (const target of targets) {
    if (options.only && !options.only.includes(target.name)) continue;
    const suiteTitle = `${title} [${target.label}]`;
    const reason = unavailable.get(target.name);
    if (reason !== undefined) {
      if (target.required) {
        describe(suiteTitle, () => {
          it(`reaches ${target.label}`, () => {
            throw new Error(`${target.label} is required (ATHANOR_REQUIRE_DIALECTS) but unreachable at ${redactUrl(target.url)}: ${reason}`);
          });
        });
      } else {
        describe(suiteTitle, { skip: `${target.label} unreachable at ${redactUrl(target.url)}: ${reason} (set ATHANOR_REQUIRE_DIALECTS=${target.name} to fail instead)` }, () => {});
      }
      continue;
    }
    describe(suiteTitle, () => {
      let engine: Engine | undefined;
      const ctx: DialectContext = {
        name: target.name,
        url: target.url,
        get engine(): Engine {
          if (!engine) throw new Error('ctx.engine is available inside tests and hooks, not while defining them');
          return engine;
        },
        get dialect(): Dialect {
          return ctx.engine.dialect;
        },
      };
      before(async () => {
        engine = createEngine(target.url, options.engine);
        await engine.ready();
      });
      define(ctx);
      // Registered after the suite's own hooks, so it runs after them (hooks run in registration order).
      after(async () => {
        await engine?.close();
      });
    });
  }
}

