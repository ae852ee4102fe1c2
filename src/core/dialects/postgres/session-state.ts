/**
 * PostgreSQL statements that leave state on the server connection after
 * their transaction ends. Behind pgbouncer in transaction pooling mode the
 * next transaction, often another client's, may get that connection: a
 * `SET` would change its settings, a session advisory lock would stay held
 * by nobody that can release it, a temporary table or a prepared statement
 * would meet a name clash or be missing from the connection the client gets
 * next. Each rule names the form that ends with the transaction.
 *
 * Text rules, not a parser: they look at what the statement starts with
 * (`SET`, `PREPARE`, `LISTEN`, `CREATE TEMP`, `DECLARE ... WITH HOLD`) and
 * at the functions that take session locks or settings anywhere in it.
 *
 * @internal
 */

import type { SessionState } from '../dialect.js';

interface Rule {
  readonly test: (sql: string) => boolean;
  readonly found: SessionState;
}

/** Leading whitespace and comments, which do not change what a statement is. */
const LEADING = /^(?:\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*/;

const starts = (pattern: RegExp) => (sql: string) => pattern.test(sql.replace(LEADING, ''));

const RULES: readonly Rule[] = [
  {
    // SET LOCAL and SET TRANSACTION end with the transaction; SET CONSTRAINTS is transaction-scoped too.
    test: starts(/^SET\s+(?!LOCAL\b|TRANSACTION\b|CONSTRAINTS\b)/i),
    found: { state: 'a session setting (SET)', instead: 'SET LOCAL inside a transaction (or set it per role or database: ALTER ROLE ... SET)' },
  },
  {
    test: (sql) => /\bset_config\s*\([^)]*,\s*false\s*\)/i.test(sql),
    found: { state: 'a session setting (set_config(..., false))', instead: 'set_config(name, value, true) inside a transaction' },
  },
  {
    test: (sql) => /\bpg_(?:try_)?advisory_lock(?:_shared)?\s*\(/i.test(sql),
    found: { state: 'a session-level advisory lock', instead: 'pg_advisory_xact_lock() inside a transaction, released at its end' },
  },
  {
    test: (sql) => starts(/^CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:TEMP|TEMPORARY)\s+(?:TABLE|VIEW|SEQUENCE)\b/i)(sql) && !/\bON\s+COMMIT\s+DROP\b/i.test(sql),
    found: { state: 'a temporary table', instead: 'CREATE TEMP TABLE ... ON COMMIT DROP inside a transaction' },
  },
  {
    test: starts(/^PREPARE\b/i),
    found: { state: 'a named prepared statement (PREPARE)', instead: "engine.prepare(), which sends the compiled text as an unnamed statement on each run" },
  },
  {
    test: starts(/^LISTEN\b/i),
    found: { state: 'a LISTEN registration', instead: 'a connection straight to the server (not through the pooler) for notifications' },
  },
  {
    test: (sql) => starts(/^DECLARE\b/i)(sql) && /\bWITH\s+HOLD\b/i.test(sql),
    found: { state: 'a cursor WITH HOLD', instead: 'engine.stream(), or a cursor without HOLD inside a transaction' },
  },
];

/** What `sql` would leave on the server connection, or undefined. */
export function postgresSessionState(sql: string): SessionState | undefined {
  for (const rule of RULES) if (rule.test(sql)) return rule.found;
  return undefined;
}
