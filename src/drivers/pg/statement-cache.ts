/**
 * Named prepared statements for the statement shapes a connection runs again and again.
 *
 * An unnamed statement is parsed and planned by the server on every run; a named one is parsed once per
 * connection and, after a few runs with the same plan, executed from its cached generic plan. node-postgres
 * prepares a query when it carries a `name`, and remembers per connection which names it has parsed. This cache
 * decides which texts get a name: the second time a connection sees a text (a text seen once, such as a savepoint
 * or an IN list of unusual length, is not worth a server-side statement), up to `capacity` texts per connection,
 * least recently used first out (`DEALLOCATE`, so the server's memory stays bounded too).
 *
 * Measured on PostgreSQL 15 over loopback, a primary-key lookup through `engine.all()`: median 63–72 µs unnamed,
 * 47 µs named (scripts/measure/pg-prepared.ts).
 *
 * Two server errors mean a statement has to be prepared again: "cached plan must not change result type"
 * (a column's type changed under it) and "prepared statement does not exist" (`DEALLOCATE ALL` or `DISCARD ALL`
 * ran on the connection). Both fail before the statement runs, so the driver forgets the name and runs the text
 * once more, unnamed; inside a transaction the first error has aborted it, the second attempt fails too, and the
 * first error is what the caller gets.
 *
 * @internal
 */

/** The part of a node-postgres connection the cache reaches into: its record of parsed statement names. */
interface ParsedStatements {
  parsedStatements?: Record<string, string>;
}

/** What the cache needs of a client: to send a statement (DEALLOCATE) and its connection's parsed names. */
export interface StatementClient {
  query(text: string): Promise<unknown>;
  readonly connection?: unknown;
}

/** Texts longer than this are never prepared: a bulk statement is rarely repeated byte for byte. */
const MAX_TEXT_LENGTH = 16_384;

/** Only these statements are worth preparing (transaction control, DDL and SET are not). */
const PREPARABLE = /^\s*(?:select|insert|update|delete|with|values)\b/i;

/** SQLSTATE 0A000 with this message, and 26000: the named statement must be prepared again. */
export function needsReprepare(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (typeof e !== 'object' || e === null) return false;
  if (e.code === '26000') return true;
  return e.code === '0A000' && typeof e.message === 'string' && e.message.includes('cached plan must not change result type');
}

let nameSequence = 0;

/** The named statements of one connection. @internal */
export class StatementCache {
  /** Prepared texts and their names, least recently used first. */
  private readonly named = new Map<string, string>();
  /** Texts seen once, waiting for a second run (cleared when it grows past a bound). */
  private readonly seenOnce = new Set<string>();

  constructor(
    private readonly client: StatementClient,
    private readonly capacity: number,
  ) {}

  /** The name to run `text` under, or undefined to run it unnamed. */
  nameFor(text: string): string | undefined {
    const known = this.named.get(text);
    if (known !== undefined) {
      // Most recently used goes last.
      this.named.delete(text);
      this.named.set(text, known);
      return known;
    }
    if (text.length > MAX_TEXT_LENGTH || !PREPARABLE.test(text)) return undefined;
    if (!this.seenOnce.has(text)) {
      if (this.seenOnce.size >= this.capacity * 4) this.seenOnce.clear();
      this.seenOnce.add(text);
      return undefined;
    }
    const parsed = parsedStatementsOf(this.client);
    // A node-postgres without the record this relies on: run everything unnamed.
    if (parsed === undefined) return undefined;
    this.seenOnce.delete(text);
    const name = `athanor_${++nameSequence}`;
    this.named.set(text, name);
    if (this.named.size > this.capacity) {
      const [oldText, oldName] = this.named.entries().next().value as [string, string];
      this.named.delete(oldText);
      this.deallocate(oldName);
    }
    return name;
  }

  /** The server no longer has (or can no longer use) the statement for `text`: prepare it again next time. */
  forget(text: string): void {
    const name = this.named.get(text);
    if (name === undefined) return;
    this.named.delete(text);
    this.deallocate(name);
  }

  private deallocate(name: string): void {
    const parsed = parsedStatementsOf(this.client);
    if (parsed !== undefined) delete parsed[name];
    // Queued behind whatever the connection runs now; a failure (an aborted transaction, a statement gone already)
    // leaves a statement the server frees with the connection.
    this.client.query(`DEALLOCATE ${name}`).catch(() => undefined);
  }
}

function parsedStatementsOf(client: StatementClient): Record<string, string> | undefined {
  const connection = client.connection as ParsedStatements | undefined;
  const parsed = connection?.parsedStatements;
  return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
}
