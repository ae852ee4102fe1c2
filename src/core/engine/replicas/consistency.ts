/**
 * Read-your-writes state: the replication position a reader must see. An ORM session keeps one for its life (its
 * commits move it forward), and it travels between requests as an opaque token, so the request after a POST reads
 * what the POST wrote even on another process.
 *
 * ```ts
 * const consistency = new ReadConsistency(cookies['athanor-rw']);  // undefined: no requirement
 * // ... after a commit through an engine with replicas:
 * setCookie('athanor-rw', consistency.token() ?? '');
 * ```
 * The token is `base64url("1|<dialect>|<position>")`: a WAL LSN on PostgreSQL, a GTID list on MariaDB. It says
 * only how far the database had got when the user last wrote; it grants nothing, so it needs no signature (a
 * forged one sends that user's reads to the primary, nothing worse).
 */

import type { DialectName } from '../../dialects/dialect.js';
import type { ReplicationPositions } from '../../dialects/replication.js';
import { ConsistencyTokenError } from '../../errors.js';

const VERSION = '1';

export class ReadConsistency {
  private dialectName: DialectName | undefined;
  private required: string | undefined;
  /** @internal Set when a commit's position could not be read: every read goes to the primary from then on. */
  primaryOnly = false;

  /**
   * A requirement from a token (`session.consistencyToken()` of an earlier request), or none.
   * A malformed token throws a {@link ConsistencyTokenError}.
   */
  constructor(token?: string) {
    if (token === undefined || token === '') return;
    let text: string;
    try {
      text = Buffer.from(token, 'base64url').toString('utf8');
    } catch {
      text = '';
    }
    const [version, dialect, ...rest] = text.split('|');
    if (version !== VERSION || (dialect !== 'postgres' && dialect !== 'mysql') || rest.length !== 1) {
      throw new ConsistencyTokenError(`${JSON.stringify(token.length > 80 ? `${token.slice(0, 80)}...` : token)} is not a consistency token written by Athanor (session.consistencyToken())`);
    }
    this.dialectName = dialect;
    this.required = rest[0];
  }

  /** The position reads must see, or undefined when any replica will do. */
  get position(): string | undefined {
    return this.required;
  }

  /**
   * The requirement as an opaque, cookie-safe token (letters, digits, `-` and `_`), or undefined when there is
   * none yet (nothing was committed through an engine with replicas).
   *
   * ```ts
   * setCookie('athanor-rw', session.consistencyToken() ?? '', { httpOnly: true, maxAge: 60 });
   * ```
   */
  token(): string | undefined {
    if (this.required === undefined || this.dialectName === undefined) return undefined;
    return Buffer.from(`${VERSION}|${this.dialectName}|${this.required}`, 'utf8').toString('base64url');
  }

  /** @internal The position a token gave, checked against the engine's dialect before its first use. */
  check(dialect: DialectName, positions: ReplicationPositions): void {
    if (this.required === undefined) return;
    if (this.dialectName !== dialect || !positions.isPosition(this.required)) {
      throw new ConsistencyTokenError(`this consistency token was written by a ${this.dialectName ?? 'other'} engine; this engine is ${dialect}`);
    }
  }

  /** @internal A commit reached `position` on the primary: later reads must see it. */
  observe(dialect: DialectName, position: string, positions: ReplicationPositions): void {
    this.required = this.required === undefined || this.dialectName !== dialect ? position : positions.later(this.required, position);
    this.dialectName = dialect;
  }
}
