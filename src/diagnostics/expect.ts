/**
 * Statement-count assertions for application test suites. They throw a plain
 * `Error` subclass with the statements that ran, so they work under node:test,
 * Vitest, Jest or anything else.
 *
 * ```ts
 * await expectStatements(2, () => db.session(async (s) => { s.add(artistWithOneSong); }));
 * await expectMaxStatements(3, () => renderArtistPage(db, artistId));
 * ```
 */

import { AthanorError } from '../core/errors.js';
import { recordStatements, type StatementRecording } from './recorder.js';

/** A statement-count expectation failed; `statements` lists what ran. */
export class StatementCountError extends AthanorError {
  override readonly name = 'StatementCountError';
  override readonly code = 'ATH_STATEMENT_COUNT';
  constructor(
    message: string,
    /** The recording of the block. */
    readonly recording: StatementRecording,
  ) {
    super(message);
  }
}

export interface ExpectStatementsOptions {
  /** Count BEGIN/COMMIT/ROLLBACK/savepoints too (default false). */
  readonly includeTransactionControl?: boolean;
}

function counted(rec: StatementRecording, options: ExpectStatementsOptions): number {
  return options.includeTransactionControl ? rec.all.length : rec.count;
}

/**
 * Run `fn` and fail unless it ran exactly `expected` statements (BEGIN/COMMIT
 * not counted unless asked). Resolves to the recording.
 */
export async function expectStatements<T>(expected: number, fn: () => Promise<T>, options: ExpectStatementsOptions = {}): Promise<StatementRecording<T>> {
  const rec = await recordStatements(fn);
  const n = counted(rec, options);
  if (n !== expected) {
    throw new StatementCountError(`expected ${expected} statement${expected === 1 ? '' : 's'}, ${n} ran:\n${rec.format()}`, rec);
  }
  return rec;
}

/** Run `fn` and fail if it ran more than `max` statements. Resolves to the recording. */
export async function expectMaxStatements<T>(max: number, fn: () => Promise<T>, options: ExpectStatementsOptions = {}): Promise<StatementRecording<T>> {
  const rec = await recordStatements(fn);
  const n = counted(rec, options);
  if (n > max) {
    throw new StatementCountError(`expected at most ${max} statement${max === 1 ? '' : 's'}, ${n} ran:\n${rec.format()}`, rec);
  }
  return rec;
}
